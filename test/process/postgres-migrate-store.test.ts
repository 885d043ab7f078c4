import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { describePostgres } from '../support/postgres.js';
import { describeS3, TEST_BUCKET, TEST_CREDENTIALS } from '../support/s3.js';
import { buildDist, cleanUp, makeDataDir, ROOT, startFathom } from './fathom-process.js';

/**
 * `fathom migrate-store` as a user runs it: a SQLite store with files for blobs, filled by a real
 * server through its HTTP API, copied by the built CLI into PostgreSQL with blobs in S3 (s3rver
 * on loopback); then a server on the copy must answer every read as the old one did.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- loose JSON views of response bodies */
type Json = any;

const AWS = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey };

async function call(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const init: RequestInit = { method };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function upload(base: string, runId: string, name: string, content: Buffer, fields: Record<string, string> = {}): Promise<Json> {
  const form = new FormData();
  for (const [key, value] of Object.entries({ name, ...fields })) form.append(key, value);
  form.append('file', new Blob([content], { type: 'application/octet-stream' }), 'upload.bin');
  return call(base, 'POST', `/api/runs/${runId}/artifacts`, form);
}

/** What a team's store holds after a while: every kind of thing, in every state. Returns a run to upload to later. */
async function fill(base: string): Promise<string> {
  const vision = await call(base, 'POST', '/api/experiments', {
    name: 'Vision ✨ 視覚',
    description: 'ResNet sweeps',
    tags: ['cv', 'résumé'],
    properties: { 'mlflow.note.content': '# Notes\nligne 2', owner: 'Zoë 🚀' },
    createdBy: 'zoë',
  });
  const old = await call(base, 'POST', '/api/experiments', { name: 'baseline' });
  const parent = await call(base, 'POST', `/api/experiments/${vision.id}/runs`, {
    name: 'sweep 🚀',
    parameters: [{ key: 'lr', value: 0.001 }, { key: 'layers', value: 50 }, { key: 'amp', value: true }, { key: 'arch', value: 'resnet-50' }],
    tags: { note: 'commas, "quotes"; ünïcode' },
  });
  const child = await call(base, 'POST', `/api/experiments/${vision.id}/runs`, { name: 'trial 1', parentRunId: parent.id, parameters: [{ key: 'lr', value: '0.001' }] });
  const trashed = await call(base, 'POST', `/api/experiments/${vision.id}/runs`, { name: 'mistake' });
  const inOld = await call(base, 'POST', `/api/experiments/${old.id}/runs`, { parameters: [{ key: 'lr', value: 0.1 }] });

  // Longer than one batch of the copy, with NaN and infinities among the values.
  for (let start = 0; start < 15_000; start += 5_000) {
    const metrics = Array.from({ length: 5_000 }, (_, i) => {
      const step = start + i;
      return { key: 'loss', step, value: step % 1000 === 0 ? 'NaN' : step === 7 ? 'Infinity' : 1 / (step + 1), timestamp: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString() };
    });
    await call(base, 'POST', `/api/runs/${parent.id}/metrics`, { metrics });
  }
  await call(base, 'POST', `/api/runs/${parent.id}/metrics`, { metrics: [{ key: 'accuracy', value: 0.93, step: 3 }, { key: 'train/acc', value: 0.5 }] });
  await call(base, 'POST', `/api/runs/${child.id}/metrics`, { key: 'loss', value: 0.25, step: 1_000_000_000 });
  await call(base, 'POST', `/api/runs/${inOld.id}/metrics`, { key: 'loss', value: '-Infinity' });
  await call(base, 'POST', '/api/2.0/mlflow/runs/log-inputs', {
    run_id: parent.id,
    datasets: [
      {
        dataset: { name: 'imagenet', digest: 'abc123', source_type: 's3', source: '{"uri": "s3://data/imagenet"}', schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 3}' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ],
  });

  const weights = randomBytes(1_500_000);
  await upload(base, parent.id, 'model.pt', weights, { type: 'model', tags: 'best', metadata: '{"framework": "torch", "nested": {"ok": true}}' });
  await upload(base, parent.id, 'model.pt', Buffer.from('weights, second try'), { type: 'model' });
  await upload(base, parent.id, 'model.pt', weights, { version: 'prod' });
  await upload(base, child.id, 'model.pt', weights);
  await upload(base, child.id, 'résultats/figure 1.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]), { type: 'figure' });
  await upload(base, inOld.id, 'empty.txt', Buffer.alloc(0));
  // Versions 4 and 5 of model.pt, deleted: numbering goes on from 6, in the copy too.
  await upload(base, trashed.id, 'model.pt', Buffer.from('scratch 4'));
  await upload(base, trashed.id, 'model.pt', Buffer.from('scratch 5'));
  await call(base, 'DELETE', `/api/runs/${trashed.id}/artifacts/model.pt`);

  await call(base, 'PATCH', `/api/runs/${parent.id}`, { status: 'completed' });
  await call(base, 'PATCH', `/api/runs/${child.id}`, { status: 'killed' });
  await call(base, 'POST', '/api/2.0/mlflow/runs/delete', { run_id: trashed.id });
  await call(base, 'DELETE', `/api/experiments/${old.id}`);
  return parent.id;
}

const downloadPath = (artifact: Json): string =>
  `/api/runs/${artifact.runId}/artifacts/${artifact.name.split('/').map(encodeURIComponent).join('/')}?version=${encodeURIComponent(artifact.version)}`;

/** Every read a user makes, over the whole store; artifact bytes as their SHA-256. */
async function readEverything(base: string): Promise<Json> {
  const { experiments } = await call(base, 'GET', '/api/experiments?lifecycle=all&orderBy=name&limit=1000');
  const seen: Json = { experiments, of: {}, runs: {} };
  for (const { id } of experiments) {
    const experiment = await call(base, 'GET', `/api/experiments/${id}`);
    seen.of[id] = {
      experiment,
      params: await call(base, 'GET', `/api/experiments/${id}/params`),
      artifacts: await call(base, 'GET', `/api/experiments/${id}/artifacts`),
      search: await call(base, 'POST', '/api/runs/search', { experimentIds: [id], orderBy: ['metrics.loss desc'] }),
    };
    for (const run of experiment.runs) {
      const { metrics } = await call(base, 'GET', `/api/runs/${run.id}/metrics`);
      const histories: Json = {};
      for (const { key } of metrics) histories[key] = await call(base, 'GET', `/api/runs/${run.id}/metrics/${encodeURIComponent(key)}?method=none&maxPoints=100000`);
      const { artifacts } = await call(base, 'GET', `/api/runs/${run.id}/artifacts`);
      const bytes: Json = {};
      for (const artifact of artifacts) {
        const response = await fetch(`${base}${downloadPath(artifact)}`);
        expect(response.status).toBe(200);
        const sha256 = createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex');
        expect(sha256).toBe(artifact.sha256);
        bytes[`${artifact.name}@${artifact.version}`] = sha256;
      }
      seen.runs[run.id] = {
        run: await call(base, 'GET', `/api/runs/${run.id}`),
        children: await call(base, 'GET', `/api/runs/${run.id}/children`),
        metrics,
        histories,
        bytes,
      };
    }
  }
  return seen;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to its end, configured by flags and the given variables only. */
function fathom(args: string[], vars: Record<string, string>): Promise<Finished> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FATHOM_'))), ...vars };
  const child = spawn(process.execPath, ['dist/main.js', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

describePostgres('fathom migrate-store: SQLite and files into PostgreSQL and S3', (postgres) => {
  describeS3('with the blobs going to s3rver', (s3) => {
    beforeAll(() => buildDist(), 300_000);
    afterEach(cleanUp);

    it('copies a store a server filled, verifies it, and a server on the copy answers every read the same', async () => {
      const dataDir = await makeDataDir('fathom-migrate-');
      const old = await startFathom(dataDir);
      const runId = await fill(old.base);
      const before = await readEverything(old.base);
      await old.stop();
      const url = await postgres.createDatabase();
      const target = ['--to-store', 'postgres', '--to-database-url', url, '--to-blob', 's3', '--to-s3-bucket', TEST_BUCKET, '--to-s3-prefix', 'migrated', '--to-s3-endpoint', s3.endpoint()];

      const migration = await fathom(['migrate-store', ...target], { FATHOM_DATA_DIR: dataDir, ...AWS });

      expect(migration.code, `${migration.stdout}\n${migration.stderr}`).toBe(0);
      const lines = migration.stdout.split('\n');
      const phase = (text: string) => expect.stringMatching(new RegExp(`^${text.replace(/[()]/g, '\\$&')} \\([\\d.]+ s\\)$`));
      expect(lines).toContainEqual(phase('experiments: 3 copied'));
      expect(lines).toContainEqual(phase('runs: 4 copied, with 6 parameters and 1 datasets'));
      expect(lines).toContainEqual(phase('metrics: 15004 points copied, 5 series'));
      expect(lines).toContainEqual(phase('artifacts: 6 records copied, 4 blobs (1.4 MiB), 3 version marks'));
      expect(lines).toContainEqual(expect.stringMatching(/^fathom migrate-store: done in [\d.]+ s; the target holds everything the source did, and every blob hashes to its record$/));
      expect(await s3.keys('migrated/sha256/')).toHaveLength(4);

      const copy = await startFathom(await makeDataDir('fathom-migrated-'), {
        FATHOM_STORE: 'postgres',
        FATHOM_DATABASE_URL: url,
        FATHOM_BLOB: 's3',
        FATHOM_S3_BUCKET: TEST_BUCKET,
        FATHOM_S3_PREFIX: 'migrated',
        FATHOM_S3_ENDPOINT: s3.endpoint(),
        ...AWS,
      });
      expect(await readEverything(copy.base)).toEqual(before);
      expect((await upload(copy.base, runId, 'model.pt', Buffer.from('weights, sixth try'))).version).toBe('6');
      await copy.stop();

      // The copy now holds something: a second one is refused, with the reason.
      const again = await fathom(['migrate-store', ...target], { FATHOM_DATA_DIR: dataDir, ...AWS });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^fathom migrate-store: the target is not empty: it holds experiment 'Default' \(id 0\)/m);
    }, 240_000);

    it('refuses a source that is not there, rather than copying an empty store', async () => {
      const url = await postgres.createDatabase();
      const missing = `${await makeDataDir('fathom-migrate-')}/nothing-here`;
      const migration = await fathom(['migrate-store', '--to-store', 'postgres', '--to-database-url', url], { FATHOM_DATA_DIR: missing });
      expect(migration.code).toBe(1);
      expect(migration.stderr).toMatch(/there is no Fathom database at .*nothing-here/);
    }, 60_000);
  });
});
