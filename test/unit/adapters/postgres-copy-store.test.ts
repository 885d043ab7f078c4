import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FsBlobStore } from '../../../src/adapters/blob/fs/fs-blob-store.js';
import { createPostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { createSqliteStore } from '../../../src/adapters/persistence/sqlite/sqlite-store.js';
import { CopyStore } from '../../../src/application/use-cases/maintenance/copy-store.js';
import { describePostgres } from '../../support/postgres.js';
import { everything, givenRichStore, RICH_COUNTS, SHA256, upload, type TestStore } from './copy-store-fixture.js';

/**
 * The copy between the two SQL stores, both ways: SQLite into PostgreSQL, and that copy back
 * into SQLite. Every read through the ports must give the same on all three.
 */

const dirs: string[] = [];
const open: TestStore[] = [];

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function blobsDir(): Promise<FsBlobStore> {
  const dir = await mkdtemp(join(tmpdir(), 'fathom-copy-'));
  dirs.push(dir);
  return FsBlobStore.open(join(dir, 'blobs'));
}

async function aSqliteStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'fathom-copy-'));
  dirs.push(dir);
  const store = { ...createSqliteStore(join(dir, 'fathom.db'), { backgroundCheckpoints: false }), blobs: await blobsDir() };
  open.push(store);
  return store;
}

describePostgres('CopyStore between SQLite and PostgreSQL', (postgres) => {
  it('copies everything into PostgreSQL and back, and every read gives the same on all three', async () => {
    const sqlite = await aSqliteStore();
    await givenRichStore(sqlite);
    const original = await everything(sqlite);
    const pg = { ...(await createPostgresStore({ connectionString: await postgres.createDatabase() })), blobs: await blobsDir() };
    open.push(pg);

    const there = await new CopyStore(sqlite, pg, SHA256).execute();
    const back = await aSqliteStore();
    const returned = await new CopyStore(pg, back, SHA256).execute();

    expect(await everything(pg)).toEqual(original);
    expect(await everything(back)).toEqual(original);
    for (const report of [there, returned]) expect(report).toMatchObject({ source: RICH_COUNTS, target: RICH_COUNTS, verified: true });
    // model.pt had versions 1 to 5, and 4 and 5 were deleted: every copy numbers on from 6.
    for (const store of [sqlite, pg, back]) expect((await upload(store, await store.runs.get('main'), 'model.pt', 'weights v6')).version).toBe('6');
  }, 60_000);
});
