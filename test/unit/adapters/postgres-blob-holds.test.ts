import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { FsBlobStore } from '../../../src/adapters/blob/fs/fs-blob-store.js';
import { PostgresBlobHolds } from '../../../src/adapters/persistence/postgres/postgres-blob-holds.js';
import { createPostgresStore, type PostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { TimeOrderedIds } from '../../../src/adapters/system/time-ordered-ids.js';
import { BlobJanitor } from '../../../src/application/blob-janitor.js';
import type { BlobStore } from '../../../src/application/ports/blob-store.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import type { Artifact } from '../../../src/domain/artifact.js';
import { FixedClock } from '../../support/fixed-clock.js';
import { describePostgres } from '../../support/postgres.js';

/**
 * Blob holds across servers: each "server" is a store with its own pool, its own janitor and its
 * own blob store object, all on one database and one blob directory, as several Fathom servers
 * behind a load balancer share one PostgreSQL and one bucket. Uploads go through UploadArtifact;
 * deletes do what DeleteArtifact does (delete the records, free what they pointed at).
 */
const T0 = Date.parse('2026-01-15T10:00:00.000Z');
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The store as it is, but for its delete. */
function withDelete(store: BlobStore, remove: (key: string) => Promise<void>): BlobStore {
  return {
    put: (source, options) => store.put(source, options),
    get: (key, range) => store.get(key, range),
    size: (key) => store.size(key),
    modifiedAt: (key) => store.modifiedAt(key),
    list: () => store.list(),
    delete: remove,
  };
}

interface Server {
  store: PostgresStore;
  blobs: BlobStore;
  janitor: BlobJanitor;
  /** Uploads `content` as `name`; `beforeRecord` runs once the blob is stored, before the record exists. */
  upload(runId: string, name: string, content: string, beforeRecord?: () => Promise<void>): Promise<Artifact>;
  /** Deletes a name's records and frees what nothing else needs; returns the blobs it freed. */
  deleteArtifact(runId: string, name: string): Promise<string[]>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function aServer(url: string, blobRoot: string, options: { ttlMs?: number; deleteTimeoutMs?: number; blobs?: (store: BlobStore) => BlobStore } = {}): Promise<Server> {
  const store = await createPostgresStore({ connectionString: url, poolSize: 4 });
  cleanups.push(() => store.close());
  const shared = await FsBlobStore.open(blobRoot);
  const blobs = options.blobs?.(shared) ?? shared;
  const janitor = new BlobJanitor(blobs, new PostgresBlobHolds(store.database, { ttlMs: options.ttlMs, deleteTimeoutMs: options.deleteTimeoutMs }));
  const uploads = new UploadArtifact(store.runs, store.artifacts, blobs, new TimeOrderedIds(), new FixedClock(T0), { maxUploadBytes: 1_000_000 }, janitor);
  return {
    store,
    blobs,
    janitor,
    upload: (runId, name, content, beforeRecord) =>
      uploads.execute(runId, {
        content: Readable.from(Buffer.from(content)),
        fileName: name,
        fields: async () => {
          await beforeRecord?.();
          return {};
        },
      }),
    deleteArtifact: async (runId, name) => janitor.freeUnreferenced(await store.artifacts.deleteByName(runId, name)),
  };
}

type ServerOptions = Parameters<typeof aServer>[2];

/** Two servers on the database at `url` and a fresh blob directory, with a run for each to upload to. */
async function twoServers(url: string, options: { a?: ServerOptions; b?: ServerOptions } = {}): Promise<{ a: Server; b: Server }> {
  const blobRoot = await mkdtemp(join(tmpdir(), 'fathom-blob-holds-'));
  cleanups.push(() => rm(blobRoot, { recursive: true, force: true }));
  const a = await aServer(url, blobRoot, options.a);
  const b = await aServer(url, blobRoot, options.b);
  await a.store.experiments.create({ id: 'exp', name: 'shared', tags: [], properties: {}, createdBy: 'ada', createdAt: T0, updatedAt: T0, lifecycleStage: 'active' });
  for (const id of ['run-a', 'run-b']) {
    await a.store.runs.create({ id, experimentId: 'exp', status: 'running', tags: {}, createdBy: 'ada', startedAt: T0, lifecycleStage: 'active' }, []);
  }
  return { a, b };
}

const stored = async (server: Server, key: string): Promise<boolean> => (await server.blobs.size(key)) !== undefined;

/** Recorded artifacts whose blob is gone: what must never happen. */
async function recordsWithoutBlob(server: Server): Promise<string[]> {
  const rows = await server.store.database.read(async (sql) => (await sql.query<{ id: string; blob_key: string }>('SELECT id, blob_key FROM artifacts')).rows);
  const missing: string[] = [];
  for (const row of rows) if (!(await stored(server, row.blob_key))) missing.push(row.id);
  return missing;
}

const holdRows = async (server: Server): Promise<number> =>
  server.store.database.read(async (sql) => (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM blob_holds')).rows[0]?.n ?? -1);

describePostgres('blob holds across servers (PostgresBlobHolds)', (postgres) => {
  const fresh = async (options: { a?: ServerOptions; b?: ServerOptions } = {}) => twoServers(await postgres.createDatabase(), options);

  it("keeps a blob another server's upload holds from being freed until that upload recorded it", async () => {
    const { a, b } = await fresh();
    const first = await a.upload('run-a', 'a.bin', 'shared weights');
    const second = await b.upload('run-b', 'b.bin', 'shared weights', async () => {
      // B found the content stored and holds it; its record does not exist yet.
      expect(await a.deleteArtifact('run-a', 'a.bin')).toEqual([]);
      expect(await stored(a, first.path)).toBe(true);
    });
    expect(second.path).toBe(first.path);
    expect(await stored(b, second.path)).toBe(true);
    expect(await recordsWithoutBlob(a)).toEqual([]);
    expect(await holdRows(a)).toBe(0);
  });

  it('frees a blob whose free another server put off once that server releases its hold', async () => {
    const { a, b } = await fresh();
    const artifact = await a.upload('run-a', 'a.bin', 'short-lived');
    const release = await b.janitor.hold(artifact.path);
    expect(await a.deleteArtifact('run-a', 'a.bin')).toEqual([]);
    expect(await stored(a, artifact.path)).toBe(true);
    await release();
    expect(await stored(a, artifact.path)).toBe(false);
    expect(await holdRows(a)).toBe(0);
  });

  it('makes an upload wait while another server frees its blob, so it stores the content afresh', async () => {
    let deleting!: () => void;
    const deletionStarted = new Promise<void>((resolve) => (deleting = resolve));
    let finish!: () => void;
    const mayFinish = new Promise<void>((resolve) => (finish = resolve));
    const { a, b } = await fresh({
      a: {
        blobs: (store) =>
          withDelete(store, async (key) => {
            deleting();
            await mayFinish;
            await store.delete(key);
          }),
      },
    });
    const first = await a.upload('run-a', 'a.bin', 'weights being freed');
    const freeing = a.deleteArtifact('run-a', 'a.bin');
    await deletionStarted; // A decided to free the blob and is deleting it

    let blobStored = false;
    const uploading = b.upload('run-b', 'b.bin', 'weights being freed', async () => {
      blobStored = true;
    });
    await pause(300);
    expect(blobStored).toBe(false); // B's hold waits for A's free
    finish();
    expect(await freeing).toEqual([first.path]);
    const second = await uploading;
    expect(second.path).toBe(first.path);
    expect(await stored(b, second.path)).toBe(true);
    expect(await recordsWithoutBlob(b)).toEqual([]);
  });

  it('stops waiting for a deletion the blob store is slow with: the free ends, and an upload of that content waits for the deletion, then stores it afresh', async () => {
    let slowKey = '';
    let finish!: () => void;
    const mayFinish = new Promise<void>((resolve) => (finish = resolve));
    const { a, b } = await fresh({
      a: {
        deleteTimeoutMs: 200,
        blobs: (store) =>
          withDelete(store, async (key) => {
            if (key === slowKey) await mayFinish;
            await store.delete(key);
          }),
      },
    });
    const slow = await a.upload('run-a', 'slow.bin', 'deleted slowly');
    const quick = await a.upload('run-a', 'quick.bin', 'deleted at once');
    slowKey = slow.path;
    const unblock = setTimeout(finish, 5_000); // so that a free waiting for the deletion ends too
    cleanups.push(async () => clearTimeout(unblock));
    const started = Date.now();
    expect(await a.deleteArtifact('run-a', 'slow.bin')).toEqual([]);
    expect(await a.deleteArtifact('run-a', 'quick.bin')).toEqual([quick.path]);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Nothing is left waiting in a transaction, holding the keys' locks.
    const idle = await a.store.database.read(
      async (sql) =>
        (await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'")).rows[0]?.n,
    );
    expect(idle).toBe(0);

    // The deletion still runs: an upload of that content on the other server waits for it.
    let blobStored = false;
    const uploading = b.upload('run-b', 'again.bin', 'deleted slowly', async () => {
      blobStored = true;
    });
    await pause(300);
    expect(blobStored).toBe(false);
    finish();
    const again = await uploading;
    expect(again.path).toBe(slow.path);
    expect(await stored(b, again.path)).toBe(true);
    expect(await recordsWithoutBlob(b)).toEqual([]);
    expect(await holdRows(b)).toBe(0);
  });

  it('stops counting a hold whose server stopped renewing it (a crash): the blob is freed after all', async () => {
    const { a, b } = await fresh({ b: { ttlMs: 400 } });
    const artifact = await a.upload('run-a', 'a.bin', 'pinned by a crashed server');
    const release = await b.janitor.hold(artifact.path);
    await b.store.close(); // B is gone without releasing
    expect(await a.deleteArtifact('run-a', 'a.bin')).toEqual([]); // the hold still counts
    await pause(600);
    expect(await a.janitor.freeUnreferenced([artifact.path])).toEqual([artifact.path]);
    expect(await stored(a, artifact.path)).toBe(false);
    expect(await holdRows(a)).toBe(0); // the lapsed row went with the free
    await release(); // what a release finds after the database went away: nothing to report
  });

  it('keeps a live hold beyond its lifetime by renewing it', async () => {
    const { a, b } = await fresh({ b: { ttlMs: 300 } });
    const artifact = await a.upload('run-a', 'a.bin', 'held for long');
    const release = await b.janitor.hold(artifact.path);
    await pause(1_000);
    expect(await a.deleteArtifact('run-a', 'a.bin')).toEqual([]);
    expect(await stored(a, artifact.path)).toBe(true);
    await release();
    expect(await stored(a, artifact.path)).toBe(false);
  });

  it('frees many blobs at once in batches, sparing the held and the referenced ones', async () => {
    const { a, b } = await fresh();
    const orphans: string[] = [];
    for (let n = 0; n < 70; n++) orphans.push((await a.blobs.put(Readable.from(Buffer.from(`orphan ${n}`)), { maxBytes: 100 })).key);
    const recorded = await a.upload('run-a', 'kept.bin', 'orphan 7');
    const release = await b.janitor.hold(orphans[42] as string);
    const freed = await a.janitor.freeUnreferenced(orphans);
    expect(freed.sort()).toEqual(orphans.filter((key) => key !== recorded.path && key !== orphans[42]).sort());
    expect(await stored(a, recorded.path)).toBe(true);
    expect(await stored(a, orphans[42] as string)).toBe(true);
    await release();
    expect(await stored(a, orphans[42] as string)).toBe(false);
  });

  it('never leaves a record pointing at a missing blob when uploads deduplicate onto blobs another server is freeing', { timeout: 60_000 }, async () => {
    const { a, b } = await fresh();
    const ROUNDS = 60;
    const outcomes = { freedThenStoredAgain: 0, spared: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const content = `round ${round}`;
      await a.upload('run-a', `r${round}`, content);
      const [freed, artifact] = await Promise.all([
        (async () => {
          await pause(round % 4);
          return a.deleteArtifact('run-a', `r${round}`);
        })(),
        b.upload('run-b', `r${round}`, content, () => pause(round % 3)),
      ]);
      expect(await stored(b, artifact.path), `round ${round}`).toBe(true);
      outcomes[freed.length > 0 ? 'freedThenStoredAgain' : 'spared']++;
    }
    expect(await recordsWithoutBlob(a)).toEqual([]);
    expect(await holdRows(a)).toBe(0);
    // Both interleavings were met: the free came first and the upload wrote the blob again, or
    // the upload held the blob first and the free spared it.
    expect(outcomes.freedThenStoredAgain).toBeGreaterThan(0);
    expect(outcomes.spared).toBeGreaterThan(0);
  });
});
