import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, ByteRange, PutOptions, StoredBlob } from '../../../application/ports/blob-store.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError } from '../../../domain/errors.js';

const KEY = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

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

  /** Opens (creating) the store and removes partial uploads a crash may have left in tmp/. */
  static async open(root: string): Promise<FsBlobStore> {
    await mkdir(join(root, 'sha256'), { recursive: true });
    await rm(join(root, 'tmp'), { recursive: true, force: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    return new FsBlobStore(root);
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
    try {
      // flush: the file is fsynced before the stream closes, so the blob is durable once renamed.
      await pipeline(source, meter, createWriteStream(tmpPath, { flags: 'wx', flush: true }));
    } catch (error) {
      source.destroy();
      await unlink(tmpPath).catch(() => undefined);
      throw error;
    }
    const sha256 = hash.digest('hex');
    const key = `sha256/${sha256.slice(0, 2)}/${sha256}`;
    try {
      await options.claim?.(key);
      if ((await this.size(key)) !== undefined) {
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
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    const match = KEY.exec(key);
    if (!match || !match[2]?.startsWith(match[1] as string)) {
      throw InvalidArgumentError.field('/path', `'${key}' is not a content address (sha256/ab/ab…)`);
    }
    return join(this.root, key);
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
