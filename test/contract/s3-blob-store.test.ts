import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3BlobStore, S3BlobStore, s3ClientFor, STALE_STAGING_MS } from '../../src/adapters/blob/s3/s3-blob-store.js';
import { copyRanges, copyWithinBucket } from '../../src/adapters/blob/s3/s3-copy.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError, RangeNotSatisfiableError, UnavailableError } from '../../src/domain/errors.js';
import { describeS3, TEST_BUCKET, TEST_CREDENTIALS } from '../support/s3.js';
import { blobStoreContract, chunked, failingAfter, generated, keyOf, NOT_CONTENT_ADDRESSES, readAll } from './blob-store.contract.js';

const MiB = 1024 * 1024;
/** A limit under which parts are the smallest S3 takes (5 MiB), so tens of MiB go multipart. */
const GiB_LIMIT = 1024 * MiB;

describeS3('S3BlobStore on s3rver', (s3) => {
  blobStoreContract('S3BlobStore', async () => {
    const prefix = `contract-${randomUUID()}/`;
    const store = createS3BlobStore(s3.config(prefix));
    return {
      store,
      cleanup: async () => {
        store.close();
        await s3.empty(prefix);
      },
    };
  });

  describe('S3 specifics', () => {
    let prefix: string;
    let client: S3Client;
    let store: S3BlobStore;
    /** The S3 operations the store sent, in order (CreateMultipartUpload, UploadPart, …). */
    let sent: string[];

    /** Operations made to fail, as S3 would under load: the nth operation of a name answers 503. */
    let failing: { name: string; nth: number } | undefined;

    /** A store whose client records every operation it sends, and fails the one `failing` names. */
    function recordingStore(storePrefix: string): S3BlobStore {
      const recorded = s3ClientFor(s3.config(storePrefix));
      recorded.middlewareStack.add(
        (next, context) => async (args) => {
          const name = String(context.commandName).replace(/Command$/, '');
          sent.push(name);
          if (failing?.name === name && sent.filter((seen) => seen === name).length === failing.nth) {
            throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 } });
          }
          return next(args);
        },
        { step: 'initialize', name: 'recordOperations' },
      );
      client = recorded;
      return new S3BlobStore(recorded, TEST_BUCKET, storePrefix);
    }

    beforeEach(() => {
      sent = [];
      failing = undefined;
      prefix = `specific-${randomUUID()}/`;
      store = recordingStore(prefix);
    });

    afterEach(async () => {
      client.destroy();
      await s3.empty(prefix);
    });

    it('keeps a blob at <prefix>sha256/ab/<hex> and nothing else: the staging object is gone', async () => {
      const stored = await store.put(chunked('in the bucket'), { maxBytes: 100 });
      expect(await s3.keys(prefix)).toEqual([`${prefix}${stored.key}`]);
      expect(sent).toEqual(['PutObject', 'HeadObject', 'CopyObject', 'DeleteObject']);
    });

    it('streams a 20+ MiB upload in parts, then copies it to its address with its SHA-256 and bytes intact', async () => {
      const size = 21 * MiB + 7;
      const { source, sha256 } = generated(size);
      const stored = await store.put(source, { maxBytes: GiB_LIMIT });
      expect(stored).toEqual({ key: `sha256/${sha256.slice(0, 2)}/${sha256}`, sha256, size, created: true });
      expect(sent.filter((name) => name === 'UploadPart')).toHaveLength(5); // 4 × 5 MiB and the rest
      expect(sent).toContain('CreateMultipartUpload');
      expect(sent).toContain('CompleteMultipartUpload');
      expect(sent.slice(-2)).toEqual(['CopyObject', 'DeleteObject']);
      const back = await store.get(stored.key);
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of back) {
        hash.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      expect({ sha256: hash.digest('hex'), length }).toEqual({ sha256, length: size });
      expect(await s3.keys(prefix)).toEqual([`${prefix}${stored.key}`]);
    });

    it('sends parts while the source is still being read: the upload never holds the whole content', async () => {
      const size = 48 * MiB;
      const { source, sha256 } = generated(size);
      let read = 0;
      source.on('data', (chunk: Buffer) => (read += chunk.length));
      let readAtFirstPart: number | undefined;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'UploadPartCommand') readAtFirstPart ??= read;
          return next(args);
        },
        { step: 'initialize', name: 'readAtFirstPart' },
      );
      expect(await store.put(source, { maxBytes: GiB_LIMIT })).toMatchObject({ sha256, size });
      // Four 5 MiB parts in flight and one being filled: about 25 MiB read before the first goes up.
      expect(readAtFirstPart).toBeLessThan(30 * MiB);
      expect(sent.filter((name) => name === 'UploadPart')).toHaveLength(10);
    });

    it('stores concurrent puts of the same content as one blob, with no staging left', async () => {
      const puts = await Promise.all(Array.from({ length: 6 }, () => store.put(chunked('at once'), { maxBytes: 100 })));
      expect(new Set(puts.map((put) => put.key))).toEqual(new Set([keyOf('at once')]));
      expect(puts.some((put) => put.created)).toBe(true);
      expect((await s3.keys(prefix)).filter((key) => !key.startsWith(`${prefix}used/`))).toEqual([`${prefix}${keyOf('at once')}`]);
      expect((await readAll(await store.get(keyOf('at once')))).toString()).toBe('at once');
    });

    it('stores uploads two at a time, one after another, each whole, with no staging left', async () => {
      // Each upload's staging delete empties the staging prefix just as the other lane's next
      // staging put starts: the moment s3rver, the test server, once crashed at (test/support/s3.ts).
      const lane = async (name: string): Promise<string[]> => {
        const keys: string[] = [];
        for (let i = 0; i < 150; i++) keys.push((await store.put(chunked(`${name} ${i}`), { maxBytes: 100 })).key);
        return keys;
      };
      const [a, b] = await Promise.all([lane('a'), lane('b')]);
      const contents = ['a', 'b'].flatMap((name) => Array.from({ length: 150 }, (_, i) => `${name} ${i}`));
      expect([...a, ...b]).toEqual(contents.map(keyOf));
      expect(await s3.keys(`${prefix}tmp/`)).toEqual([]);
      for (const content of contents) expect((await readAll(await store.get(keyOf(content)))).toString()).toBe(content);
    });

    it('leaves no object, staging included, when the source fails after some parts went up', async () => {
      const { source } = generated(12 * MiB);
      let read = 0;
      source.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= 11 * MiB) source.destroy(new Error('connection reset by peer'));
      });
      await expect(store.put(source, { maxBytes: GiB_LIMIT })).rejects.toThrow('connection reset by peer');
      expect(sent).toContain('UploadPart');
      // The multipart upload is aborted (s3rver does not implement the abort; S3 does).
      expect(sent).toContain('AbortMultipartUpload');
      expect(sent).not.toContain('CompleteMultipartUpload');
      expect(await s3.keys(prefix)).toEqual([]);
    });

    it('answers UnavailableError when S3 fails a part mid-stream, and leaves no object', async () => {
      failing = { name: 'UploadPart', nth: 2 };
      const { source } = generated(16 * MiB);
      await expect(store.put(source, { maxBytes: GiB_LIMIT })).rejects.toBeInstanceOf(UnavailableError);
      expect(sent).toContain('AbortMultipartUpload');
      expect(sent).not.toContain('CompleteMultipartUpload');
      expect(await s3.keys(prefix)).toEqual([]);
    });

    it('answers UnavailableError when S3 fails the copy to the content address, and leaves no object', async () => {
      failing = { name: 'CopyObject', nth: 1 };
      await expect(store.put(chunked('not copied'), { maxBytes: 100 })).rejects.toBeInstanceOf(UnavailableError);
      expect(await store.size(keyOf('not copied'))).toBeUndefined();
      expect(await s3.keys(prefix)).toEqual([]);
    });

    it('refuses an upload past maxBytes mid-stream with PayloadTooLargeError and leaves no object', async () => {
      const { source } = generated(16 * MiB);
      await expect(store.put(source, { maxBytes: 12 * MiB })).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(sent).toContain('UploadPart');
      expect(sent).not.toContain('CompleteMultipartUpload');
      expect(await s3.keys(prefix)).toEqual([]);
    });

    it('leaves no object when a small source fails, or the claim does', async () => {
      await expect(store.put(failingAfter('half of it'), { maxBytes: 100 })).rejects.toThrow('connection reset by peer');
      await expect(store.put(chunked('unclaimed'), { maxBytes: 100, claim: () => Promise.reject(new Error('claim refused')) })).rejects.toThrow(
        'claim refused',
      );
      expect(await s3.keys(prefix)).toEqual([]);
    });

    it('refuses keys that are not content addresses before sending any request', async () => {
      const traversals = ['../secret', 'sha256/../../secret', '../other-prefix/sha256/ab/ab' + '0'.repeat(62), 'tmp/../../secret', `used/${keyOf('x')}`];
      for (const key of [...NOT_CONTENT_ADDRESSES, ...traversals]) {
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.get(key, { start: 0, end: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.size(key)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.modifiedAt(key)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      expect(sent).toEqual([]);
    });

    it('refuses a prefix that could name other places', () => {
      for (const bad of ['a/../b', '..', 'a//b', 'a b', 'a/./b', 'é']) {
        expect(() => createS3BlobStore({ ...s3.config(''), prefix: bad })).toThrow(InvalidArgumentError);
      }
      expect(createS3BlobStore({ ...s3.config(''), prefix: '/team-a/models/' }).prefix).toBe('team-a/models/');
      expect(createS3BlobStore({ ...s3.config(''), prefix: 'team-a' }).prefix).toBe('team-a/');
      expect(createS3BlobStore({ ...s3.config(''), prefix: '' }).prefix).toBe('');
    });

    it('records a deduplicating put with one last-use marker, keeps only the newest, and removes it with the blob', async () => {
      const stored = await store.put(chunked('popular'), { maxBytes: 100 });
      const markers = async () => (await s3.keys(`${prefix}used/`)).map((key) => key.slice(`${prefix}used/${stored.key}.`.length));
      expect(await markers()).toEqual([]);
      await store.put(chunked('popular'), { maxBytes: 100 });
      const [first] = await markers();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.put(chunked('popular'), { maxBytes: 100 });
      const after = await markers();
      expect(after).toHaveLength(1);
      expect(Number(after[0])).toBeGreaterThan(Number(first));
      expect(await store.modifiedAt(stored.key)).toBe(Number(after[0]));
      await store.delete(stored.key);
      expect(await s3.keys(prefix)).toEqual([]);
    });

    it('answers a range past the end with RangeNotSatisfiableError carrying the size', async () => {
      const stored = await store.put(chunked('0123456789'), { maxBytes: 100 });
      const refused = await store.get(stored.key, { start: 20, end: 30 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(RangeNotSatisfiableError);
      expect((refused as RangeNotSatisfiableError).size).toBe(10);
    });

    it('removes staged uploads a crash left once they are stale, and nothing else', async () => {
      const stored = await store.put(chunked('kept'), { maxBytes: 100 });
      const staged = `${prefix}tmp/${randomUUID()}`;
      const foreign = [`${prefix}tmp/not-a-staging-key`, `${prefix}tmp/${randomUUID()}/nested`];
      for (const Key of [staged, ...foreign]) await client.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key, Body: 'half a model' }));
      // Written just now: another server may still be uploading it.
      expect(await store.removeStaleStaging(Date.now() - STALE_STAGING_MS)).toBe(0);
      expect(await store.removeStaleStaging(Date.now() + 2_000)).toBe(1);
      expect(await s3.keys(prefix)).toEqual([`${prefix}${stored.key}`, ...foreign].sort());
    });

    describe('prefixes', () => {
      let other: S3BlobStore;
      let root: S3BlobStore;
      let otherPrefix: string;

      beforeEach(() => {
        otherPrefix = `${prefix.slice(0, -1)}-other/`;
        other = createS3BlobStore(s3.config(otherPrefix));
        root = createS3BlobStore(s3.config(''));
      });

      afterEach(async () => {
        other.close();
        root.close();
        await s3.empty(otherPrefix);
      });

      async function keysOf(subject: S3BlobStore): Promise<string[]> {
        const keys: string[] = [];
        for await (const blob of subject.list()) keys.push(blob.key);
        return keys.sort();
      }

      it('two stores on one bucket never see, deduplicate to or delete each other’s blobs', async () => {
        const mine = await store.put(chunked('only mine'), { maxBytes: 100 });
        const shared = await store.put(chunked('in both'), { maxBytes: 100 });
        const theirs = await other.put(chunked('only theirs'), { maxBytes: 100 });
        // Same content, other prefix: a blob of its own, not a deduplication onto mine.
        expect(await other.put(chunked('in both'), { maxBytes: 100 })).toMatchObject({ key: shared.key, created: true });

        expect(await keysOf(store)).toEqual([mine.key, shared.key].sort());
        expect(await keysOf(other)).toEqual([theirs.key, shared.key].sort());
        expect(await other.size(mine.key)).toBeUndefined();
        await expect(other.get(mine.key)).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.size(theirs.key)).toBeUndefined();

        await other.delete(shared.key);
        expect((await readAll(await store.get(shared.key))).toString()).toBe('in both');
        // A store at the bucket's root sees neither.
        expect(await keysOf(root)).not.toEqual(expect.arrayContaining([mine.key]));
        expect(await root.size(mine.key)).toBeUndefined();
      });

      it('keeps last-use markers per prefix', async () => {
        const blob = await store.put(chunked('touched here'), { maxBytes: 100 });
        await other.put(chunked('touched here'), { maxBytes: 100 });
        await other.put(chunked('touched here'), { maxBytes: 100 });
        expect(await s3.keys(`${prefix}used/`)).toEqual([]);
        expect(await s3.keys(`${otherPrefix}used/`)).toHaveLength(1);
        await store.delete(blob.key);
        expect(await s3.keys(`${otherPrefix}used/`)).toHaveLength(1);
      });
    });
  });

  describe('errors', () => {
    it('translates an endpoint that does not answer into UnavailableError', async () => {
      const port = await closedPort();
      const store = createS3BlobStore({ bucket: TEST_BUCKET, region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: TEST_CREDENTIALS });
      try {
        await expect(store.put(chunked('nowhere'), { maxBytes: 100 })).rejects.toBeInstanceOf(UnavailableError);
        await expect(store.get(keyOf('nowhere'))).rejects.toBeInstanceOf(UnavailableError);
        await expect(store.size(keyOf('nowhere'))).rejects.toBeInstanceOf(UnavailableError);
        await expect(store.delete(keyOf('nowhere'))).rejects.toBeInstanceOf(UnavailableError);
        await expect(readList(store)).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        store.close();
      }
    });

    it('translates a missing bucket into UnavailableError that names the cause', async () => {
      const store = createS3BlobStore({ ...s3.config(''), bucket: 'no-such-bucket' });
      try {
        await expect(store.put(chunked('lost'), { maxBytes: 100 })).rejects.toThrow(/NoSuchBucket.*check the S3 bucket/);
        await expect(store.put(chunked('lost'), { maxBytes: 100 })).rejects.toBeInstanceOf(UnavailableError);
        await expect(readList(store)).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        store.close();
      }
    });
  });
});

describe('copies past 5 GiB go part by part (UploadPartCopy, which s3rver lacks)', () => {
  it('covers every byte once, in at most 10,000 parts of at least the minimum', () => {
    const GiB = 1024 * MiB;
    for (const size of [5 * GiB + 1, 6 * GiB, 1024 * GiB, 5 * 1024 * GiB]) {
      const ranges = copyRanges(size, 512 * MiB);
      expect(ranges[0]?.start).toBe(0);
      expect(ranges.at(-1)?.end).toBe(size - 1);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.start).toBe((ranges[i - 1]?.end ?? NaN) + 1);
      expect(ranges.length).toBeLessThanOrEqual(10_000);
      for (const range of ranges.slice(0, -1)) expect(range.end - range.start + 1).toBeGreaterThanOrEqual(512 * MiB);
    }
  });

  /** A stand-in client that answers the copy's operations and records them. */
  function fakeClient(failPart?: number): { client: S3Client; calls: { name: string; input: Record<string, unknown> }[] } {
    const calls: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.push({ name, input: command.input });
        if (name === 'CreateMultipartUpload') return { UploadId: 'upload-1' };
        if (name === 'UploadPartCopy') {
          if (command.input.PartNumber === failPart) throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
          return { CopyPartResult: { ETag: `"etag-${String(command.input.PartNumber)}"` } };
        }
        return {};
      },
    } as unknown as S3Client;
    return { client, calls };
  }

  it('copies in ranges and completes with the parts in order', async () => {
    const { client, calls } = fakeClient();
    await copyWithinBucket(client, 'bucket', 'p/tmp/x', 'p/sha256/ab/ab', 25, { maxSingleCopyBytes: 10, minPartBytes: 10 });
    expect(calls.map((call) => call.name)).toEqual(['CreateMultipartUpload', 'UploadPartCopy', 'UploadPartCopy', 'UploadPartCopy', 'CompleteMultipartUpload']);
    const parts = calls.filter((call) => call.name === 'UploadPartCopy').map((call) => [call.input.PartNumber, call.input.CopySourceRange, call.input.CopySource]);
    expect(parts.sort()).toEqual([
      [1, 'bytes=0-9', 'bucket/p/tmp/x'],
      [2, 'bytes=10-19', 'bucket/p/tmp/x'],
      [3, 'bytes=20-24', 'bucket/p/tmp/x'],
    ]);
    expect(calls.at(-1)?.input).toMatchObject({
      Key: 'p/sha256/ab/ab',
      UploadId: 'upload-1',
      MultipartUpload: { Parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"etag-${n}"` })) },
    });
  });

  it('aborts the multipart copy when a part fails, and completes nothing', async () => {
    const { client, calls } = fakeClient(2);
    await expect(copyWithinBucket(client, 'bucket', 'p/tmp/x', 'p/sha256/ab/ab', 25, { maxSingleCopyBytes: 10, minPartBytes: 10 })).rejects.toThrow(
      'slow down',
    );
    const names = calls.map((call) => call.name);
    expect(names.at(-1)).toBe('AbortMultipartUpload');
    expect(names).not.toContain('CompleteMultipartUpload');
  });

  it('copies up to the single-copy limit in one request', async () => {
    const { client, calls } = fakeClient();
    await copyWithinBucket(client, 'bucket', 'p/tmp/x', 'p/sha256/ab/ab', 10, { maxSingleCopyBytes: 10, minPartBytes: 10 });
    expect(calls.map((call) => call.name)).toEqual(['CopyObject']);
  });
});

async function readList(store: S3BlobStore): Promise<void> {
  for await (const blob of store.list()) void blob;
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
