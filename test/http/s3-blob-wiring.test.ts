import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer, StartupError } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config.js';
import { describeS3, TEST_BUCKET, TEST_CREDENTIALS } from '../support/s3.js';
import { field, file, filesUnder, multipart, sha256 } from './artifact-support.js';

describeS3('FATHOM_BLOB=s3: artifact bytes in an S3 bucket, chosen by configuration', (s3) => {
  let dataDir: string;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fathom-s3-wiring-'));
    // The store takes credentials from the standard AWS variables, as in production.
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  });

  afterEach(async () => {
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const configured = (extra: Record<string, string> = {}) =>
    loadConfig([], { FATHOM_DATA_DIR: dataDir, FATHOM_BLOB: 's3', FATHOM_S3_BUCKET: TEST_BUCKET, FATHOM_S3_PREFIX: 'wired', FATHOM_S3_ENDPOINT: s3.endpoint(), ...extra });

  it('stores an upload under the prefix in the bucket, not on disk, and serves it back byte for byte', async () => {
    const fathom = await buildContainer(configured());
    const app = await buildServer({ container: fathom.container });
    try {
      expect(fathom.blobRoot).toBe(`s3://${TEST_BUCKET}/wired/`);
      const experiment = (await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'on s3' } })).json<{ id: string }>();
      const run = (await app.inject({ method: 'POST', url: `/api/experiments/${experiment.id}/runs`, payload: {} })).json<{ id: string }>();
      const content = randomBytes(300_000);
      const uploaded = await app.inject({ method: 'POST', url: `/api/runs/${run.id}/artifacts`, ...multipart([field('type', 'model'), file(content, 'weights.bin')]) });
      expect(uploaded.statusCode, uploaded.body).toBe(201);
      expect(uploaded.json<{ sha256: string }>().sha256).toBe(sha256(content));
      const digest = sha256(content);
      expect(await s3.keys('wired/')).toEqual([`wired/sha256/${digest.slice(0, 2)}/${digest}`]);
      // Nothing but the database on disk: no blobs directory, no staging files.
      expect((await filesUnder(dataDir)).filter((f) => !f.startsWith('fathom.db'))).toEqual([]);
      const downloaded = await app.inject({ method: 'GET', url: `/api/runs/${run.id}/artifacts/weights.bin` });
      expect(downloaded.statusCode).toBe(200);
      expect(downloaded.rawPayload.equals(content)).toBe(true);
    } finally {
      await app.close();
      await fathom.close();
      await s3.empty('wired/');
    }
  });

  it('refuses to start with a prefix the store cannot use, saying so, and leaves the database closed', async () => {
    await expect(buildContainer({ ...configured(), blob: { kind: 's3', bucket: TEST_BUCKET, prefix: 'a//b/', region: 'us-east-1', endpoint: s3.endpoint() } })).rejects.toBeInstanceOf(
      StartupError,
    );
  });

  it('refuses to start when the bucket is missing or the credentials are refused, naming the reason', async () => {
    const missing = await buildContainer(configured({ FATHOM_S3_BUCKET: 'no-such-bucket' })).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(StartupError);
    expect((missing as Error).message).toMatch(/bucket 'no-such-bucket' does not exist; check FATHOM_S3_BUCKET/);
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
    const refused = await buildContainer(configured()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toMatch(/artifact store refused these credentials/);
  });

  it('says not ready while the bucket cannot be used, and ready again once it can', async () => {
    const fathom = await buildContainer(configured());
    const app = await buildServer({ container: fathom.container });
    try {
      await s3.client().send(new DeleteBucketCommand({ Bucket: TEST_BUCKET }));
      const notReady = await app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json().detail).toMatch(/does not exist/);
      await s3.client().send(new CreateBucketCommand({ Bucket: TEST_BUCKET }));
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await s3.client().send(new CreateBucketCommand({ Bucket: TEST_BUCKET })).catch(() => undefined);
      await app.close();
      await fathom.close();
    }
  });
});
