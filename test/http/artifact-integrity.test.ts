import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer } from '../../src/composition-root.js';
import { aRun } from '../support/builders.js';
import { aFathom, type TestFathom } from '../support/fathom.js';
import { describeS3, TEST_BUCKET, TEST_CREDENTIALS } from '../support/s3.js';
import { field, file, multipart, sha256, type ArtifactJson } from './artifact-support.js';

/**
 * A blob whose bytes no longer match the SHA-256 recorded at upload is never served as intact:
 * over a real socket, the client sees a body cut short (never a complete 200), and the server
 * logs an error naming the run, the artifact and the blob.
 */

interface Download {
  status: number;
  body: Buffer;
  /** The whole announced body arrived and the response ended normally. */
  complete: boolean;
}

/** A GET over a real socket that reports what arrived, however the response ended. */
function download(url: string, headers: Record<string, string> = {}): Promise<Download> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { agent: false, headers }, (response) => {
      const chunks: Buffer[] = [];
      const done = (complete: boolean) => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), complete });
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(response.complete));
      response.on('error', () => done(false));
      response.on('aborted', () => done(false));
    });
    request.on('error', reject);
  });
}

type LogRecord = Record<string, unknown> & { level: number; msg: string };

interface Served {
  app: FastifyInstance;
  base: string;
  logs: LogRecord[];
}

const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

/** A listening server over `fathom`'s container, keeping its error logs. */
async function listen(fathom: Pick<TestFathom, 'container'>): Promise<Served> {
  const logs: LogRecord[] = [];
  const logger = { level: 'error', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) } };
  const app = await buildServer({ container: fathom.container, logger });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  opened.push(() => app.close());
  return { app, base, logs };
}

async function uploadTo(app: FastifyInstance, runId: string, name: string, content: Buffer): Promise<ArtifactJson> {
  const response = await app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart([field('name', name), file(content)]) });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<ArtifactJson>();
}

/** The same length, one byte different in the middle: what bit rot or a bad disk leaves. */
function flipped(content: Buffer): Buffer {
  const copy = Buffer.from(content);
  const middle = Math.floor(copy.length / 2);
  copy[middle] = (copy[middle] as number) ^ 0xff;
  return copy;
}

function expectLoggedDamage(logs: LogRecord[], artifact: ArtifactJson): void {
  const record = logs.find((line) => line.msg.includes('damaged in storage'));
  expect(record, JSON.stringify(logs)).toMatchObject({ level: 50, runId: artifact.runId, artifact: artifact.name, version: artifact.version, blob: artifact.path });
  expect(record?.msg).toContain('fathom verify');
}

describe('downloading an artifact whose blob file was damaged on disk', () => {
  let fathom: TestFathom;
  const setUp = async () => {
    fathom = await aFathom();
    opened.push(() => fathom.close());
    const served = await listen(fathom);
    const run = await aRun(fathom);
    return { ...served, run };
  };

  it.each([
    ['a flipped byte', flipped],
    ['a truncated file', (content: Buffer) => content.subarray(0, content.length - 1000)],
    ['a file grown longer', (content: Buffer) => Buffer.concat([content, Buffer.from('extra')])],
    ['other content of the same size', (content: Buffer) => randomBytes(content.length)],
  ])('cuts the native download short with %s, and logs which artifact and blob', async (_what, damage) => {
    const { app, base, logs, run } = await setUp();
    const content = randomBytes(300_000);
    const artifact = await uploadTo(app, run.id, 'model.bin', content);
    await writeFile(join(fathom.blobRoot, artifact.path), damage(content));

    const got = await download(`${base}/api/runs/${run.id}/artifacts/model.bin`);
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(content.length);
    expectLoggedDamage(logs, artifact);
  });

  it('cuts the MLflow artifact download short too', async () => {
    const { app, base, logs, run } = await setUp();
    const content = randomBytes(200_000);
    const artifact = await uploadTo(app, run.id, 'model/model.pth', content);
    await writeFile(join(fathom.blobRoot, artifact.path), flipped(content));

    for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
      const got = await download(`${base}${prefix}/artifacts/${run.experimentId}/${run.id}/artifacts/model/model.pth`);
      expect(got.complete, prefix).toBe(false);
      expect(got.body.length).toBeLessThan(content.length);
    }
    expectLoggedDamage(logs, artifact);
  });

  it('refuses an empty artifact whose blob gained bytes, never answering a complete empty 200', async () => {
    const { app, base, logs, run } = await setUp();
    const artifact = await uploadTo(app, run.id, 'empty.txt', Buffer.alloc(0));
    await writeFile(join(fathom.blobRoot, artifact.path), 'not empty any more');

    // The excess arrives before any byte of the body went out: the answer is a 500 problem.
    const got = await download(`${base}/api/runs/${run.id}/artifacts/empty.txt`);
    expect(got.status).toBe(500);
    expect(JSON.parse(got.body.toString())).toMatchObject({ code: 'INTERNAL' });
    expectLoggedDamage(logs, artifact);
  });

  it('still serves intact content whole, other artifacts on the same server included', async () => {
    const { app, base, logs, run } = await setUp();
    const good = randomBytes(300_000);
    const bad = randomBytes(300_000);
    await uploadTo(app, run.id, 'good.bin', good);
    const damaged = await uploadTo(app, run.id, 'bad.bin', bad);
    await writeFile(join(fathom.blobRoot, damaged.path), flipped(bad));

    expect((await download(`${base}/api/runs/${run.id}/artifacts/bad.bin`)).complete).toBe(false);
    const got = await download(`${base}/api/runs/${run.id}/artifacts/good.bin`);
    expect(got).toMatchObject({ status: 200, complete: true });
    expect(sha256(got.body)).toBe(sha256(good));
    expect(logs.filter((line) => line.msg.includes('damaged in storage'))).toHaveLength(1);
  });

  it('serves a byte range as stored, unchecked: checking a slice would mean reading the whole blob', async () => {
    const { app, base, run } = await setUp();
    const content = randomBytes(1000);
    const artifact = await uploadTo(app, run.id, 'model.bin', content);
    const damaged = flipped(content);
    await writeFile(join(fathom.blobRoot, artifact.path), damaged);

    const got = await download(`${base}/api/runs/${run.id}/artifacts/model.bin`, { range: 'bytes=400-599' });
    expect(got).toMatchObject({ status: 206, complete: true });
    expect(got.body.equals(damaged.subarray(400, 600))).toBe(true);
    // …while the whole, which a client assembling ranges checks against X-Checksum-Sha256, is
    // refused: content in one chunk fails before any byte went out, so as a 500 problem.
    const whole = await download(`${base}/api/runs/${run.id}/artifacts/model.bin`);
    expect(whole.status).toBe(500);
    expect(JSON.parse(whole.body.toString())).toMatchObject({ code: 'INTERNAL' });
  });
});

describeS3('downloading an artifact whose S3 object was overwritten', (s3) => {
  it('cuts the download short and logs which artifact and blob', async () => {
    const prefix = 'integrity/';
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-integrity-'));
    // The store takes credentials from the standard AWS variables, as in production.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    const store = await buildContainer({
      dataDir,
      maxUploadBytes: 1024 ** 3,
      store: 'memory',
      blob: { kind: 's3', bucket: TEST_BUCKET, prefix, region: 'us-east-1', endpoint: s3.endpoint() },
    });
    opened.push(async () => {
      await store.close();
      await s3.empty(prefix);
      await rm(dataDir, { recursive: true, force: true });
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const { app, base, logs } = await listen(store);
    const experiment = (await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'on s3' } })).json<{ id: string }>();
    const run = (await app.inject({ method: 'POST', url: `/api/experiments/${experiment.id}/runs`, payload: {} })).json<{ id: string }>();
    const content = randomBytes(300_000);
    const artifact = await uploadTo(app, run.id, 'weights.bin', content);
    await s3.client().send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}${artifact.path}`, Body: flipped(content) }));

    const got = await download(`${base}/api/runs/${run.id}/artifacts/weights.bin`);
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(content.length);
    expectLoggedDamage(logs, artifact);
  });
});
