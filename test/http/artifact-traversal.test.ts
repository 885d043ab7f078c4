import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer } from '../../src/composition-root.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { describeS3, TEST_BUCKET, TEST_CREDENTIALS } from '../support/s3.js';
import { field, file, filesUnder, multipart, sha256, type FormPart } from './artifact-support.js';

/**
 * Artifact names and paths that try to leave the data directory (or the bucket prefix), on every
 * artifact route, native and MLflow, uploads as well as downloads and deletes. Extends
 * artifact-names.test.ts (native GET/DELETE of encoded `..`) with uploads, MLflow's routes,
 * double-encoded and overlong UTF-8 forms, a sentinel outside the data directory, and S3.
 * Names never become paths (blobs are content-addressed), so the point is proven by what is
 * on disk and in the bucket afterwards, not by the answers alone.
 */

/** Names as an upload's `name` field (or MLflow's path) would carry them, decoded. */
const HOSTILE_NAMES = [
  '..',
  '../sentinel.txt',
  '../../../../../../etc/passwd',
  'models/../../sentinel.txt',
  '..\\..\\sentinel.txt',
  'models\\..\\..\\sentinel.txt',
  '/etc/passwd',
  '/tmp/evil.bin',
  'C:\\Windows\\win.ini',
  'C:/Windows/win.ini',
  '\\\\server\\share\\x',
  'model\u0000.pt',
  '../sentinel.txt\u0000.png',
  './model.pt',
  'models/./../x',
];

/** Paths as sent on the wire (never normalised by the client) that every route must refuse. */
const HOSTILE_URL_PATHS = [
  '..',
  '../sentinel.txt',
  '%2e%2e/sentinel.txt',
  '%2E%2E%2Fsentinel.txt',
  '..%2f..%2fsentinel.txt',
  '%2e%2e%2f%2e%2e%2fsentinel.txt',
  '..%5c..%5csentinel.txt',
  '..\\..\\sentinel.txt',
  '%2Fetc%2Fpasswd',
  '/etc/passwd',
  'C:%5CWindows%5Cwin.ini',
  'model%00.pt',
  '..%00/sentinel.txt',
];

/**
 * Paths that are decoded once, as URLs are, into names that merely look like paths (`%2e%2e%2f…`
 * with literal percent signs) or are not UTF-8 at all. A route may store such a name literally
 * (names never become file paths) or refuse it; either way nothing outside is reached.
 */
const LITERAL_URL_PATHS = [
  '%252e%252e%252fsentinel.txt',
  '..%255c..%255csentinel.txt',
  '%25c0%25ae%25c0%25ae/sentinel.txt',
  '%c0%ae%c0%ae/sentinel.txt',
  '%c0%ae%c0%ae%c0%afsentinel.txt',
  '%e0%80%ae%e0%80%ae/sentinel.txt',
  '%c0%2e%c0%2e/sentinel.txt',
];

const SECRET = 'sentinel: top secret, must never be served or changed';

/** A request with the path sent exactly as written: fetch and inject() would resolve `..` first. */
function raw(port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } : {};
    const request = httpRequest({ host: '127.0.0.1', port, method, path, agent: false, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Only the database and content-addressed blobs (and nothing staged) under the data directory. */
function expectOnlyStoreFiles(files: string[]): void {
  for (const path of files) expect(path, `unexpected file ${path}`).toMatch(/^(fathom\.db(-wal|-shm)?|blobs\/sha256\/([0-9a-f]{2})\/\3[0-9a-f]{62})$/);
}

describe('hostile artifact names and paths on the file system store', () => {
  let fathom: TestServer;
  let port: number;
  let runId: string;
  let experimentId: string;
  /** Next to the data directory: what `../` from it would reach. */
  let outside: string;
  const sentinels = () => [join(fathom.dataDir, 'sentinel.txt'), join(fathom.blobRoot, 'sentinel.txt'), outside];

  beforeEach(async () => {
    fathom = await aServer();
    port = Number(new URL(await fathom.app.listen({ port: 0, host: '127.0.0.1' })).port);
    const experiment = (await fathom.app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'traversal' } })).json<{ id: string }>();
    experimentId = experiment.id;
    runId = (await fathom.app.inject({ method: 'POST', url: `/api/experiments/${experimentId}/runs`, payload: {} })).json<{ id: string }>().id;
    outside = join(dirname(fathom.dataDir), `${basename(fathom.dataDir)}-sentinel.txt`);
    for (const path of sentinels()) await writeFile(path, SECRET);
    const upload = await fathom.app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart([field('name', 'models/model.pt'), file('the weights')]) });
    expect(upload.statusCode).toBe(201);
  });

  afterEach(async () => {
    for (const path of sentinels()) expect(await readFile(path, 'utf8'), path).toBe(SECRET);
    await rm(outside, { force: true });
    await fathom.close();
  });

  const upload = (parts: FormPart[]) => fathom.app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart(parts) });

  it.each(HOSTILE_NAMES)('native upload named %j: refused with a 400 naming /name, nothing written', async (name) => {
    const response = await upload([field('name', name), file(`overwrite attempt via ${name}`)]);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ errors?: { path: string }[] }>().errors?.map((e) => e.path)).toEqual(['/name']);
    const files = await filesUnder(fathom.dataDir);
    expectOnlyStoreFiles(files.filter((f) => f !== 'sentinel.txt' && f !== 'blobs/sentinel.txt'));
    expect(files.filter((f) => f.startsWith('blobs/sha256/'))).toEqual([`blobs/sha256/${sha256('the weights').slice(0, 2)}/${sha256('the weights')}`]);
  });

  it.each(HOSTILE_NAMES.filter((name) => !name.includes('\u0000')))(
    'native upload with the file name %j and no name field: only its last segment is kept (or it is refused)',
    async (name) => {
      const response = await upload([file('overwrite attempt', name)]);
      expect(response.statusCode, response.body).toBeLessThan(500);
      if (response.statusCode === 201) {
        // The multipart parser keeps a file name's last segment only, as browsers send it.
        expect(response.json<{ name: string }>().name).toBe(name.split(/[/\\]/).pop());
      }
      expectOnlyStoreFiles((await filesUnder(fathom.dataDir)).filter((f) => f !== 'sentinel.txt' && f !== 'blobs/sentinel.txt'));
    },
  );

  it('stores a name holding bidirectional overrides literally: it is a name, never a path', async () => {
    const response = await upload([field('name', '\u202e../txt.exe'), file('just bytes')]);
    expect(response.statusCode, response.body).toBe(201);
    expect(await filesUnder(join(fathom.blobRoot, 'sha256'))).toHaveLength(2);
  });

  it.each(LITERAL_URL_PATHS)('MLflow PUT of %j stores, at most, a literal name inside the run, reaching nothing outside', async (path) => {
    const put = await raw(port, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${path}`, Buffer.from('literal'));
    expect(put.status, put.body).toBeLessThan(500);
    if (put.status >= 400) expect(JSON.parse(put.body)).toHaveProperty('error_code');
    const names = (await fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts` })).json<{ artifacts: { name: string }[] }>().artifacts.map((a) => a.name);
    for (const name of names) {
      expect(name.split('/')).not.toContain('..');
      expect(name).not.toBe('sentinel.txt');
    }
    for (const method of ['GET', 'DELETE']) {
      const response = await raw(port, method, `/api/runs/${runId}/artifacts/${path}`);
      expect(response.status, `${method} ${path}: ${response.body}`).toBeLessThan(500);
      expect(response.body).not.toContain('top secret');
    }
    expectOnlyStoreFiles((await filesUnder(fathom.dataDir)).filter((f) => f !== 'sentinel.txt' && f !== 'blobs/sentinel.txt'));
  });

  it.each(HOSTILE_URL_PATHS)('native GET and DELETE of %j: a 4xx problem, serving and removing nothing', async (path) => {
    for (const method of ['GET', 'DELETE']) {
      const response = await raw(port, method, `/api/runs/${runId}/artifacts/${path}`);
      expect(response.status, `${method} ${path}: ${response.body}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(JSON.parse(response.body)).toMatchObject({ status: response.status });
      expect(response.body).not.toContain('top secret');
    }
    expect((await raw(port, 'GET', `/api/runs/${runId}/artifacts/models/model.pt`)).body).toBe('the weights');
  });

  it.each(HOSTILE_URL_PATHS)('MLflow PUT, GET, DELETE and list of %j: an MLflow error, nothing written, served or removed', async (path) => {
    for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
      const base = `${prefix}/artifacts/${experimentId}/${runId}/artifacts`;
      for (const [method, url, body] of [
        ['PUT', `${base}/${path}`, Buffer.from('overwrite attempt')],
        ['GET', `${base}/${path}`],
        ['DELETE', `${base}/${path}`],
        ['GET', `${prefix}/artifacts?path=${experimentId}/${runId}/artifacts/${path}`],
        ['GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${path}`],
      ] as const) {
        const response = await raw(port, method, url, body);
        expect(response.body, `${method} ${url}`).not.toContain('top secret');
        expect(response.status, `${method} ${url}: ${response.body}`).toBeLessThan(500);
        // A listing may answer 200 with nothing in it; everything else is refused in MLflow's shape.
        if (response.status >= 400) expect(JSON.parse(response.body)).toHaveProperty('error_code');
        else expect(JSON.parse(response.body)).not.toHaveProperty('files');
      }
    }
    expect(await filesUnder(join(fathom.blobRoot, 'sha256'))).toHaveLength(1);
    expect((await raw(port, 'GET', `/api/runs/${runId}/artifacts/models/model.pt`)).body).toBe('the weights');
  });

  it('MLflow paths whose run part climbs out (<exp>/../<run>) name no run', async () => {
    for (const path of [`${experimentId}/../${runId}/artifacts/x`, `../${experimentId}/${runId}/artifacts/x`, `${experimentId}/${runId}/../artifacts/x`]) {
      const response = await raw(port, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}`, Buffer.from('overwrite attempt'));
      expect(response.status, `${path}: ${response.body}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(await filesUnder(join(fathom.blobRoot, 'sha256'))).toHaveLength(1);
  });
});

describeS3('hostile artifact names and paths on the S3 store', (s3) => {
  const prefix = 'tenant-a/';
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let port: number;
  let runId: string;
  let experimentId: string;
  const outsideKeys = ['sentinel.txt', 'tenant-b/secret.txt', 'tenant-a-sentinel.txt'];

  beforeEach(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-traversal-'));
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    for (const Key of outsideKeys) await s3.client().send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key, Body: SECRET }));
    const fathom = await buildContainer({ dataDir, maxUploadBytes: 1024 ** 2, store: 'sqlite', blob: { kind: 's3', bucket: TEST_BUCKET, prefix, region: 'us-east-1', endpoint: s3.endpoint() } });
    app = await buildServer({ container: fathom.container });
    port = Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
    close = async () => {
      await app.close();
      await fathom.close();
      await rm(dataDir, { recursive: true, force: true });
      await s3.empty(prefix);
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    experimentId = (await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'traversal' } })).json<{ id: string }>().id;
    runId = (await app.inject({ method: 'POST', url: `/api/experiments/${experimentId}/runs`, payload: {} })).json<{ id: string }>().id;
  });

  afterEach(async () => {
    await close();
    for (const Key of outsideKeys) await s3.client().send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key, Body: '' })).catch(() => undefined);
  });

  it('keeps every key under the prefix and every object outside it untouched, whatever the names', async () => {
    const content = randomBytes(1000);
    const legit = await app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart([field('name', 'models/model.pt'), file(content)]) });
    expect(legit.statusCode).toBe(201);
    for (const name of HOSTILE_NAMES) {
      const response = await app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart([field('name', name), file(`overwrite via ${name}`)]) });
      expect(response.statusCode, name).toBe(400);
    }
    for (const path of HOSTILE_URL_PATHS) {
      const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
      for (const [method, url, body] of [
        ['PUT', `${base}/${path}`, Buffer.from('overwrite attempt')],
        ['GET', `${base}/${path}`],
        ['DELETE', `${base}/${path}`],
        ['GET', `/api/runs/${runId}/artifacts/${path}`],
        ['DELETE', `/api/runs/${runId}/artifacts/${path}`],
      ] as const) {
        const response = await raw(port, method, url, body);
        expect(response.status, `${method} ${url}: ${response.body}`).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.body).not.toContain('top secret');
      }
    }
    const keys = await s3.keys();
    const ours = keys.filter((key) => !outsideKeys.includes(key));
    expect(ours).toEqual([`${prefix}sha256/${sha256(content).slice(0, 2)}/${sha256(content)}`]);
    for (const Key of outsideKeys) {
      const object = await s3.client().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key }));
      expect(await object.Body?.transformToString(), Key).toBe(SECRET);
    }
  });
});
