import { execFile } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, cleanUp, makeDataDir, ROOT, startFathom } from './fathom-process.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `fathom <args>` as an operator runs it on the server's data directory; never throws. */
function fathom(dataDir: string, ...args: string[]): Promise<CliResult> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FATHOM_'))), FATHOM_DATA_DIR: dataDir };
  return new Promise((done) => {
    execFile(process.execPath, ['dist/main.js', ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => buildDist(), 120_000);
afterEach(() => cleanUp());

describe('users and tokens from the command line, used against a server with FATHOM_AUTH=token', () => {
  it('bootstraps an admin, makes a token, and the running server honours it until it is revoked', async () => {
    const dataDir = await makeDataDir('fathom-auth-');
    expect((await fathom(dataDir, 'users', 'add', 'root', '--role', 'admin')).stdout).toContain("added user 'root' (admin)");
    expect((await fathom(dataDir, 'users', 'add', 'ada', '--role', 'writer')).code).toBe(0);
    const created = await fathom(dataDir, 'tokens', 'create', 'ada', '--label', 'laptop');
    expect(created.code, created.stderr).toBe(0);
    const token = /^\s+(fth_\S+)$/m.exec(created.stdout)?.[1] as string;
    expect(token).toMatch(/^fth_[A-Za-z0-9-]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stdout).toContain('MLFLOW_TRACKING_TOKEN');
    const id = token.slice(4, 16);

    const server = await startFathom(dataDir, { FATHOM_AUTH: 'token' });
    const me = await fetch(`${server.base}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ user: 'ada', role: 'writer', auth: 'token' });
    expect((await fetch(`${server.base}/api/experiments`)).status).toBe(401);
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);

    // An artifact deletion leaves no record behind: the log says who did it.
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const experiment = (await (await fetch(`${server.base}/api/experiments`, { method: 'POST', headers: json, body: '{"name":"e"}' })).json()) as { id: string; createdBy: string };
    expect(experiment.createdBy).toBe('ada');
    const run = (await (await fetch(`${server.base}/api/experiments/${experiment.id}/runs`, { method: 'POST', headers: json, body: '{}' })).json()) as { id: string };
    const form = new FormData();
    form.append('file', new Blob(['weights']), 'model.bin');
    expect((await fetch(`${server.base}/api/runs/${run.id}/artifacts`, { method: 'POST', headers: auth, body: form })).status).toBe(201);
    expect((await fetch(`${server.base}/api/runs/${run.id}/artifacts/model.bin`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await expect.poll(() => server.logs.find((line) => line.msg === 'artifact deleted')).toMatchObject({ user: 'ada', runId: run.id, artifact: 'model.bin' });
    // So do deletions for good of a run and of an experiment.
    expect((await fetch(`${server.base}/api/runs/${run.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await expect.poll(() => server.logs.find((line) => line.msg === 'run deleted for good')).toMatchObject({ user: 'ada', runId: run.id });
    expect((await fetch(`${server.base}/api/experiments/${experiment.id}?permanent=true`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await expect.poll(() => server.logs.find((line) => line.msg === 'experiment deleted for good')).toMatchObject({ user: 'ada', experimentId: experiment.id });

    const listed = await fathom(dataDir, 'tokens', 'list', 'ada');
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+ada\\s+laptop\\s+`, 'm'));
    expect(listed.stdout).not.toContain(token.slice(17));

    // Another process revokes it: the server, which caches nothing, refuses it on the next request.
    expect((await fathom(dataDir, 'tokens', 'revoke', id)).stdout).toContain(`revoked token ${id} of user 'ada'`);
    const revoked = await fetch(`${server.base}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { detail: string }).detail).toContain('revoked');
    expect(revoked.headers.get('www-authenticate')).toBe('Bearer realm="fathom"');
    await server.stop();
  }, 240_000);

  it('says what is wrong, without a stack trace, and exits 1', async () => {
    const dataDir = await makeDataDir('fathom-auth-');
    const badRole = await fathom(dataDir, 'users', 'add', 'bob', '--role', 'owner');
    expect(badRole).toMatchObject({ code: 1 });
    expect(badRole.stderr).toContain('--role must be one of admin, writer, reader');
    const unknown = await fathom(dataDir, 'tokens', 'create', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("user 'nobody' does not exist");
    const usage = await fathom(dataDir, 'users', 'add', 'bob');
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('usage: fathom users add NAME --role admin|writer|reader');
    expect((await fathom(dataDir, 'users', 'add', 'bob', '--role', 'reader')).code).toBe(0);
    const twice = await fathom(dataDir, 'users', 'add', 'bob', '--role', 'reader');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("a user named 'bob' already exists");
    const unknownToken = await fathom(dataDir, 'tokens', 'revoke', 'nope');
    expect(unknownToken.stderr).toContain("token 'nope' does not exist");
    for (const result of [badRole, unknown, usage, twice]) expect(result.stderr).not.toMatch(/\n\s+at /);
    expect((await fathom(dataDir, 'users', 'list')).stdout).toMatch(/^NAME\s+ROLE\s+CREATED\nbob\s+reader\s+\d{4}-/);
  }, 240_000);
});
