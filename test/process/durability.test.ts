import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/adapters/persistence/sqlite/migrations.js';
import { buildDist, cleanUp, launchFathom, makeDataDir, startFathom, type FathomProcess } from './fathom-process.js';

/**
 * What a user of the running server relies on across restarts and crashes: the built server as a
 * child process, driven over loopback HTTP, stopped with SIGTERM or killed with SIGKILL, then
 * started again on the same data directory. Everything is checked through the API, except the
 * final `PRAGMA integrity_check` on the database file.
 */

/** FATHOM_* settings every server here gets on top of the launcher's: none, the default store. */
const STORE: Record<string, string> = {};
const EXPECTED_STORE = 'sqlite';

// ---------------------------------------------------------------------------------------------
// HTTP over loopback, with explicit agents (one keep-alive socket per simulated client).

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** False when the connection died after the status line arrived. */
  complete: boolean;
}

interface CallOptions {
  agent?: Agent;
  json?: unknown;
  body?: Buffer;
  headers?: OutgoingHttpHeaders;
}

function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const { port } = new URL(base);
  const headers: OutgoingHttpHeaders = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = Buffer.from(JSON.stringify(options.json));
    headers['content-type'] = 'application/json';
  }
  if (body) headers['content-length'] = body.length;
  return new Promise((done, fail) => {
    const request = httpRequest({ host: '127.0.0.1', port: Number(port), method, path, headers, agent: options.agent ?? false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Settles on the status line already received, even if the body is cut off: a 2xx status is
      // the server's word that the write committed.
      response.on('close', () =>
        done({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), complete: response.complete }),
      );
      response.on('error', () => undefined);
    });
    request.on('error', fail);
    request.end(body);
  });
}

function parse<T = unknown>(reply: Reply): T {
  return JSON.parse(reply.body.toString('utf8')) as T;
}

const ok = (status: number) => status >= 200 && status < 300;

/** A request that must succeed with `status`; the failure message carries the response body. */
async function expectCall<T = unknown>(base: string, method: string, path: string, status: number, options: CallOptions = {}): Promise<T> {
  const reply = await call(base, method, path, options);
  expect(reply.status, `${method} ${path} → ${reply.status} ${reply.body.toString('utf8')}`).toBe(status);
  return reply.body.length > 0 ? parse<T>(reply) : (undefined as T);
}

const BOUNDARY = '----fathom-durability-7Jq2';

interface FilePart {
  fileName: string;
  content: Buffer;
  contentType?: string;
}

/** A multipart/form-data body: `before` fields, the file part, then `after` fields. */
function multipart(file: FilePart, before: Record<string, string> = {}, after: Record<string, string> = {}): CallOptions {
  const field = (name: string, value: string) =>
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const parts = [
    ...Object.entries(before).map(([k, v]) => field(k, v)),
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.fileName}"\r\n` +
        (file.contentType ? `Content-Type: ${file.contentType}\r\n` : '') +
        '\r\n',
    ),
    file.content,
    Buffer.from('\r\n'),
    ...Object.entries(after).map(([k, v]) => field(k, v)),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ];
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// ---------------------------------------------------------------------------------------------
// The API's shapes, as far as these tests read them.

interface Experiment {
  id: string;
}
interface Run {
  id: string;
  name?: string;
  status: string;
  tags: Record<string, string>;
  parameters: Parameter[];
}
interface Parameter {
  key: string;
  value: string | number | boolean;
  type: string;
}
type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';
interface Point {
  step: number;
  value: JsonNumber;
  timestamp: string;
}
interface MetricSummary {
  key: string;
  last: { value: JsonNumber; step: number; timestamp: string };
  min: JsonNumber;
  max: JsonNumber;
  mean: JsonNumber;
  count: number;
  firstStep: number;
  lastStep: number;
}
interface Artifact {
  id: string;
  runId: string;
  name: string;
  version: string;
  sha256: string;
  size: number;
}

async function history(base: string, runId: string, key: string, agent?: Agent): Promise<Point[]> {
  // Every point, not a chart's downsampled selection: these tests count them.
  return (await expectCall<{ points: Point[] }>(base, 'GET', `/api/runs/${runId}/metrics/${encodeURIComponent(key)}?method=none`, 200, { agent })).points;
}

async function summaries(base: string, runId: string): Promise<Map<string, MetricSummary>> {
  const { metrics } = await expectCall<{ metrics: MetricSummary[] }>(base, 'GET', `/api/runs/${runId}/metrics`, 200);
  return new Map(metrics.map((m) => [m.key, m]));
}

async function parameters(base: string, runId: string): Promise<Map<string, Parameter>> {
  const { parameters: list } = await expectCall<{ parameters: Parameter[] }>(base, 'GET', `/api/runs/${runId}/params`, 200);
  return new Map(list.map((p) => [p.key, p]));
}

async function allRuns(base: string, experimentId: string): Promise<Run[]> {
  const runs: Run[] = [];
  let token: string | undefined;
  do {
    const query = `limit=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
    const page = await expectCall<{ runs: Run[]; nextPageToken?: string }>(base, 'GET', `/api/experiments/${experimentId}/runs?${query}`, 200);
    runs.push(...page.runs);
    token = page.nextPageToken;
  } while (token);
  return runs;
}

/** The bytes of one artifact version, with the headers a client keeps. */
async function download(base: string, artifact: Pick<Artifact, 'runId' | 'name' | 'version'>) {
  const reply = await call(base, 'GET', `/api/runs/${artifact.runId}/artifacts/${artifact.name}?version=${encodeURIComponent(artifact.version)}`);
  return {
    status: reply.status,
    size: reply.body.length,
    sha256: sha256(reply.body),
    contentType: reply.headers['content-type'],
    contentLength: reply.headers['content-length'],
    etag: reply.headers.etag,
    checksum: reply.headers['x-checksum-sha256'],
    disposition: reply.headers['content-disposition'],
  };
}

/** `PRAGMA integrity_check` on the store's file, opened read-only (the server must have stopped). */
function integrityCheck(dataDir: string): string {
  const db = new Database(join(dataDir, 'fathom.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).join('\n');
  } finally {
    db.close();
  }
}

/** A server on `dataDir` that says it uses the store these tests are about. */
async function start(dataDir: string): Promise<FathomProcess> {
  const fathom = await startFathom(dataDir, STORE);
  const listening = fathom.logs.find((line) => line.msg.startsWith('Fathom is listening'));
  expect(listening?.store, `the server runs the ${EXPECTED_STORE} store\n${fathom.describe()}`).toBe(EXPECTED_STORE);
  return fathom;
}

/** No error or fatal log line (a 500, "database is locked", a failed close), nothing on stderr. */
function expectNoErrors(fathom: FathomProcess): void {
  const errors = fathom.logs.filter((line) => line.level >= 50);
  expect(errors, fathom.describe()).toEqual([]);
  expect(fathom.stderr(), fathom.describe()).toBe('');
}

/** SIGTERM: exit 0, no errors, and the shutdown ran to its end (the "stopped" line is the last thing it does). */
async function stopCleanly(fathom: FathomProcess): Promise<void> {
  expect(await fathom.stop(), fathom.describe()).toEqual({ code: 0, signal: null });
  expectNoErrors(fathom);
  expect(fathom.logs.some((line) => line.msg === 'stopped'), `the shutdown did not finish\n${fathom.describe()}`).toBe(true);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------

beforeAll(() => buildDist(), 120_000);

afterEach(async () => {
  await cleanUp();
});

describe('durability of the running server', () => {
  it('keeps everything it acknowledged across a graceful restart, byte for byte', { timeout: 60_000 }, async () => {
    const dataDir = await makeDataDir();
    const first = await start(dataDir);
    const base = first.base;
    const post = <T>(path: string, json: unknown, status = 201) => expectCall<T>(base, 'POST', path, status, { json });

    const mnist = await post<Experiment>('/api/experiments', {
      name: 'durable mnist',
      description: 'A CNN on MNIST.\nSecond line, ünïcödé and "quotes".',
      tags: ['Vision', 'baseline'],
      createdBy: 'ada',
    });
    const cifar = await post<Experiment>('/api/experiments', { name: 'durable cifar', description: 'ResNet-18', tags: ['vision', 'resnet'] });
    const parked = await post<Experiment>('/api/experiments', { name: 'parked', tags: ['old'] });
    await expectCall(base, 'DELETE', `/api/experiments/${parked.id}`, 204);
    const purged = await post<Experiment>('/api/experiments', { name: 'purged' });
    await expectCall(base, 'DELETE', `/api/experiments/${purged.id}?permanent=true`, 204);
    await expectCall(base, 'PATCH', `/api/experiments/${cifar.id}`, 200, { json: { description: 'ResNet-18, longer schedule' } });

    const parent = await post<Run>(`/api/experiments/${mnist.id}/runs`, {
      name: 'lr-0.01',
      parameters: [
        { key: 'lr', value: 0.01 },
        { key: 'optimizer', value: 'adam' },
        { key: 'augment', value: true },
      ],
      tags: { team: 'vision', 'data/split': 'v1' },
      startedAt: '2026-01-15T10:00:00Z',
    });
    const child = await post<Run>(`/api/experiments/${mnist.id}/runs`, { name: 'fold-1', parentRunId: parent.id, tags: { fold: '1' } });
    const other = await post<Run>(`/api/experiments/${cifar.id}/runs`, {});

    await post(`/api/runs/${child.id}/params`, {
      parameters: [
        { key: 'batch_size', value: 64 },
        { key: 'scheduler', value: 'cosine' },
        { key: 'amp', value: false },
        { key: 'weight_decay', value: 1e-5 },
      ],
    });
    await post(`/api/runs/${other.id}/params`, { key: 'depth', value: 18 });

    await post(`/api/runs/${parent.id}/metrics`, {
      metrics: [
        { key: 'loss', value: 0.9, step: 0 },
        { key: 'loss', value: 0.5, step: 1 },
        { key: 'loss', value: 0.31, step: 5, timestamp: '2026-01-15T10:05:00.123Z' },
        { key: 'acc', value: 0.5 },
        { key: 'acc', value: 0.75 },
        { key: 'acc', value: 0.875 },
        { key: 'val/loss', value: 'NaN', step: 0 },
        { key: 'val/loss', value: 0.4, step: 10 },
        { key: 'val/loss', value: 'Infinity', step: 11 },
        { key: 'val/loss', value: '-Infinity', step: 12 },
        { key: 'grad_norm', value: 'NaN' },
      ],
    });
    // A second batch: auto steps continue, a point at an existing step replaces it.
    await post(`/api/runs/${parent.id}/metrics`, {
      metrics: [
        { key: 'acc', value: 0.9 },
        { key: 'loss', value: 0.45, step: 1 },
        { key: 'loss', value: 0.2, step: 6 },
      ],
    });
    await post(`/api/runs/${child.id}/metrics`, { key: 'loss', value: 1.5 });
    await post(`/api/runs/${child.id}/metrics`, { key: 'loss', value: 1.25, step: 3 });

    await expectCall(base, 'PATCH', `/api/runs/${parent.id}`, 200, { json: { tags: { stage: 'eval', team: null } } });
    await expectCall(base, 'PATCH', `/api/runs/${parent.id}`, 200, { json: { status: 'completed' } });
    await expectCall(base, 'PATCH', `/api/runs/${child.id}`, 200, { json: { status: 'failed', completedAt: '2030-01-01T00:00:00Z' } });

    const uploads = new Map<string, Buffer>();
    const upload = async (runId: string, file: FilePart, before: Record<string, string> = {}, after: Record<string, string> = {}) => {
      const artifact = await expectCall<Artifact>(base, 'POST', `/api/runs/${runId}/artifacts`, 201, multipart(file, before, after));
      expect(artifact.sha256).toBe(sha256(file.content));
      uploads.set(artifact.id, file.content);
      return artifact;
    };
    await upload(
      parent.id,
      { fileName: 'model.pt', content: randomBytes(256 * 1024), contentType: 'application/octet-stream' },
      { type: 'model', tags: 'best,final', metadata: JSON.stringify({ framework: 'torch', layers: [32, 64] }) },
    );
    await upload(parent.id, { fileName: 'model.pt', content: randomBytes(100 * 1024 + 3), contentType: 'application/octet-stream' }, {}, { type: 'model' });
    await upload(child.id, { fileName: 'curve.png', content: randomBytes(4096), contentType: 'image/png' }, { name: 'figures/curve.png', type: 'figure' });
    await upload(other.id, { fileName: 'data.csv', content: Buffer.from('a,b\n1,2\n') }, { type: 'dataset', version: 'rc.1' });
    // Identical content under another name: stored once, two records.
    const shared = [...uploads.values()][0] as Buffer;
    await upload(other.id, { fileName: 'copy.pt', content: shared, contentType: 'application/octet-stream' });

    const ids = { experiments: [mnist.id, cifar.id, parked.id], runs: [parent.id, child.id, other.id] };
    const readEverything = async (server: string) => {
      const seen: Record<string, unknown> = {};
      const get = async (path: string) => (seen[path] = await expectCall(server, 'GET', path, 200));
      await get('/api/experiments?lifecycle=all');
      await get('/api/experiments');
      await get(`/api/experiments/compare?ids=${mnist.id},${cifar.id}`);
      seen[`/api/experiments/${purged.id}`] = (await call(server, 'GET', `/api/experiments/${purged.id}`)).status;
      const artifacts: Artifact[] = [];
      for (const id of ids.experiments) {
        await get(`/api/experiments/${id}`);
        await get(`/api/experiments/${id}/runs`);
        artifacts.push(...((await get(`/api/experiments/${id}/artifacts`)) as { artifacts: Artifact[] }).artifacts);
      }
      for (const id of ids.runs) {
        await get(`/api/runs/${id}`);
        await get(`/api/runs/${id}/children`);
        await get(`/api/runs/${id}/params`);
        await get(`/api/runs/${id}/artifacts`);
        const { metrics } = (await get(`/api/runs/${id}/metrics`)) as { metrics: MetricSummary[] };
        for (const { key } of metrics) await get(`/api/runs/${id}/metrics/${key}`);
      }
      for (const artifact of artifacts) seen[`download ${artifact.id}`] = await download(server, artifact);
      return { seen, artifacts };
    };

    const before = await readEverything(base);
    // The test is about this data: make sure it is all there before comparing.
    expect(before.artifacts).toHaveLength(uploads.size);
    for (const artifact of before.artifacts) {
      const bytes = uploads.get(artifact.id) as Buffer;
      expect(before.seen[`download ${artifact.id}`]).toMatchObject({ status: 200, size: bytes.length, sha256: sha256(bytes), etag: `"${sha256(bytes)}"` });
    }
    expect(before.seen[`/api/runs/${parent.id}`]).toMatchObject({
      status: 'completed',
      tags: { 'data/split': 'v1', stage: 'eval' },
      parameters: expect.arrayContaining([
        { key: 'lr', value: 0.01, type: 'number' },
        { key: 'optimizer', value: 'adam', type: 'string' },
        { key: 'augment', value: true, type: 'boolean' },
      ]),
    });
    expect((before.seen[`/api/runs/${parent.id}/metrics/val/loss`] as { points: Point[] }).points.map((p) => p.value)).toEqual([
      'NaN',
      0.4,
      'Infinity',
      '-Infinity',
    ]);
    expect((before.seen[`/api/runs/${parent.id}/metrics/loss`] as { points: Point[] }).points.map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [1, 0.45],
      [5, 0.31],
      [6, 0.2],
    ]);
    expect(before.seen[`/api/experiments/${purged.id}`]).toBe(404);

    await stopCleanly(first);
    const second = await start(dataDir);
    const after = await readEverything(second.base);
    expect(after.seen).toEqual(before.seen);

    // And the restarted server takes new writes on top of the old ones.
    await expectCall(second.base, 'POST', `/api/runs/${parent.id}/metrics`, 201, { json: { key: 'acc', value: 0.95 } });
    expect((await history(second.base, parent.id, 'acc')).map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    await stopCleanly(second);
    expect(integrityCheck(dataDir)).toBe('ok');
  });

  // Stratified: each iteration kills in its own slice of 150-1500 ms, at a random moment within it.
  const KILL_WINDOWS = [0, 1, 2, 3].map((i) => [150 + i * 337, 150 + (i + 1) * 337] as const);
  // DURABILITY_KILL_MS=,,938 replays iteration 3 with the kill at 938 ms (empty entries stay random).
  const pinned = process.env.DURABILITY_KILL_MS?.split(',').map((ms) => (ms.trim() === '' ? undefined : Number(ms)));

  it.each(KILL_WINDOWS.map((window, i) => [i + 1, window] as const))(
    'keeps every acknowledged write and no partial batch after kill -9 (iteration %i)',
    { timeout: 60_000 },
    async (iteration, [from, to]) => {
      const delay = pinned?.[iteration - 1] ?? Math.round(from + Math.random() * (to - from));
      console.log(
        `crash iteration ${iteration}: SIGKILL ${delay} ms after the writers start ` +
          `(replay: DURABILITY_KILL_MS=${','.repeat(iteration - 1)}${delay} npx vitest run test/process/durability.test.ts -t 'iteration ${iteration}')`,
      );
      await crashAndCheck(delay);
    },
  );

  it('lets 32 concurrent clients write into one run without losing a point or a conflict', { timeout: 60_000 }, async () => {
    const dataDir = await makeDataDir();
    const fathom = await start(dataDir);
    const base = fathom.base;
    const experiment = await expectCall<Experiment>(base, 'POST', '/api/experiments', 201, { json: { name: 'contended' } });
    const run = await expectCall<Run>(base, 'POST', `/api/experiments/${experiment.id}/runs`, 201, { json: {} });

    const CLIENTS = 32;
    const BATCHES = 16;
    const PER_BATCH = 50; // `shared` points, and as many `c{i}` points, per request
    const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    // Open every client's socket first, so the first writes really start together.
    await Promise.all(agents.map((agent) => expectCall(base, 'GET', '/healthz', 200, { agent })));

    const failures: string[] = [];
    const seedReplies: Reply[] = [];
    const record = (what: string, reply: Reply, expected: number) => {
      if (reply.status !== expected) failures.push(`${what} → ${reply.status} ${reply.body.toString('utf8')}`);
    };
    await Promise.all(
      agents.map(async (agent, i) => {
        const seed = await call(base, 'POST', `/api/runs/${run.id}/params`, { agent, json: { key: 'seed', value: 1000 + i } });
        seedReplies[i] = seed;
        for (let b = 0; b < BATCHES; b += 1) {
          if (b === BATCHES / 2) record(`client ${i} lr`, await call(base, 'POST', `/api/runs/${run.id}/params`, { agent, json: { key: 'lr', value: 0.001 } }), 201);
          const metrics = [];
          for (let j = 0; j < PER_BATCH; j += 1) {
            const n = b * PER_BATCH + j;
            metrics.push({ key: 'shared', value: i + n / 10_000, step: n * CLIENTS + i });
            metrics.push({ key: `c${i}`, value: n });
          }
          const reply = await call(base, 'POST', `/api/runs/${run.id}/metrics`, { agent, json: { metrics } });
          record(`client ${i} batch ${b}`, reply, 201);
          if (reply.status === 201) expect(parse(reply)).toEqual({ count: 2 * PER_BATCH });
        }
      }),
    );
    for (const agent of agents) agent.destroy();

    // The seed: one winner, 31 problem responses naming the conflict.
    const winners = seedReplies.flatMap((reply, i) => (reply.status === 201 ? [i] : []));
    const losers = seedReplies.filter((reply) => reply.status !== 201);
    expect(winners, seedReplies.map((r) => `${r.status} ${r.body.toString('utf8')}`).join('\n')).toHaveLength(1);
    for (const reply of losers) {
      expect(reply.status, reply.body.toString('utf8')).toBe(409);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(parse(reply)).toMatchObject({ status: 409, code: 'CONFLICT', detail: expect.stringContaining('seed') });
    }
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);

    const params = await parameters(base, run.id);
    expect(params.get('seed')).toEqual({ key: 'seed', value: 1000 + (winners[0] as number), type: 'number' });
    expect(params.get('lr')).toEqual({ key: 'lr', value: 0.001, type: 'number' });

    const perClient = BATCHES * PER_BATCH;
    const total = CLIENTS * perClient;
    const sharedPoints = await history(base, run.id, 'shared');
    expect(sharedPoints.length).toBe(total);
    sharedPoints.forEach((point, index) => {
      if (point.step !== index || point.value !== (index % CLIENTS) + Math.floor(index / CLIENTS) / 10_000) {
        expect.fail(`shared point ${index}: ${JSON.stringify(point)}`);
      }
    });
    const summary = await summaries(base, run.id);
    expect(summary.get('shared')).toMatchObject({ count: total, firstStep: 0, lastStep: total - 1, min: 0 });
    for (let i = 0; i < CLIENTS; i += 1) {
      const points = await history(base, run.id, `c${i}`);
      // Steps assigned by the server: 0..n-1, no gap, no duplicate, in the order the client sent them.
      expect(points.map((p) => [p.step, p.value])).toEqual(Array.from({ length: perClient }, (_, n) => [n, n]));
      expect(summary.get(`c${i}`)).toMatchObject({
        count: perClient,
        firstStep: 0,
        lastStep: perClient - 1,
        min: 0,
        max: perClient - 1,
        mean: (perClient - 1) / 2,
        last: { value: perClient - 1, step: perClient - 1 },
      });
    }
    expect(summary.size).toBe(CLIENTS + 1);
    await stopCleanly(fathom);
    // After a clean stop the database is one self-contained file: the WAL went back into it.
    expect((await readdir(dataDir)).filter((name) => name.startsWith('fathom.db'))).toEqual(['fathom.db']);
  });

  it('lets two servers started at the same moment share one data directory', { timeout: 60_000 }, async () => {
    const dataDir = await makeDataDir();
    const launched = [launchFathom(dataDir, STORE), launchFathom(dataDir, STORE)];
    const outcomes = await Promise.allSettled(launched.map((l) => l.listening));
    const up = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(up.length, launched.map((l) => l.describe()).join('\n\n')).toBe(2);
    const [a, b] = up as [FathomProcess, FathomProcess];

    // Write through one, read through the other, both ways.
    const experiment = await expectCall<Experiment>(a.base, 'POST', '/api/experiments', 201, { json: { name: 'shared dir', tags: ['two'] } });
    expect(await expectCall(b.base, 'GET', `/api/experiments/${experiment.id}`, 200)).toMatchObject({ name: 'shared dir', tags: ['two'] });
    const run = await expectCall<Run>(b.base, 'POST', `/api/experiments/${experiment.id}/runs`, 201, { json: { name: 'via b' } });
    await expectCall(a.base, 'POST', `/api/runs/${run.id}/params`, 201, { json: { key: 'lr', value: 0.1 } });
    await expectCall(b.base, 'POST', `/api/runs/${run.id}/params`, 409, { json: { key: 'lr', value: 0.2 } });
    const content = randomBytes(10_000);
    const artifact = await expectCall<Artifact>(a.base, 'POST', `/api/runs/${run.id}/artifacts`, 201, multipart({ fileName: 'w.bin', content }));
    expect(await download(b.base, artifact)).toMatchObject({ status: 200, sha256: sha256(content) });

    // Both write the same key at once, steps assigned by whichever server commits.
    const writers = [a, b].flatMap((server) =>
      [0, 1, 2, 3].map(async (w) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let batch = 0; batch < 10; batch += 1) {
            const metrics = Array.from({ length: 20 }, () => ({ key: 'both', value: w }));
            await expectCall(server.base, 'POST', `/api/runs/${run.id}/metrics`, 201, { agent, json: { metrics } });
          }
        } finally {
          agent.destroy();
        }
      }),
    );
    await Promise.all(writers);
    for (const server of [a, b]) {
      expect((await history(server.base, run.id, 'both')).map((p) => p.step)).toEqual(Array.from({ length: 2 * 4 * 10 * 20 }, (_, n) => n));
      expect((await summaries(server.base, run.id)).get('both')).toMatchObject({ count: 2 * 4 * 10 * 20, lastStep: 2 * 4 * 10 * 20 - 1 });
      expect((await parameters(server.base, run.id)).get('lr')).toMatchObject({ value: 0.1 });
    }

    await Promise.all([stopCleanly(a), stopCleanly(b)]);
    const db = new Database(join(dataDir, 'fathom.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      db.close();
    }
    expect(integrityCheck(dataDir)).toBe('ok');
  });
});

// ---------------------------------------------------------------------------------------------
// The crash test.

type Outcome = 'acked' | 'refused' | 'unknown';

interface Attempt {
  outcome: Outcome;
  detail?: string;
}
interface BatchAttempt extends Attempt {
  writer: number;
  batch: number;
}
interface ParamsAttempt extends Attempt {
  keys: [string, string | number | boolean][];
}
interface RunAttempt extends Attempt {
  name: string;
}
interface ArtifactAttempt extends Attempt {
  name: string;
  content: Buffer;
}

const WRITERS = 16;
const BATCH = 100;

/** Batch b of writer w: key `w{w}`, steps b*100 .. b*100+99, each value naming writer, batch and point. */
const pointValue = (writer: number, step: number) => writer * 1_000_000 + step + 0.5;

async function crashAndCheck(delay: number): Promise<void> {
  const dataDir = await makeDataDir();
  const first = await start(dataDir);
  const experiment = await expectCall<Experiment>(first.base, 'POST', '/api/experiments', 201, { json: { name: 'crash' } });
  const target = await expectCall<Run>(first.base, 'POST', `/api/experiments/${experiment.id}/runs`, 201, { json: { name: 'target' } });

  const batches: BatchAttempt[] = [];
  const params: ParamsAttempt[] = [];
  const runs: RunAttempt[] = [];
  const artifacts: ArtifactAttempt[] = [];
  let killing = false;

  const attempt = async (entry: Attempt, send: () => Promise<Reply>) => {
    try {
      const reply = await send();
      entry.outcome = ok(reply.status) ? 'acked' : 'refused';
      if (!ok(reply.status)) entry.detail = `${reply.status} ${reply.body.toString('utf8')}`;
    } catch (error) {
      entry.detail = String(error); // No status: the request was in flight when the server died.
    }
  };

  const writer = async (w: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (path: string, options: CallOptions) => () => call(first.base, 'POST', path, { ...options, agent });
    let batch = 0;
    for (let k = 0; !killing; k += 1) {
      const kind = k % 10;
      if (kind === 6 || kind === 7) {
        const p = params.length;
        const entry: ParamsAttempt = {
          outcome: 'unknown',
          keys: [
            [`w${w}.p${p}.n`, p + w / 100],
            [`w${w}.p${p}.s`, `value ${w}-${p}`],
            [`w${w}.p${p}.b`, p % 2 === 0],
          ],
        };
        params.push(entry);
        await attempt(entry, post(`/api/runs/${target.id}/params`, { json: { parameters: entry.keys.map(([key, value]) => ({ key, value })) } }));
      } else if (kind === 8) {
        const entry: RunAttempt = { outcome: 'unknown', name: `w${w}-r${k}` };
        runs.push(entry);
        await attempt(
          entry,
          post(`/api/experiments/${experiment.id}/runs`, {
            json: { name: entry.name, parameters: [{ key: 'origin', value: entry.name }], tags: { origin: entry.name } },
          }),
        );
      } else if (kind === 9 && w < 4) {
        const entry: ArtifactAttempt = { outcome: 'unknown', name: `w${w}/a${k}.bin`, content: randomBytes(1024 + ((w * 7919 + k * 104729) % 48_000)) };
        artifacts.push(entry);
        await attempt(entry, post(`/api/runs/${target.id}/artifacts`, multipart({ fileName: 'x.bin', content: entry.content }, { name: entry.name })));
      } else {
        const entry: BatchAttempt = { outcome: 'unknown', writer: w, batch };
        batches.push(entry);
        const metrics = Array.from({ length: BATCH }, (_, j) => {
          const step = batch * BATCH + j;
          return { key: `w${w}`, value: pointValue(w, step), step };
        });
        batch += 1;
        await attempt(entry, post(`/api/runs/${target.id}/metrics`, { json: { metrics } }));
      }
    }
    agent.destroy();
  };

  const writing = Array.from({ length: WRITERS }, (_, w) => writer(w));
  await sleep(delay);
  killing = true;
  const killed = await first.kill();
  await Promise.all(writing);
  expect(killed.signal).toBe('SIGKILL');
  expectNoErrors(first);

  const all: Attempt[] = [...batches, ...params, ...runs, ...artifacts];
  const count = (list: Attempt[], outcome: Outcome) => list.filter((a) => a.outcome === outcome).length;
  console.log(
    `  at the kill: ${[
      ['metric batches', batches],
      ['parameter batches', params],
      ['runs', runs],
      ['artifacts', artifacts],
    ]
      .map(([what, list]) => `${what} ${count(list as Attempt[], 'acked')} acked / ${count(list as Attempt[], 'unknown')} unknown`)
      .join(', ')}`,
  );
  // Nothing is refused by a healthy server: a refusal is a bug (or a mistake in this test).
  expect(
    all.filter((a) => a.outcome === 'refused').map((a) => a.detail),
    first.describe(),
  ).toEqual([]);
  // The test means something only if writes were acknowledged before the kill.
  expect(count(batches, 'acked'), 'no metric batch was acknowledged before the kill').toBeGreaterThan(0);

  const second = await start(dataDir);
  const base = second.base;
  await expectCall(base, 'GET', '/readyz', 200);
  // Staged upload files left behind can only be those of uploads cut off by the kill (the store
  // removes them at start only once stale, since another server may share the directory).
  expect((await readdir(join(dataDir, 'blobs', 'tmp'))).length).toBeLessThanOrEqual(count(artifacts, 'unknown'));
  const problems: string[] = [];
  // What became of the requests in flight at the kill: committed (but never answered) or not.
  const inFlight = { committed: 0, absent: 0 };
  const settle = (entry: Attempt, isPresent: boolean) => {
    if (entry.outcome === 'unknown') inFlight[isPresent ? 'committed' : 'absent'] += 1;
  };

  // Metric batches: every acknowledged one whole, every other one whole or absent, nothing else.
  const summary = await summaries(base, target.id);
  for (let w = 0; w < WRITERS; w += 1) {
    const points = await history(base, target.id, `w${w}`);
    const byBatch = new Map<number, Point[]>();
    for (const point of points) {
      const b = Math.floor(point.step / BATCH);
      byBatch.set(b, [...(byBatch.get(b) ?? []), point]);
      if (point.value !== pointValue(w, point.step)) problems.push(`w${w} step ${point.step} has value ${String(point.value)}`);
    }
    for (const entry of batches.filter((a) => a.writer === w)) {
      const present = byBatch.get(entry.batch)?.length ?? 0;
      byBatch.delete(entry.batch);
      if (entry.outcome === 'acked' && present !== BATCH) problems.push(`acknowledged batch ${entry.batch} of w${w}: ${present} of ${BATCH} points`);
      if (entry.outcome === 'unknown' && present !== 0 && present !== BATCH) problems.push(`in-flight batch ${entry.batch} of w${w}: partial, ${present} of ${BATCH}`);
      settle(entry, present > 0);
    }
    for (const [b, stray] of byBatch) problems.push(`w${w} batch ${b} was never sent, yet ${stray.length} points are there`);
    const keySummary = summary.get(`w${w}`);
    if ((keySummary?.count ?? 0) !== points.length) problems.push(`summary of w${w} counts ${keySummary?.count}, history has ${points.length}`);
  }

  // Parameter batches: all-or-nothing too.
  const stored = await parameters(base, target.id);
  for (const entry of params) {
    const present = entry.keys.filter(([key]) => stored.has(key));
    for (const [key, value] of present) {
      if (stored.get(key)?.value !== value) problems.push(`parameter ${key}: ${JSON.stringify(stored.get(key))}, sent ${JSON.stringify(value)}`);
      stored.delete(key);
    }
    if (entry.outcome === 'acked' && present.length !== entry.keys.length) problems.push(`acknowledged parameters ${entry.keys[0]?.[0]}…: ${present.length} of 3`);
    if (entry.outcome === 'unknown' && present.length % entry.keys.length !== 0) problems.push(`in-flight parameters ${entry.keys[0]?.[0]}…: ${present.length} of 3`);
    settle(entry, present.length > 0);
  }
  if (stored.size > 0) problems.push(`parameters never sent: ${[...stored.keys()].join(', ')}`);

  // Runs: acknowledged ones exist, with the parameter and tag they were created with.
  const present = new Map((await allRuns(base, experiment.id)).map((r) => [r.name ?? '', r]));
  expect(present.get('target')?.id).toBe(target.id);
  present.delete('target');
  for (const entry of runs) {
    const run = present.get(entry.name);
    present.delete(entry.name);
    settle(entry, run !== undefined);
    if (!run) {
      if (entry.outcome === 'acked') problems.push(`acknowledged run ${entry.name} is missing`);
      continue;
    }
    if (run.tags.origin !== entry.name || run.parameters.find((p) => p.key === 'origin')?.value !== entry.name) {
      problems.push(`run ${entry.name} came back incomplete: ${JSON.stringify(run)}`);
    }
  }
  if (present.size > 0) problems.push(`runs never sent: ${[...present.keys()].join(', ')}`);

  // Artifacts: acknowledged ones download with the SHA-256 of what was sent; any record has its bytes.
  const { artifacts: records } = await expectCall<{ artifacts: Artifact[] }>(base, 'GET', `/api/runs/${target.id}/artifacts`, 200);
  const byName = new Map(records.map((a) => [a.name, a]));
  for (const entry of artifacts) {
    const record = byName.get(entry.name);
    byName.delete(entry.name);
    settle(entry, record !== undefined);
    if (!record) {
      if (entry.outcome === 'acked') problems.push(`acknowledged artifact ${entry.name} is missing`);
      continue;
    }
    const got = await download(base, record);
    if (got.status !== 200 || got.sha256 !== sha256(entry.content) || record.sha256 !== sha256(entry.content)) {
      problems.push(`artifact ${entry.name} (${entry.outcome}): record ${record.sha256}, download ${got.status} ${got.sha256}, sent ${sha256(entry.content)}`);
    }
  }
  if (byName.size > 0) problems.push(`artifacts never sent: ${[...byName.keys()].join(', ')}`);

  console.log(`  after the restart: of the requests in flight, ${inFlight.committed} had committed, ${inFlight.absent} had not`);
  expect(problems, `${problems.slice(0, 30).join('\n')}\n${second.describe()}`).toEqual([]);
  await stopCleanly(second);
  expect(integrityCheck(dataDir)).toBe('ok');
}
