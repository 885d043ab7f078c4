import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { Agent, get as httpGet, request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Drives the built server as a user runs it: `node dist/main.js`, configured by FATHOM_* variables,
 * talking over a real loopback socket and stopped by a signal.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BOUNDARY = '----fathom-process-boundary-3xQ9';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

interface RunningFathom {
  child: ChildProcessWithoutNullStreams;
  base: string;
  dataDir: string;
  logs: LogLine[];
  stdout: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: RunningFathom[] = [];
const dirs: string[] = [];

/** The environment without any FATHOM_* the developer may have set, plus the given variables. */
function environment(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FATHOM_')));
  return { ...env, ...vars };
}

function launch(
  vars: Record<string, string>,
  args: string[] = [],
): { child: ChildProcessWithoutNullStreams; exited: RunningFathom['exited']; stderr: () => string; stdout: string[] } {
  const child = spawn(process.execPath, ['dist/main.js', ...args], { cwd: ROOT, env: environment(vars) });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stdout: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('exit', (code, signal) => done({ code, signal }));
  });
  return { child, exited, stderr: () => stderr, stdout };
}

async function startFathom(existingDataDir?: string, vars: Record<string, string> = {}): Promise<RunningFathom> {
  const dataDir = existingDataDir ?? (await mkdtemp(join(tmpdir(), 'fathom-process-')));
  if (!existingDataDir) dirs.push(dataDir);
  const { child, exited, stdout, stderr } = launch({
    FATHOM_HOST: '127.0.0.1',
    FATHOM_PORT: '0',
    FATHOM_DATA_DIR: dataDir,
    FATHOM_LOG_LEVEL: 'info',
    ...vars,
  });
  const logs: LogLine[] = [];
  const base = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      try {
        const entry = JSON.parse(line) as LogLine;
        logs.push(entry);
        const match = /^Fathom is listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(entry.msg);
        if (match && match[2] !== '0') done(match[1] as string);
      } catch {
        // Not JSON: the test on structured logs reports it.
      }
    });
    void exited.then(({ code }) => fail(new Error(`fathom exited with ${code} before listening:\n${stderr()}`)));
  });
  const fathom = { child, base, dataDir, logs, stdout, exited };
  running.push(fathom);
  return fathom;
}

/** A log line that has been written, or the test times out waiting for it. */
async function logged(fathom: RunningFathom, message: RegExp): Promise<LogLine> {
  return vi.waitFor(
    () => {
      const line = fathom.logs.find((l) => message.test(l.msg));
      if (!line) throw new Error(`no log line matching ${message} yet`);
      return line;
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** One GET on a fresh connection (no keep-alive pool), so a closed listener shows as an error. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((done, fail) => {
    httpGet(url, { agent: false }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    }).on('error', fail);
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

beforeAll(() => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);

afterEach(async () => {
  for (const fathom of running.splice(0)) {
    if (fathom.child.exitCode === null && fathom.child.signalCode === null) {
      fathom.child.kill('SIGKILL');
      await fathom.exited;
    }
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the fathom process', () => {
  it('serves health, readiness and the API on the port it reports, logging JSON lines', async () => {
    const fathom = await startFathom();
    const health = await fetch(`${fathom.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${fathom.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const created = await fetch(`${fathom.base}/api/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'resnet sweep', tags: ['Vision'] }),
    });
    expect(created.status).toBe(201);
    const experiment = (await created.json()) as { id: string; name: string; tags: string[] };
    expect(experiment).toMatchObject({ name: 'resnet sweep', tags: ['vision'] });
    const fetched = await fetch(`${fathom.base}${created.headers.get('location') as string}`);
    expect(((await fetched.json()) as { id: string }).id).toBe(experiment.id);

    const listening = await logged(fathom, /^Fathom is listening/);
    expect(listening).toMatchObject({ level: 30, dataDir: fathom.dataDir });
    for (const line of fathom.stdout) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it.each([['SIGTERM'], ['SIGINT']] as const)('stops on %s with exit code 0', async (signal) => {
    const fathom = await startFathom();
    expect((await fetch(`${fathom.base}/healthz`)).status).toBe(200);
    fathom.child.kill(signal);
    expect(await fathom.exited).toEqual({ code: 0, signal: null });
    expect(await logged(fathom, /stopping/)).toMatchObject({ signal });
  });

  it('stops cleanly on Ctrl-C through npm: two SIGINTs in a row (the process group, then npm forwarding)', async () => {
    const fathom = await startFathom();
    expect((await fetch(`${fathom.base}/healthz`)).status).toBe(200);
    fathom.child.kill('SIGINT');
    fathom.child.kill('SIGINT');
    expect(await fathom.exited).toEqual({ code: 0, signal: null });
    expect(await logged(fathom, /^stopped$/)).toBeDefined();
  });

  it.each([
    ['a one-shot connection', () => false as const],
    ['a keep-alive connection', () => new Agent({ keepAlive: true })],
  ])('finishes an upload still being sent on %s when SIGTERM arrives, refuses new connections, then exits 0', async (_kind, agent) => {
    const fathom = await startFathom();
    const experiment = (await (
      await fetch(`${fathom.base}/api/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"shutdown"}' })
    ).json()) as { id: string };
    const run = (await (
      await fetch(`${fathom.base}/api/experiments/${experiment.id}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    ).json()) as { id: string };

    const { port } = new URL(fathom.base);
    const clientAgent = agent();
    const upload = httpRequest({
      host: '127.0.0.1',
      port: Number(port),
      method: 'POST',
      path: `/api/runs/${run.id}/artifacts`,
      agent: clientAgent,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' },
    });
    const response = new Promise<{ status: number; body: string }>((done, fail) => {
      upload.on('response', (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      });
      upload.on('error', fail);
    });
    const chunk = Buffer.alloc(64 * 1024, 42);
    upload.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="late.bin"\r\n\r\n`);
    upload.write(chunk);
    // The server is streaming the file into the blob store: the request is in flight.
    await vi.waitFor(async () => expect(await filesUnder(join(fathom.dataDir, 'blobs', 'tmp'))).not.toEqual([]), {
      timeout: 10_000,
      interval: 20,
    });

    fathom.child.kill('SIGTERM');
    await logged(fathom, /stopping/);
    // New connections are no longer accepted while the upload is still open.
    await vi.waitFor(() => expect(getOnNewConnection(`${fathom.base}/healthz`)).rejects.toThrow(), { timeout: 10_000, interval: 50 });
    expect(fathom.child.exitCode).toBeNull();

    upload.write(chunk);
    upload.write(`\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="type"\r\n\r\nmodel\r\n--${BOUNDARY}--\r\n`);
    upload.end();

    const { status, body } = await response;
    expect(status, body).toBe(201);
    expect(JSON.parse(body)).toMatchObject({ name: 'late.bin', type: 'model', size: 2 * chunk.length });
    expect(await fathom.exited).toEqual({ code: 0, signal: null });
    if (clientAgent) clientAgent.destroy();
  });

  it.each([
    [{ FATHOM_PORT: 'abc' }, 'FATHOM_PORT'],
    [{ FATHOM_PORT: '70000' }, 'FATHOM_PORT'],
    [{ FATHOM_LOG_LEVEL: 'loud' }, 'FATHOM_LOG_LEVEL'],
    [{ FATHOM_MAX_UPLOAD_BYTES: '-5' }, 'FATHOM_MAX_UPLOAD_BYTES'],
  ])('refuses the bad configuration %j: exit code 1 and a message naming %s', async (vars, name) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-process-'));
    dirs.push(dataDir);
    const { exited, stderr } = launch({ FATHOM_HOST: '127.0.0.1', FATHOM_DATA_DIR: dataDir, ...vars });
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain(name);
    expect(stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('says which port is taken, without a stack trace, when another server holds it', async () => {
    const first = await startFathom();
    const port = new URL(first.base).port;
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-process-'));
    dirs.push(dataDir);
    const { exited, stderr } = launch({ FATHOM_HOST: '127.0.0.1', FATHOM_PORT: port, FATHOM_DATA_DIR: dataDir });
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    expect(stderr()).toContain('FATHOM_PORT');
    expect(stderr()).not.toMatch(/\n\s+at /);
  });

  it('refuses, with a message and exit code 1, a database written by a newer Fathom', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-process-'));
    dirs.push(dataDir);
    const fathom = await startFathom(dataDir);
    fathom.child.kill('SIGTERM');
    expect((await fathom.exited).code).toBe(0);
    const db = new Database(join(dataDir, 'fathom.db'));
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from the future', 0)").run();
    db.close();
    const { exited, stderr } = launch({ FATHOM_HOST: '127.0.0.1', FATHOM_PORT: '0', FATHOM_DATA_DIR: dataDir });
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain('schema version 9999, written by a newer Fathom');
    expect(stderr()).not.toMatch(/\n\s+at /);
  });

  it('`fathom gc` removes a blob a crash left without a record, and keeps recorded artifacts downloadable', async () => {
    const fathom = await startFathom();
    const json = { 'content-type': 'application/json' };
    const experiment = (await (await fetch(`${fathom.base}/api/experiments`, { method: 'POST', headers: json, body: '{"name":"gc"}' })).json()) as {
      id: string;
    };
    const run = (await (await fetch(`${fathom.base}/api/experiments/${experiment.id}/runs`, { method: 'POST', headers: json, body: '{}' })).json()) as {
      id: string;
    };
    const form = new FormData();
    form.append('file', new Blob(['weights we keep']), 'model.bin');
    const uploaded = await fetch(`${fathom.base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: form });
    expect(uploaded.status).toBe(201);
    const { sha256 } = (await uploaded.json()) as { sha256: string };
    fathom.child.kill('SIGTERM');
    expect((await fathom.exited).code).toBe(0);

    // What a crash between "blob stored" and "record committed" leaves: a blob nobody records.
    const orphanContent = 'weights of an upload that never got its record';
    const orphanHex = createHash('sha256').update(orphanContent).digest('hex');
    const orphanPath = join(fathom.dataDir, 'blobs', 'sha256', orphanHex.slice(0, 2), orphanHex);
    await mkdir(dirname(orphanPath), { recursive: true });
    await writeFile(orphanPath, orphanContent);

    const gc = launch({ FATHOM_DATA_DIR: fathom.dataDir }, ['gc', '--min-age', '0']);
    let stdout = '';
    gc.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    expect((await gc.exited).code, gc.stderr()).toBe(0);
    expect(stdout).toContain('scanned 2 blobs');
    expect(stdout).toContain(`removed 1 unreferenced (${orphanContent.length} bytes)`);
    expect(await filesUnder(join(fathom.dataDir, 'blobs', 'sha256'))).toEqual([sha256]);

    const restarted = await startFathom(fathom.dataDir);
    const download = await fetch(`${restarted.base}/api/runs/${run.id}/artifacts/model.bin`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('weights we keep');
  });

  it('sweeps orphaned blobs older than an hour at start on the SQLite store, never on the memory store', async () => {
    const plantOrphan = async (dataDir: string): Promise<string> => {
      const content = `an orphan planted in ${dataDir}`;
      const hex = createHash('sha256').update(content).digest('hex');
      const path = join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      await utimes(path, twoHoursAgo, twoHoursAgo);
      return path;
    };
    const exists = (path: string) => access(path).then(() => true, () => false);

    // The memory store records nothing: over an existing data directory every blob would look
    // orphaned, so it must not sweep.
    const memoryDir = await mkdtemp(join(tmpdir(), 'fathom-process-'));
    dirs.push(memoryDir);
    const kept = await plantOrphan(memoryDir);
    const memory = await startFathom(memoryDir, { FATHOM_STORE: 'memory' });
    expect((await fetch(`${memory.base}/readyz`)).status).toBe(200);
    memory.child.kill('SIGTERM');
    expect((await memory.exited).code).toBe(0);
    expect(await exists(kept)).toBe(true);

    const sqlite = await startFathom(memoryDir);
    expect(await logged(sqlite, /^removed 1 orphaned blobs$/)).toMatchObject({ gc: { removed: 1, scanned: 1 } });
    expect(await exists(kept)).toBe(false);
  });

  it('keeps a memory-store server on a shared data directory away from the SQLite store\'s artifact bytes', async () => {
    const json = { 'content-type': 'application/json' };
    const uploadModel = async (base: string): Promise<{ experiment: string; run: string }> => {
      const experiment = (await (await fetch(`${base}/api/experiments`, { method: 'POST', headers: json, body: '{"name":"shared bytes"}' })).json()) as { id: string };
      const run = (await (await fetch(`${base}/api/experiments/${experiment.id}/runs`, { method: 'POST', headers: json, body: '{}' })).json()) as { id: string };
      const form = new FormData();
      form.append('file', new Blob(['the same weights']), 'model.pt');
      expect((await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: form })).status).toBe(201);
      return { experiment: experiment.id, run: run.id };
    };
    const durable = await startFathom();
    const kept = await uploadModel(durable.base);
    durable.child.kill('SIGTERM');
    expect((await durable.exited).code).toBe(0);

    // A throwaway memory server on the same directory stores the same content, then deletes it.
    const memory = await startFathom(durable.dataDir, { FATHOM_STORE: 'memory' });
    const throwaway = await uploadModel(memory.base);
    expect((await fetch(`${memory.base}/api/experiments/${throwaway.experiment}?permanent=true`, { method: 'DELETE' })).status).toBe(204);
    memory.child.kill('SIGTERM');
    expect((await memory.exited).code).toBe(0);
    expect((await readdir(durable.dataDir)).filter((name) => name.startsWith('memory-store-'))).toEqual([]);

    const again = await startFathom(durable.dataDir);
    const download = await fetch(`${again.base}/api/runs/${kept.run}/artifacts/model.pt`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('the same weights');
  });

  it('refuses `fathom gc` on a data directory without a database, rather than creating one', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'fathom-process-')), 'typo');
    dirs.push(dirname(dataDir));
    const gc = launch({ FATHOM_DATA_DIR: dataDir }, ['gc']);
    expect((await gc.exited).code).toBe(1);
    expect(gc.stderr()).toContain(`there is no Fathom database at ${join(dataDir, 'fathom.db')}`);
    expect(gc.stderr()).not.toMatch(/\n\s+at /);
    // Not even the directory: a mistyped path leaves nothing behind.
    await expect(access(dataDir)).rejects.toThrow();
  });

  it('says so, without a stack trace, when the data directory cannot be created', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'fathom-process-'));
    dirs.push(parent);
    await writeFile(join(parent, 'a-file'), 'not a directory');
    const { exited, stderr } = launch({ FATHOM_HOST: '127.0.0.1', FATHOM_PORT: '0', FATHOM_DATA_DIR: join(parent, 'a-file', 'data') });
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain('cannot create the data directory');
    expect(stderr()).toContain('FATHOM_DATA_DIR');
    expect(stderr()).not.toMatch(/\n\s+at /);
  });

  it('prints its usage for --help and exits 0', async () => {
    const help = launch({}, ['--help']);
    let stdout = '';
    help.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    expect((await help.exited).code).toBe(0);
    expect(stdout).toContain('fathom gc');
    expect(stdout).toContain('FATHOM_DURABILITY');
  });
});
