import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildDist, cleanUp, makeDataDir, startFathom, type FathomProcess } from './fathom-process.js';
import { describePostgres } from '../support/postgres.js';
import { describeS3, TEST_BUCKET, TEST_CREDENTIALS } from '../support/s3.js';

/**
 * Several stateless servers over one PostgreSQL database and one S3 bucket, the scaled-out
 * deployment (docs/deployment.md): two built servers (`node dist/main.js`) as child processes on
 * their own ports, driven over loopback HTTP at the same time. Every invariant a single server
 * keeps must hold across them, because the database keeps it, not a process.
 */

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON bodies, checked field by field
}

async function call(server: FathomProcess, method: string, path: string, json?: unknown): Promise<Reply> {
  const response = await fetch(`${server.base}${path}`, {
    method,
    ...(json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function ok(server: FathomProcess, method: string, path: string, json?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const reply = await call(server, method, path, json);
  if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.body)}\n${server.describe()}`);
  return reply.body;
}

async function upload(server: FathomProcess, runId: string, name: string, content: Buffer): Promise<Reply> {
  const form = new FormData();
  form.append('name', name);
  form.append('file', new Blob([content]), name);
  const response = await fetch(`${server.base}/api/runs/${runId}/artifacts`, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

async function download(server: FathomProcess, runId: string, name: string, version: string): Promise<{ status: number; sha256: string }> {
  const response = await fetch(`${server.base}/api/runs/${runId}/artifacts/${encodeURIComponent(name)}?version=${version}`);
  return { status: response.status, sha256: createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex') };
}

/** Every point of a key, read through `server` (method=none: no downsampling). */
async function history(server: FathomProcess, runId: string, key: string): Promise<{ step: number; value: number }[]> {
  return (await ok(server, 'GET', `/api/runs/${runId}/metrics/${key}?method=none&maxPoints=100000`)).points;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

describePostgres('several servers on one PostgreSQL database', (postgres) => {
  describeS3('and one S3 bucket', (s3) => {
    let a: FathomProcess;
    let b: FathomProcess;
    let settings: Record<string, string>;
    let suite = 0;

    beforeAll(() => buildDist(), 120_000);

    beforeEach(async () => {
      suite += 1;
      settings = {
        FATHOM_STORE: 'postgres',
        FATHOM_DATABASE_URL: await postgres.createDatabase(),
        FATHOM_DB_POOL_SIZE: '8',
        FATHOM_BLOB: 's3',
        FATHOM_S3_BUCKET: TEST_BUCKET,
        FATHOM_S3_PREFIX: `two-servers-${suite}/`,
        FATHOM_S3_ENDPOINT: s3.endpoint(),
        FATHOM_S3_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      };
      // Started at the same moment on an empty database: they race to migrate it, and one does.
      [a, b] = await Promise.all([startFathom(await makeDataDir('fathom-a-'), settings), startFathom(await makeDataDir('fathom-b-'), settings)]);
      for (const server of [a, b]) expect(await ok(server, 'GET', '/readyz')).toEqual({ status: 'ready' });
    }, 60_000);

    afterEach(async () => {
      await cleanUp();
    });

    async function aRun(): Promise<{ experimentId: string; runId: string }> {
      const experiment = await ok(a, 'POST', '/api/experiments', { name: `shared ${randomBytes(4).toString('hex')}` });
      const run = await ok(b, 'POST', `/api/experiments/${experiment.id}/runs`, { name: 'trained on two servers' });
      return { experimentId: experiment.id, runId: run.id };
    }

    it('loses and duplicates no point when both log metrics into one run at once', async () => {
      const { runId } = await aRun();
      const clients = 6;
      const batches = 30;
      // Each client logs its own steps of `loss`, and steps-less points of `auto`: the server
      // assigns those (last step + 1), so concurrent batches on two servers must not collide.
      await Promise.all(
        range(clients).map(async (client) => {
          const server = client % 2 === 0 ? a : b;
          for (let batch = 0; batch < batches; batch += 1) {
            const first = client * 10_000 + batch * 100;
            const metrics = [
              ...range(100).map((i) => ({ key: 'loss', step: first + i, value: first + i })),
              ...range(50).map(() => ({ key: 'auto', value: client })),
            ];
            expect((await ok(server, 'POST', `/api/runs/${runId}/metrics`, { metrics })).count).toBe(150);
          }
        }),
      );
      const loss = range(clients).flatMap((client) => range(batches * 100, client * 10_000));
      for (const server of [a, b]) {
        const points = await history(server, runId, 'loss');
        expect(points.map((p) => p.step)).toEqual(loss);
        expect(points.every((p) => p.value === p.step)).toBe(true);
        // Auto-assigned steps: one per point sent, 0 upwards, no step given twice or skipped.
        const auto = await history(server, runId, 'auto');
        expect(auto.map((p) => p.step)).toEqual(range(clients * batches * 50));
        const perClient = range(clients).map((client) => auto.filter((p) => p.value === client).length);
        expect(perClient).toEqual(range(clients).map(() => batches * 50));
        const summaries = (await ok(server, 'GET', `/api/runs/${runId}/metrics`)).metrics;
        expect(summaries.map((s: { key: string; count: number }) => [s.key, s.count])).toEqual([
          ['auto', clients * batches * 50],
          ['loss', clients * batches * 100],
        ]);
      }
    });

    it('lets exactly one of two different values of a parameter win, the other getting 409', async () => {
      const { runId } = await aRun();
      const keys = range(20).map((i) => `param_${i}`);
      const replies = await Promise.all(
        keys.flatMap((key) => [call(a, 'POST', `/api/runs/${runId}/params`, { key, value: 'from a' }), call(b, 'POST', `/api/runs/${runId}/params`, { key, value: 'from b' })]),
      );
      const stored = new Map<string, string>(
        (await ok(b, 'GET', `/api/runs/${runId}/params`)).parameters.map((p: { key: string; value: string }) => [p.key, p.value]),
      );
      keys.forEach((key, i) => {
        const [fromA, fromB] = [replies[2 * i] as Reply, replies[2 * i + 1] as Reply];
        expect([fromA.status, fromB.status].sort()).toEqual([201, 409]);
        const loser = fromA.status === 409 ? fromA : fromB;
        expect(loser.body.detail).toContain(key);
        expect(stored.get(key)).toBe(fromA.status === 201 ? 'from a' : 'from b');
      });
    });

    it('numbers concurrent uploads of one artifact name 1, 2, 3, … with no gap and no repeat', async () => {
      const { runId } = await aRun();
      const contents = range(16).map((i) => randomBytes(1024 + i));
      const replies = await Promise.all(contents.map((content, i) => upload(i % 2 === 0 ? a : b, runId, 'model.pt', content)));
      expect(replies.map((r) => r.status)).toEqual(contents.map(() => 201));
      const versions = replies.map((r) => Number(r.body.version));
      expect([...versions].sort((x, y) => x - y)).toEqual(range(16, 1));
      // Every version downloads, through the other server, as the bytes uploaded under it.
      for (const [i, reply] of replies.entries()) {
        const other = i % 2 === 0 ? b : a;
        const sha256 = createHash('sha256').update(contents[i] as Buffer).digest('hex');
        expect(reply.body.sha256).toBe(sha256);
        expect(await download(other, runId, 'model.pt', reply.body.version)).toEqual({ status: 200, sha256 });
      }
    });

    it('shows every acknowledged write on the other server at once', async () => {
      for (let i = 0; i < 20; i += 1) {
        const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
        const experiment = await ok(writer, 'POST', '/api/experiments', { name: `seen ${i}` });
        expect((await ok(reader, 'GET', `/api/experiments/${experiment.id}`)).name).toBe(`seen ${i}`);
        const run = await ok(reader, 'POST', `/api/experiments/${experiment.id}/runs`, {});
        await ok(writer, 'POST', `/api/runs/${run.id}/params`, { key: 'i', value: i });
        await ok(writer, 'POST', `/api/runs/${run.id}/metrics`, { key: 'acc', step: 1, value: i / 20 });
        await ok(writer, 'PATCH', `/api/runs/${run.id}`, { status: 'completed' });
        const seen = await ok(reader, 'GET', `/api/runs/${run.id}`);
        expect(seen).toMatchObject({ status: 'completed', parameters: [{ key: 'i', value: i }], metrics: [{ key: 'acc', step: 1, value: i / 20 }] });
        const found = await ok(reader, 'POST', '/api/runs/search', { experimentIds: [experiment.id], filter: `params.i = ${i} and metrics.acc >= 0` });
        expect(found.runs.map((r: { id: string }) => r.id)).toEqual([run.id]);
      }
    });

    it('loses nothing a killed server acknowledged, while the other keeps serving', async () => {
      const { runId } = await aRun();
      const acknowledged = new Set<number>();
      const failedOnB: string[] = [];
      let stop = false;
      // Two clients per server, each logging batches of 50 steps of its own, until told to stop.
      const client = async (server: FathomProcess, id: number): Promise<void> => {
        for (let batch = 0; !stop; batch += 1) {
          const first = id * 1_000_000 + batch * 50;
          const metrics = range(50).map((i) => ({ key: 'loss', step: first + i, value: i }));
          try {
            const reply = await call(server, 'POST', `/api/runs/${runId}/metrics`, { metrics });
            if (reply.status === 201) for (const m of metrics) acknowledged.add(m.step);
            else if (server === b) failedOnB.push(`${reply.status} ${JSON.stringify(reply.body)}`);
          } catch (error) {
            if (server === b) failedOnB.push(String(error));
            if (server === a) return; // a is gone: its client stops
          }
        }
      };
      const clients = [client(a, 0), client(a, 1), client(b, 2), client(b, 3)];
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const ackedBeforeKill = acknowledged.size;
      await a.kill();
      // b goes on serving after a died.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      stop = true;
      await Promise.all(clients);
      expect(ackedBeforeKill).toBeGreaterThan(0);
      expect(failedOnB).toEqual([]);
      expect(await ok(b, 'GET', '/readyz')).toEqual({ status: 'ready' });

      // Every acknowledged step is there, read through the survivor and through a new server.
      const c = await startFathom(await makeDataDir('fathom-c-'), settings);
      for (const server of [b, c]) {
        const stored = new Set((await history(server, runId, 'loss')).map((p) => p.step));
        const missing = [...acknowledged].filter((step) => !stored.has(step));
        expect(missing).toEqual([]);
      }
    });
  });
});
