import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import { mkdir, open, opendir, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, ByteRange, ListedBlob, PutOptions, StoredBlob } from '../../../application/ports/blob-store.js';
import { contentAddress } from '../../../domain/artifact.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError } from '../../../domain/errors.js';

const KEY = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const HEX2 = /^[0-9a-f]{2}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Staged files untouched this long belong to no upload in progress (any process): a crash left them. */
export const STALE_STAGING_MS = 60 * 60 * 1000;

/**
 * Content-addressed blobs on the local filesystem: `<root>/sha256/ab/abcdef…`.
 *
 * Writes go to `<root>/tmp` first and are fsynced, then renamed into place and the directory
 * fsynced, so a blob is either absent or whole, and durable once `put` resolves. Keys are
 * checked against the content-address pattern before any path is built, so no key can reach
 * outside the root.
 */
export class FsBlobStore implements BlobStore {
  private constructor(private readonly root: string) {}

  /**
   * Opens (creating) the store and removes partial uploads a crash left in tmp/. Only stale ones:
   * another server sharing this directory may be staging an upload right now.
   */
  static async open(root: string): Promise<FsBlobStore> {
    await mkdir(join(root, 'sha256'), { recursive: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    const store = new FsBlobStore(root);
    await store.removeStaleStaging(Date.now() - STALE_STAGING_MS);
    return store;
  }

  /** Removes staged files last written before `cutoff` (epoch ms). Returns how many. */
  async removeStaleStaging(cutoff: number): Promise<number> {
    let removed = 0;
    for (const name of await readdir(join(this.root, 'tmp'))) {
      const path = join(this.root, 'tmp', name);
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) {
        await rm(path, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  async put(source: Readable, options: PutOptions): Promise<StoredBlob> {
    const tmpPath = join(this.root, 'tmp', randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > options.maxBytes) {
          done(new PayloadTooLargeError(`the upload exceeds the limit of ${options.maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // flush: the file is fsynced before the stream closes, so the blob is durable once renamed.
    const file = createWriteStream(tmpPath, { flags: 'wx', flush: true });
    try {
      await pipeline(source, meter, file);
    } catch (error) {
      source.destroy();
      // A stream destroyed while its file is still being opened creates the file afterwards:
      // wait until it has closed, or an oversized upload would leave its partial file behind.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      await unlink(tmpPath).catch(() => undefined);
      throw error;
    }
    const sha256 = hash.digest('hex');
    const key = contentAddress(sha256);
    try {
      await options.claim?.(key);
      // Already stored: mark it recent so garbage collection spares it (see BlobStore.list).
      // Touching is also the existence check, so a blob deleted meanwhile is simply written anew.
      if (await touch(join(this.root, key))) {
        await unlink(tmpPath);
        return { key, sha256, size, created: false };
      }
      const dir = join(this.root, 'sha256', sha256.slice(0, 2));
      await mkdir(dir, { recursive: true });
      await rename(tmpPath, join(this.root, key));
      await syncDirectory(dir);
      return { key, sha256, size, created: true };
    } catch (error) {
      await unlink(tmpPath).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new NotFoundError('blob', key);
      throw error;
    });
    return file.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async size(key: string): Promise<number | undefined> {
    return (await this.statOf(key))?.size;
  }

  async modifiedAt(key: string): Promise<number | undefined> {
    return (await this.statOf(key))?.mtimeMs;
  }

  /** The blob's file status, or undefined when it is absent. */
  private async statOf(key: string): Promise<Stats | undefined> {
    try {
      return await stat(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<ListedBlob> {
    const shards = await opendir(join(this.root, 'sha256'));
    for await (const shard of shards) {
      if (!shard.isDirectory() || !HEX2.test(shard.name)) continue;
      const files = await opendir(join(this.root, 'sha256', shard.name));
      for await (const file of files) {
        if (!file.isFile() || !HEX64.test(file.name) || !file.name.startsWith(shard.name)) continue;
        const key = `sha256/${shard.name}/${file.name}`;
        const info = await stat(join(this.root, key)).catch(() => undefined);
        if (info) yield { key, size: info.size, modifiedAt: info.mtimeMs };
      }
    }
  }

  private pathOf(key: string): string {
    const match = KEY.exec(key);
    if (!match || !match[2]?.startsWith(match[1] as string)) {
      throw InvalidArgumentError.field('/path', `'${key}' is not a content address (sha256/ab/ab…)`);
    }
    return join(this.root, key);
  }
}

/** Sets a file's times to now; false when it does not exist. */
async function touch(path: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(path, now, now);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
