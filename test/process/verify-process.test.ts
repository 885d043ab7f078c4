import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, cleanUp, makeDataDir, ROOT, startFathom, type FathomProcess } from './fathom-process.js';

/** `fathom verify` run as a user runs it, on a real data directory a real server wrote. */

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/main.js <args>` to its end, configured by FATHOM_* variables only. */
function runFathom(args: string[], vars: Record<string, string>): Promise<Finished> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FATHOM_')));
  const child = spawn(process.execPath, ['dist/main.js', ...args], { cwd: ROOT, env: { ...env, ...vars } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

interface Uploaded {
  runId: string;
  experimentId: string;
  name: string;
  version: string;
  path: string;
  sha256: string;
  size: number;
}

async function seed(fathom: FathomProcess, files: Record<string, string>): Promise<Uploaded[]> {
  const json = { 'content-type': 'application/json' };
  const experiment = (await (await fetch(`${fathom.base}/api/experiments`, { method: 'POST', headers: json, body: '{"name":"verify"}' })).json()) as { id: string };
  const run = (await (await fetch(`${fathom.base}/api/experiments/${experiment.id}/runs`, { method: 'POST', headers: json, body: '{}' })).json()) as { id: string };
  const uploaded: Uploaded[] = [];
  for (const [name, content] of Object.entries(files)) {
    const form = new FormData();
    form.append('file', new Blob([content]), name);
    const response = await fetch(`${fathom.base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    uploaded.push((await response.json()) as Uploaded);
  }
  return uploaded;
}

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

describe('fathom verify', () => {
  beforeAll(() => buildDist(), 120_000);
  afterEach(cleanUp);

  it('lists a damaged and a missing blob with run, name, version, key and digests, exits 1, and changes nothing', async () => {
    const dataDir = await makeDataDir('fathom-verify-');
    const fathom = await startFathom(dataDir);
    const [intact, damaged, missing] = (await seed(fathom, { 'intact.bin': 'weights we keep', 'damaged.bin': 'weights bit rot reaches', 'missing.bin': 'weights someone deletes' })) as [
      Uploaded,
      Uploaded,
      Uploaded,
    ];
    expect((await fathom.stop()).code).toBe(0);
    const blobs = join(dataDir, 'blobs');
    await writeFile(join(blobs, damaged.path), 'WEIGHTS BIT ROT REACHES');
    await rm(join(blobs, missing.path));
    const before = { intact: await readFile(join(blobs, intact.path)), damaged: await readFile(join(blobs, damaged.path)) };

    const verify = await runFathom(['verify'], { FATHOM_DATA_DIR: dataDir });
    expect(verify.code, verify.stderr).toBe(1);
    const lines = verify.stdout.trim().split('\n');
    const damagedLine = lines.find((line) => line.startsWith('DAMAGED'));
    expect(damagedLine).toBe(
      `DAMAGED    artifact 'damaged.bin' version ${damaged.version} of run ${damaged.runId} (experiment ${damaged.experimentId}): blob ${damaged.path} ` +
        `holds ${damaged.size} bytes with SHA-256 ${sha256('WEIGHTS BIT ROT REACHES')}; recorded ${damaged.size} bytes with SHA-256 ${damaged.sha256}`,
    );
    expect(lines.find((line) => line.startsWith('MISSING'))).toBe(
      `MISSING    artifact 'missing.bin' version ${missing.version} of run ${missing.runId} (experiment ${missing.experimentId}): blob ${missing.path} ` +
        `does not exist; recorded ${missing.size} bytes with SHA-256 ${missing.sha256}`,
    );
    expect(verify.stdout).not.toContain('intact.bin');
    expect(lines.at(-1)).toMatch(/^fathom verify: checked 3 artifact versions over 3 blobs \(\d+ bytes\) in \d+\.\d s; 2 artifact versions with a damaged, missing or unreadable blob/);

    // Read only: the damaged blob is still there as it was, the missing one still missing, the records still there.
    expect(await readFile(join(blobs, intact.path))).toEqual(before.intact);
    expect(await readFile(join(blobs, damaged.path))).toEqual(before.damaged);
    const again = await startFathom(dataDir);
    const listed = (await (await fetch(`${again.base}/api/runs/${intact.runId}/artifacts`)).json()) as { artifacts: Uploaded[] };
    expect(listed.artifacts.map((a) => a.name).sort()).toEqual(['damaged.bin', 'intact.bin', 'missing.bin']);
  });

  it('exits 0 with a summary when every blob is intact', async () => {
    const dataDir = await makeDataDir('fathom-verify-');
    const fathom = await startFathom(dataDir);
    await seed(fathom, { 'a.bin': 'first', 'b.bin': 'second' });
    expect((await fathom.stop()).code).toBe(0);
    const verify = await runFathom(['verify'], { FATHOM_DATA_DIR: dataDir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/fathom verify: checked 2 artifact versions over 2 blobs \(11 bytes\) in \d+\.\d s; every blob holds what its records say\n$/);
  });

  it('refuses a data directory without a database rather than calling it intact', async () => {
    const dataDir = await makeDataDir('fathom-verify-');
    const verify = await runFathom(['verify'], { FATHOM_DATA_DIR: join(dataDir, 'typo') });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('there is no Fathom database at');
    expect(verify.stderr).not.toMatch(/\n\s+at /);
  });
});
