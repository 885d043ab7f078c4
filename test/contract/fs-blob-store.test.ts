import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore, STALE_STAGING_MS } from '../../src/adapters/blob/fs/fs-blob-store.js';
import { InvalidArgumentError, PayloadTooLargeError } from '../../src/domain/errors.js';
import { blobStoreContract, chunked, failingAfter, keyOf } from './blob-store.contract.js';

blobStoreContract('FsBlobStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'fathom-blobs-'));
  return { store: await FsBlobStore.open(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

/** Every file (not directory) under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/')).sort();
}

describe('FsBlobStore on disk', () => {
  let base: string;
  let root: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'fathom-fs-blobs-'));
    root = join(base, 'blobs');
    store = await FsBlobStore.open(root);
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('writes a blob to <root>/sha256/ab/<hex> and nothing else', async () => {
    const stored = await store.put(chunked('on disk'), { maxBytes: 100 });
    expect(await filesUnder(root)).toEqual([stored.key]);
    expect(await readFile(join(root, stored.key), 'utf8')).toBe('on disk');
  });

  it('leaves no file behind when identical content is put again', async () => {
    await store.put(chunked('twice'), { maxBytes: 100 });
    await store.put(chunked('twice'), { maxBytes: 100 });
    expect(await filesUnder(root)).toEqual([keyOf('twice')]);
  });

  it('leaves no file in tmp/ or sha256/ after an oversized upload', async () => {
    await expect(store.put(chunked('x'.repeat(600), 'y'.repeat(600)), { maxBytes: 1000 })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('leaves no file in tmp/ or sha256/ after a source that fails midway', async () => {
    await expect(store.put(failingAfter('half of it'), { maxBytes: 1000 })).rejects.toThrow();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('clears stale partial uploads a crash left in tmp/ when opened, and keeps stored blobs', async () => {
    const stored = await store.put(chunked('survivor'), { maxBytes: 100 });
    const longAgo = new Date(Date.now() - STALE_STAGING_MS - 60_000);
    await writeFile(join(root, 'tmp', 'partial-upload'), 'half a model');
    await utimes(join(root, 'tmp', 'partial-upload'), longAgo, longAgo);
    await mkdir(join(root, 'tmp', 'nested'), { recursive: true });
    await writeFile(join(root, 'tmp', 'nested', 'more'), 'x');
    await utimes(join(root, 'tmp', 'nested'), longAgo, longAgo);
    const reopened = await FsBlobStore.open(root);
    expect(await filesUnder(root)).toEqual([stored.key]);
    expect(await reopened.size(stored.key)).toBe(8);
    // tmp/ is usable again after the sweep.
    await expect(reopened.put(chunked('after sweep'), { maxBytes: 100 })).resolves.toMatchObject({ created: true });
  });

  it('keeps a staged file that is still being written (another server may share the directory)', async () => {
    await writeFile(join(root, 'tmp', 'in-progress'), 'being uploaded right now');
    await FsBlobStore.open(root);
    expect(await filesUnder(join(root, 'tmp'))).toEqual(['in-progress']);
    expect(await store.removeStaleStaging(Date.now() + 1_000)).toBe(1);
    expect(await filesUnder(join(root, 'tmp'))).toEqual([]);
  });

  it('lists only content-addressed files, whatever else lies in the store', async () => {
    const stored = await store.put(chunked('listed'), { maxBytes: 100 });
    const hex = 'ab'.repeat(32);
    await mkdir(join(root, 'sha256', 'ab'), { recursive: true });
    await writeFile(join(root, 'sha256', 'ab', 'notes.txt'), 'stray');
    await writeFile(join(root, 'sha256', 'ab', `cd${hex.slice(2)}`), 'wrong shard');
    await writeFile(join(root, 'sha256', 'stray-file'), 'stray');
    await mkdir(join(root, 'sha256', 'zz'), { recursive: true });
    await writeFile(join(root, 'sha256', 'zz', hex), 'bad shard');
    await writeFile(join(root, 'tmp', hex), 'staged');
    const keys: string[] = [];
    for await (const blob of store.list()) keys.push(blob.key);
    expect(keys).toEqual([stored.key]);
  });

  it('creates the root when it does not exist', async () => {
    const fresh = await FsBlobStore.open(join(base, 'a', 'b', 'c'));
    const stored = await fresh.put(chunked('fresh'), { maxBytes: 100 });
    expect(await readFile(join(base, 'a', 'b', 'c', stored.key), 'utf8')).toBe('fresh');
  });

  describe('never lets a key reach outside the root', () => {
    // <base>/secret sits next to <root>; a store that joined keys to paths blindly would reach it.
    const traversals = ['../secret', 'sha256/../../secret', 'sha256/ab/../../../secret', 'tmp/../../secret'];

    beforeEach(async () => {
      await writeFile(join(base, 'secret'), 'do not serve or delete me');
    });

    it.each(traversals.map((key) => [key]))('refuses %j without reading, sizing or deleting the file', async (key) => {
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.size(key)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await readFile(join(base, 'secret'), 'utf8')).toBe('do not serve or delete me');
    });

    it('refuses a content address whose shard does not match, even when a file is planted there', async () => {
      const hex = keyOf('planted').split('/')[2] as string;
      const wrongShard = `sha256/${hex.slice(0, 2) === '00' ? '11' : '00'}/${hex}`;
      await mkdir(join(root, wrongShard, '..'), { recursive: true });
      await writeFile(join(root, wrongShard), 'planted');
      await expect(store.get(wrongShard)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.delete(wrongShard)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await readFile(join(root, wrongShard), 'utf8')).toBe('planted');
    });
  });
});
