import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore, ListedBlob } from '../../src/application/ports/blob-store.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError } from '../../src/domain/errors.js';

export interface BlobStoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export function sha256Of(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

export function keyOf(content: Buffer | string): string {
  const hex = sha256Of(content);
  return `sha256/${hex.slice(0, 2)}/${hex}`;
}

/** A source that yields the given chunks one by one, as an upload would arrive. */
export function chunked(...chunks: (Buffer | string)[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
}

/** A source that sends some bytes and then fails, as a dropped connection does. */
export function failingAfter(first: Buffer | string, error = new Error('connection reset by peer')): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.from(first));
        return;
      }
      setImmediate(() => this.destroy(error));
    },
  });
}

function* chunksOf(total: number, chunkSize: number): Generator<Buffer> {
  for (let offset = 0, i = 0; offset < total; offset += chunkSize, i++) {
    const chunk = Buffer.alloc(Math.min(chunkSize, total - offset), i % 251);
    chunk.writeUInt32BE(i, 0);
    yield chunk;
  }
}

/**
 * `total` bytes of deterministic content, generated chunk by chunk as the store reads it, so no
 * more than one chunk exists at a time: chunk i is filled with i % 251 and starts with i (uint32 BE).
 */
export function generated(total: number, chunkSize = 64 * 1024): { source: Readable; sha256: string } {
  const hash = createHash('sha256');
  for (const chunk of chunksOf(total, chunkSize)) hash.update(chunk);
  return { source: Readable.from(chunksOf(total, chunkSize), { objectMode: false }), sha256: hash.digest('hex') };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    hash.update(buffer);
  }
  return { sha256: hash.digest('hex'), size };
}

/** Keys that are not content addresses: none may reach storage, whatever the adapter. */
export const NOT_CONTENT_ADDRESSES: readonly string[] = [
  '../../etc/passwd',
  'sha256/../x',
  `sha256/../../${'a'.repeat(64)}`,
  `sha256/ab/../../../etc/passwd`,
  `sha256/AB/AB${'C'.repeat(62)}`, // upper-case hex
  `md5/ab/ab${'0'.repeat(62)}`, // wrong algorithm prefix
  `sha256/00/ab${'0'.repeat(62)}`, // shard that does not match the hash
  `sha256/ab/ab${'0'.repeat(61)}`, // one hex digit short
  `/sha256/ab/ab${'0'.repeat(62)}`,
  `sha256/ab/ab${'0'.repeat(62)}/`,
  '',
];

/**
 * The BlobStore contract, written once and run against every adapter (fs today, S3 later).
 * `makeStore` gives a fresh, empty store; `cleanup` removes whatever it made.
 */
export function blobStoreContract(name: string, makeStore: () => Promise<BlobStoreUnderTest>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let subject: BlobStoreUnderTest;
    let store: BlobStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    describe('put', () => {
      it('stores content under its content address with its SHA-256 and size', async () => {
        const stored = await store.put(chunked('hello ', 'world'), { maxBytes: NO_LIMIT });
        const hex = sha256Of('hello world');
        expect(stored).toEqual({ key: `sha256/${hex.slice(0, 2)}/${hex}`, sha256: hex, size: 11, created: true });
      });

      it('stores identical content once: the second put reports it was already there', async () => {
        const first = await store.put(chunked('same bytes'), { maxBytes: NO_LIMIT });
        const second = await store.put(chunked('same ', 'bytes'), { maxBytes: NO_LIMIT });
        expect(first.created).toBe(true);
        expect(second).toEqual({ ...first, created: false });
        expect(await readAll(await store.get(second.key))).toEqual(Buffer.from('same bytes'));
      });

      it('keeps different content apart', async () => {
        const a = await store.put(chunked('content a'), { maxBytes: NO_LIMIT });
        const b = await store.put(chunked('content b'), { maxBytes: NO_LIMIT });
        expect(a.key).not.toBe(b.key);
        expect(b.created).toBe(true);
        expect((await readAll(await store.get(a.key))).toString()).toBe('content a');
        expect((await readAll(await store.get(b.key))).toString()).toBe('content b');
      });

      it('stores empty content', async () => {
        const stored = await store.put(chunked(), { maxBytes: NO_LIMIT });
        expect(stored).toMatchObject({ key: keyOf(''), size: 0, created: true });
        expect(await store.size(stored.key)).toBe(0);
        expect(await readAll(await store.get(stored.key))).toEqual(Buffer.alloc(0));
      });

      it('accepts content of exactly maxBytes', async () => {
        const stored = await store.put(chunked('12345', '67890'), { maxBytes: 10 });
        expect(stored.size).toBe(10);
        expect(await store.size(stored.key)).toBe(10);
      });

      it('refuses content past maxBytes with PayloadTooLargeError and stores nothing', async () => {
        const content = ['12345', '67890', '1'];
        await expect(store.put(chunked(...content), { maxBytes: 10 })).rejects.toBeInstanceOf(PayloadTooLargeError);
        expect(await store.size(keyOf(content.join('')))).toBeUndefined();
        expect(await store.size(keyOf('1234567890'))).toBeUndefined();
      });

      it('does not touch an existing blob when an oversized upload of other content fails', async () => {
        const kept = await store.put(chunked('kept'), { maxBytes: NO_LIMIT });
        await expect(store.put(chunked('kept', ' and more'), { maxBytes: 4 })).rejects.toBeInstanceOf(PayloadTooLargeError);
        expect((await readAll(await store.get(kept.key))).toString()).toBe('kept');
      });

      it('rejects when the source fails midway, and stores nothing', async () => {
        await expect(store.put(failingAfter('partial content'), { maxBytes: NO_LIMIT })).rejects.toThrow('connection reset by peer');
        expect(await store.size(keyOf('partial content'))).toBeUndefined();
      });

      it('can store the content again after a failed attempt', async () => {
        await expect(store.put(failingAfter('retry me'), { maxBytes: NO_LIMIT })).rejects.toThrow();
        const stored = await store.put(chunked('retry me'), { maxBytes: NO_LIMIT });
        expect(stored).toMatchObject({ key: keyOf('retry me'), size: 8, created: true });
      });

      it('awaits the claim with the content address before it looks for or stores the blob', async () => {
        const existing = await store.put(chunked('claimed'), { maxBytes: NO_LIMIT });
        const seen: { key: string; present: number | undefined }[] = [];
        await store.put(chunked('claimed'), { maxBytes: NO_LIMIT, claim: async (key) => {
          // The caller frees the blob while holding the claim: the store must look only afterwards.
          await store.delete(key);
          seen.push({ key, present: await store.size(key) });
        } });
        expect(seen).toEqual([{ key: existing.key, present: undefined }]);
        expect((await readAll(await store.get(existing.key))).toString()).toBe('claimed');
      });

      it('stores nothing when the claim fails', async () => {
        await expect(
          store.put(chunked('unclaimed'), { maxBytes: NO_LIMIT, claim: async () => Promise.reject(new Error('claim refused')) }),
        ).rejects.toThrow('claim refused');
        expect(await store.size(keyOf('unclaimed'))).toBeUndefined();
      });

      it('streams large content chunk by chunk with the right hash and size', async () => {
        const size = 20 * MiB + 123;
        const { source, sha256 } = generated(size);
        const stored = await store.put(source, { maxBytes: NO_LIMIT });
        expect(stored).toEqual({ key: `sha256/${sha256.slice(0, 2)}/${sha256}`, sha256, size, created: true });
        expect(await store.size(stored.key)).toBe(size);
        expect(await hashStream(await store.get(stored.key))).toEqual({ sha256, size });
      });
    });

    describe('get', () => {
      it('streams the exact bytes stored', async () => {
        const content = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);
        const stored = await store.put(chunked(content), { maxBytes: NO_LIMIT });
        expect(await readAll(await store.get(stored.key))).toEqual(content);
      });

      it('streams an inclusive byte range', async () => {
        const stored = await store.put(chunked('0123456789'), { maxBytes: NO_LIMIT });
        expect((await readAll(await store.get(stored.key, { start: 0, end: 3 }))).toString()).toBe('0123');
        expect((await readAll(await store.get(stored.key, { start: 4, end: 4 }))).toString()).toBe('4');
        expect((await readAll(await store.get(stored.key, { start: 7, end: 9 }))).toString()).toBe('789');
      });

      it('streams a range across chunk boundaries of large content', async () => {
        const { source } = generated(3 * 64 * 1024);
        const stored = await store.put(source, { maxBytes: NO_LIMIT });
        const range = await readAll(await store.get(stored.key, { start: 64 * 1024 - 2, end: 64 * 1024 + 5 }));
        // The last two bytes of chunk 0 (fill 0), then chunk 1's index (0,0,0,1) and fill (1,1).
        expect([...range]).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
      });

      it('throws NotFoundError for a content address that was never stored', async () => {
        await expect(store.get(keyOf('never stored'))).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('size', () => {
      it('gives the size of a stored blob, and undefined for an absent one', async () => {
        const stored = await store.put(chunked('four'), { maxBytes: NO_LIMIT });
        expect(await store.size(stored.key)).toBe(4);
        expect(await store.size(keyOf('absent'))).toBeUndefined();
      });
    });

    describe('delete', () => {
      it('removes a blob', async () => {
        const stored = await store.put(chunked('short-lived'), { maxBytes: NO_LIMIT });
        await store.delete(stored.key);
        expect(await store.size(stored.key)).toBeUndefined();
        await expect(store.get(stored.key)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('leaves other blobs alone', async () => {
        const gone = await store.put(chunked('gone'), { maxBytes: NO_LIMIT });
        const kept = await store.put(chunked('kept'), { maxBytes: NO_LIMIT });
        await store.delete(gone.key);
        expect((await readAll(await store.get(kept.key))).toString()).toBe('kept');
      });

      it('ignores a blob that is absent', async () => {
        await expect(store.delete(keyOf('absent'))).resolves.toBeUndefined();
      });

      it('lets deleted content be stored again as new', async () => {
        const first = await store.put(chunked('again'), { maxBytes: NO_LIMIT });
        await store.delete(first.key);
        const second = await store.put(chunked('again'), { maxBytes: NO_LIMIT });
        expect(second).toEqual({ ...first, created: true });
        expect((await readAll(await store.get(second.key))).toString()).toBe('again');
      });
    });

    describe('list', () => {
      async function listed(): Promise<ListedBlob[]> {
        const all: ListedBlob[] = [];
        for await (const blob of store.list()) all.push(blob);
        return all.sort((a, b) => (a.key < b.key ? -1 : 1));
      }

      it('is empty for an empty store', async () => {
        expect(await listed()).toEqual([]);
      });

      it('gives every stored blob once, with its size and a recent modification time', async () => {
        const before = Date.now() - 2_000;
        const a = await store.put(chunked('first blob'), { maxBytes: NO_LIMIT });
        const b = await store.put(chunked('second, longer blob'), { maxBytes: NO_LIMIT });
        await store.put(chunked('first blob'), { maxBytes: NO_LIMIT });
        const all = await listed();
        expect(all.map(({ key, size }) => ({ key, size }))).toEqual(
          [a, b].map(({ key, size }) => ({ key, size })).sort((x, y) => (x.key < y.key ? -1 : 1)),
        );
        for (const blob of all) expect(blob.modifiedAt).toBeGreaterThanOrEqual(before);
      });

      it('leaves out deleted blobs', async () => {
        const kept = await store.put(chunked('kept'), { maxBytes: NO_LIMIT });
        const gone = await store.put(chunked('gone'), { maxBytes: NO_LIMIT });
        await store.delete(gone.key);
        expect((await listed()).map((blob) => blob.key)).toEqual([kept.key]);
      });

      it('gives a blob its modification time, the same as the listing, and undefined when absent', async () => {
        const stored = await store.put(chunked('timed'), { maxBytes: NO_LIMIT });
        const [listedBlob] = await listed();
        expect(await store.modifiedAt(stored.key)).toBe(listedBlob?.modifiedAt);
        expect(await store.modifiedAt(keyOf('never stored'))).toBeUndefined();
        await store.delete(stored.key);
        expect(await store.modifiedAt(stored.key)).toBeUndefined();
      });

      it('refreshes the modification time when a put finds its content already stored', async () => {
        const first = await store.put(chunked('deduplicated'), { maxBytes: NO_LIMIT });
        const [initial] = await listed();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await store.put(chunked('deduplicated'), { maxBytes: NO_LIMIT });
        const [refreshed] = await listed();
        expect(refreshed?.key).toBe(first.key);
        expect(refreshed?.modifiedAt).toBeGreaterThan(initial?.modifiedAt ?? Infinity);
      });
    });

    describe('keys that are not content addresses', () => {
      it.each(NOT_CONTENT_ADDRESSES.map((key) => [key]))('refuses %j with InvalidArgumentError in get, size and delete', async (key) => {
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.size(key)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidArgumentError);
      });
    });
  });
}
