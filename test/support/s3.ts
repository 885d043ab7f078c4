import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { s3ClientFor, type S3BlobStoreConfig } from '../../src/adapters/blob/s3/s3-blob-store.js';

/**
 * A throwaway S3 endpoint for tests: s3rver (a small S3 server in Node, a dev dependency) on
 * 127.0.0.1, a free port, a temp directory and one bucket, stopped and removed after the suite.
 *
 * s3rver answers the calls the S3 blob store makes (PUT, multipart upload, copy, HEAD, GET with
 * ranges, ListObjectsV2 with delimiters, DELETE) except AbortMultipartUpload and UploadPartCopy.
 * Its listings are not sorted, as some S3-compatible servers' are not.
 */

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverInstance;

export const TEST_BUCKET = 'fathom-test';
/** s3rver's fixed keys; it refuses others. */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface S3rverFilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * s3rver's DeleteObject removes the key's directories once they are empty. A PUT into the same
 * directory at that moment has made the directory and not yet opened its file, so the file's open
 * fails with ENOENT, uncaught, inside the test process (seen on CI: `fathom migrate-store` copies
 * blobs several at a time through one staging directory). S3 has no directories; this deletes
 * only the object's files. Listings are unchanged: s3rver builds them from files, not directories.
 */
function deleteWithoutRemovingDirectories(store: { prototype: S3rverFilesystemStore }): void {
  store.prototype.deleteObject = async function deleteObject(this: S3rverFilesystemStore, bucket: string, key: string): Promise<void> {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(this.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  };
}

/** s3rver, or what is missing to run it here. */
export function findS3rver(): S3rverClass | { missing: string } {
  try {
    const require = createRequire(import.meta.url);
    const S3rver = require('s3rver') as S3rverClass;
    deleteWithoutRemovingDirectories(require('s3rver/lib/stores/filesystem.js') as { prototype: S3rverFilesystemStore });
    return S3rver;
  } catch (error) {
    return { missing: `the s3rver package cannot be loaded (${error instanceof Error ? error.message : String(error)}); it is a dev dependency: npm ci` };
  }
}

export interface TestS3 {
  /** `http://127.0.0.1:<port>`, valid once the suite's beforeAll ran. */
  endpoint(): string;
  /** What createS3BlobStore needs to reach the test bucket under `prefix`. */
  config(prefix: string): S3BlobStoreConfig;
  /** A client of the test server, for looking at the bucket behind a store's back. */
  client(): S3Client;
  /** Every object key in the bucket under `prefix`, sorted. */
  keys(prefix?: string): Promise<string[]>;
  /** Deletes every object under `prefix`. */
  empty(prefix: string): Promise<void>;
}

/**
 * A describe block with an S3 endpoint of its own. Where s3rver cannot be loaded, the block is
 * skipped with a warning saying why; under CI=true it fails instead.
 */
export function describeS3(name: string, body: (s3: TestS3) => void): void {
  const S3rver = findS3rver();
  if ('missing' in S3rver) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs s3rver, which CI must provide', () => {
          throw new Error(`S3 suites cannot run: ${S3rver.missing}`);
        });
      });
      return;
    }
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPED "${name}": no S3 endpoint: ${S3rver.missing}\n!! (under CI=true this fails)\n${'!'.repeat(100)}\n`,
    );
    describe.skip(name, () => body(unavailableS3));
    return;
  }
  describe(name, () => {
    let server: S3rverInstance | undefined;
    let directory: string | undefined;
    let endpoint: string | undefined;
    let client: S3Client | undefined;

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'fathom-s3rver-'));
      server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: TEST_BUCKET, configs: [] }] });
      const { port } = await server.run();
      endpoint = `http://127.0.0.1:${port}`;
      client = s3ClientFor({ ...config(''), endpoint });
    });

    afterAll(async () => {
      client?.destroy();
      await server?.close();
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    const started = (): { endpoint: string; client: S3Client } => {
      if (!endpoint || !client) throw new Error('the S3 server is not started yet (use it inside tests or hooks)');
      return { endpoint, client };
    };
    const config = (prefix: string): S3BlobStoreConfig => ({
      bucket: TEST_BUCKET,
      prefix,
      endpoint: endpoint ?? unavailable(),
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
    const keys = async (prefix = ''): Promise<string[]> => {
      const found: string[] = [];
      for await (const page of paginateListObjectsV2({ client: started().client }, { Bucket: TEST_BUCKET, Prefix: prefix })) {
        for (const object of page.Contents ?? []) if (object.Key) found.push(object.Key);
      }
      return found.sort();
    };

    body({
      endpoint: () => started().endpoint,
      config,
      client: () => started().client,
      keys,
      empty: async (prefix) => {
        for (const key of await keys(prefix)) await started().client.send(new DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      },
    });
  });
}

function unavailable(): never {
  throw new Error('no S3 endpoint is available');
}

const unavailableS3: TestS3 = { endpoint: unavailable, config: unavailable, client: unavailable, keys: unavailable, empty: unavailable };
