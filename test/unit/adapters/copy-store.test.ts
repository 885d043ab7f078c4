import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../../src/adapters/blob/fs/fs-blob-store.js';
import { createSqliteStore } from '../../../src/adapters/persistence/sqlite/sqlite-store.js';
import { CopyStore, StoreCopyError, type CopyProgress } from '../../../src/application/use-cases/maintenance/copy-store.js';
import { takeCensus } from '../../../src/application/use-cases/maintenance/store-census.js';
import type { ArtifactRepository } from '../../../src/application/ports/artifact-repository.js';
import type { Artifact } from '../../../src/domain/artifact.js';
import { everything, experiment, givenRichStore, RICH_COUNTS, SHA256, upload, type TestStore } from './copy-store-fixture.js';

/**
 * `fathom migrate-store`'s use case between two real SQLite stores with files for blobs: the
 * copy must be indistinguishable through every read the ports offer.
 */

interface SqliteTestStore extends TestStore {
  dir: string;
}

const dirs: string[] = [];
const open: TestStore[] = [];

async function aStore(): Promise<SqliteTestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'fathom-copy-'));
  dirs.push(dir);
  const records = createSqliteStore(join(dir, 'fathom.db'), { backgroundCheckpoints: false });
  const store = { ...records, dir, blobs: await FsBlobStore.open(join(dir, 'blobs')) };
  open.push(store);
  return store;
}

let source: SqliteTestStore;
let target: SqliteTestStore;

beforeEach(async () => {
  source = await aStore();
  target = await aStore();
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function blobFile(store: SqliteTestStore, key: string): string {
  return join(store.dir, 'blobs', ...key.split('/'));
}

describe('CopyStore (SQLite to SQLite, files for blobs)', () => {
  it('copies everything: every read through the ports gives the same on the copy, and the verification agrees', async () => {
    await givenRichStore(source);
    const before = await everything(source);
    expect(before.search.length).toBeGreaterThan(1);
    const progress: CopyProgress[] = [];

    const report = await new CopyStore(source, target, SHA256).execute({ onProgress: (p) => progress.push(p) });

    expect(await everything(target)).toEqual(before);
    expect(await everything(source)).toEqual(before);
    const counts = RICH_COUNTS;
    expect(report).toEqual({ source: counts, target: counts, mismatches: [], problems: [], verified: true });
    // A line's worth per phase, in order, each ending with its totals.
    const finished = progress.filter((p) => p.finished);
    expect(finished.map((p) => p.phase)).toEqual(['census', 'users', 'experiments', 'runs', 'metrics', 'artifacts', 'verify']);
    expect(finished.find((p) => p.phase === 'users')?.done).toEqual({ users: 2, tokens: 3 });
    expect(finished.find((p) => p.phase === 'metrics')?.done).toEqual({ metricSeries: 5, metricPoints: counts.metricPoints });
    expect(finished.find((p) => p.phase === 'artifacts')?.done).toEqual({ artifacts: 10, blobs: 4, blobBytes: counts.blobBytes, versionMarks: 6 });
  });

  it('leaves the target numbering versions on as the source would: past deleted versions, never giving a number twice', async () => {
    await givenRichStore(source);
    await new CopyStore(source, target, SHA256).execute();
    for (const store of [source, target]) {
      const main = await store.runs.get('main');
      // model.pt had versions 1 to 5, and 4 and 5 were deleted.
      expect((await upload(store, main, 'model.pt', 'weights v6')).version).toBe('6');
      expect((await upload(store, main, 'scratch.bin', 'scratch')).version).toBe('2');
      expect((await upload(store, main, 'model', 'weights v4')).version).toBe('4');
    }
  });

  it('does not verify a target that lost version marks, naming what it would number differently', async () => {
    await givenRichStore(source);
    // A target store whose marks stay where its records put them.
    const artifacts = Object.create(target.artifacts, { raiseVersionMarks: { value: async () => undefined } }) as ArtifactRepository;

    const report = await new CopyStore(source, { ...target, artifacts }, SHA256).execute();

    expect(report.verified).toBe(false);
    expect(report.mismatches).toEqual(['versionMarks']);
    expect(report.target.versionMarks).toBe(5);
    expect(report.problems.sort()).toEqual([
      "the next automatic version of artifact 'model.pt' in experiment vision would be 6 in the source but 4 in the target",
      "the next automatic version of artifact 'scratch.bin' in experiment vision would be 2 in the source but 1 in the target",
    ]);
  });

  it('refuses a target that holds anything, and changes nothing', async () => {
    await givenRichStore(source);
    await target.experiments.create(experiment('0', { name: 'Default', createdBy: 'fathom' }));
    const before = await everything(source);

    const copy = new CopyStore(source, target, SHA256).execute();

    await expect(copy).rejects.toBeInstanceOf(StoreCopyError);
    await expect(copy).rejects.toThrow(/the target is not empty: it holds experiment 'Default' \(id 0\), which a server creates when it starts \(copy before starting one on the target\)/);
    expect((await everything(target)).experiments.map((e) => e.id)).toEqual(['0']);
    expect(await everything(source)).toEqual(before);
  });

  it('refuses a target that already holds a user, and writes nothing there', async () => {
    await givenRichStore(source);
    await target.access.addUser({ name: 'admin', role: 'admin', createdAt: 0 });
    await expect(new CopyStore(source, target, SHA256).execute()).rejects.toThrow("the target is not empty: it holds user 'admin'");
    expect((await everything(target)).users.map((u) => u.name)).toEqual(['admin']);
    expect((await everything(target)).experiments).toEqual([]);
  });

  it('copies an empty store into an empty one', async () => {
    const report = await new CopyStore(source, target, SHA256).execute();
    expect(report.verified).toBe(true);
    expect(report.target.experiments).toBe(0);
  });

  it('stops at a source blob whose bytes are not what its record says, naming the artifact, and leaves no stray blob', async () => {
    await givenRichStore(source);
    const figure = (await source.artifacts.find('main', 'résultats/figure 1.png')) as Artifact;
    const file = blobFile(source, figure.path);
    const damaged = Buffer.from(await readFile(file));
    damaged[0] = (damaged[0] as number) ^ 0xff; // same size: only the hash can tell
    await writeFile(file, damaged);

    const copy = new CopyStore(source, target, SHA256).execute();

    await expect(copy).rejects.toBeInstanceOf(StoreCopyError);
    await expect(copy).rejects.toThrow(/artifact 'résultats\/figure 1.png' version 1 of run main .* holds 6 bytes with SHA-256 [0-9a-f]{64}, where its record says 6 bytes/);
    const hex = createHash('sha256').update(damaged).digest('hex');
    expect(await target.blobs.size(`sha256/${hex.slice(0, 2)}/${hex}`)).toBeUndefined();
    expect(await target.artifacts.find('main', 'résultats/figure 1.png')).toBeUndefined();
  });

  it('stops at a source blob that grew or went missing', async () => {
    await givenRichStore(source);
    const model = (await source.artifacts.find('main', 'model', '2')) as Artifact;
    await writeFile(blobFile(source, model.path), 'weights v2, and then some');
    await expect(new CopyStore(source, target, SHA256).execute()).rejects.toThrow(/version 2 of run main .* holds more than the 10 bytes its record says/);

    const fresh = await aStore();
    await rm(blobFile(source, model.path));
    await expect(new CopyStore(source, fresh, SHA256).execute()).rejects.toThrow(/the source has no blob for artifact 'model' version 2 of run main/);
  });
});

describe('takeCensus, thorough (the verification)', () => {
  it('re-reads every blob and names one that is damaged or missing', async () => {
    await givenRichStore(source);
    expect((await takeCensus(source, { thorough: { digest: SHA256 } })).problems).toEqual([]);
    const v1 = (await source.artifacts.find('main', 'model', '1')) as Artifact;
    const v2 = (await source.artifacts.find('main', 'model', '2')) as Artifact;
    await writeFile(blobFile(source, v1.path), 'weights v9');
    await rm(blobFile(source, v2.path));

    const census = await takeCensus(source, { thorough: { digest: SHA256 } });

    expect(census.problems).toHaveLength(2);
    expect(census.problems).toContainEqual(expect.stringMatching(new RegExp(`^the blob of artifact '[^']+' version \\S+ of run \\S+ \\(${v1.path}\\) holds 10 bytes with SHA-256 (?!${v1.sha256})`)));
    expect(census.problems).toContain(`the blob of artifact 'model' version 2 of run main is missing (${v2.path})`);
    expect(census.counts.blobs).toBe(4);
  });
});
