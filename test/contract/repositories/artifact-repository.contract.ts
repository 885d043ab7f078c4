import { beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactRepository } from '../../../src/application/ports/artifact-repository.js';
import { highestVersion, type Artifact } from '../../../src/domain/artifact.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import type { Experiment } from '../../../src/domain/experiment.js';
import type { Run } from '../../../src/domain/run.js';
import { type RepositoryStore, T0, aRun, blobKey, anArtifact, idsOf, range, race, givenExperiment, givenRun, givenArtifact } from './support.js';

/** The ArtifactRepository port's contract: every promise in its doc comments. */
export function artifactContract(store: () => RepositoryStore): void {
  let experiment: Experiment;
  let run: Run;
  let sibling: Run;
  const versionsOf = (artifacts: readonly Artifact[]) => artifacts.map((a) => a.version);

  beforeEach(async () => {
    experiment = await givenExperiment(store());
    run = await givenRun(store(), experiment.id);
    sibling = await givenRun(store(), experiment.id);
  });

  describe('create', () => {
    it('stores the record as given and returns it with its version', async () => {
      const input = anArtifact(run, {
        name: 'models/best.pt',
        type: 'model',
        size: 5_000_000_000,
        tags: ['best', 'prod'],
        contentType: 'application/x-pytorch',
        metadata: { framework: 'torch', layers: [1, 2, { nested: true }], note: null },
        uploadedAt: T0 + 1,
      });
      const created = await store().artifacts.create(input);
      expect(created).toEqual({ ...input, version: '1' });
      expect(await store().artifacts.find(run.id, 'models/best.pt')).toEqual(created);
    });

    it('numbers versions per experiment and name, across runs: "1", "2", …', async () => {
      const other = await givenExperiment(store());
      const elsewhere = await givenRun(store(), other.id);
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('1');
      expect((await givenArtifact(store(), sibling, { name: 'model' })).version).toBe('2');
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('3');
      expect((await givenArtifact(store(), run, { name: 'data.csv' })).version).toBe('1');
      expect((await givenArtifact(store(), elsewhere, { name: 'model' })).version).toBe('1');
    });

    it('keeps a given version, and refuses one already taken with AlreadyExistsError, storing nothing', async () => {
      expect((await givenArtifact(store(), run, { name: 'model', version: 'v-best' })).version).toBe('v-best');
      await givenArtifact(store(), run, { name: 'model' });
      const before = await store().artifacts.listByExperiment(experiment.id, {});
      await expect(givenArtifact(store(), sibling, { name: 'model', version: 'v-best' })).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(givenArtifact(store(), run, { name: 'model', version: '1' })).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual(before);
    });

    it('lets a given version repeat under another name or in another experiment', async () => {
      const other = await givenExperiment(store());
      const elsewhere = await givenRun(store(), other.id);
      await givenArtifact(store(), run, { name: 'model', version: 'v1' });
      expect((await givenArtifact(store(), run, { name: 'tokenizer', version: 'v1' })).version).toBe('v1');
      expect((await givenArtifact(store(), elsewhere, { name: 'model', version: 'v1' })).version).toBe('v1');
    });

    it('numbers on after given versions: past the highest whole number, ignoring others', async () => {
      await givenArtifact(store(), run, { name: 'model' });
      await givenArtifact(store(), run, { name: 'model', version: 'best' });
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('2');
      await givenArtifact(store(), run, { name: 'model', version: '7' });
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('8');
      await givenArtifact(store(), run, { name: 'model', version: '10' });
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('11');
      await givenArtifact(store(), run, { name: 'model', version: '4' });
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('12');
    });

    it('never numbers onto a version already held, past 15 digits too', async () => {
      await givenArtifact(store(), run, { name: 'model', version: '999999999999999' });
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('1000000000000000');
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('1000000000000001');
    });

    it('throws NotFoundError for an unknown run and stores nothing', async () => {
      const ghost = aRun(experiment.id, { id: 'no-such-run' });
      await expect(store().artifacts.create(anArtifact(ghost))).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual([]);
    });
  });

  describe('listing and finding', () => {
    it('lists per run every version of every artifact, newest first, and none for a run without', async () => {
      const old = await givenArtifact(store(), run, { name: 'model', uploadedAt: T0 + 100 });
      const data = await givenArtifact(store(), run, { name: 'data.csv', type: 'dataset', uploadedAt: T0 + 200 });
      const fresh = await givenArtifact(store(), run, { name: 'model', uploadedAt: T0 + 300 });
      const theirs = await givenArtifact(store(), sibling, { name: 'model', uploadedAt: T0 + 400 });
      const bare = await givenRun(store(), experiment.id);
      const listed = await store().artifacts.listForRuns([run.id, bare.id, sibling.id]);
      expect(listed.get(run.id)).toEqual([fresh, data, old]);
      expect(listed.get(sibling.id)).toEqual([theirs]);
      // Unlike the parameter and metric ports, this one does not promise an entry for a run without any.
      expect(listed.get(bare.id) ?? []).toEqual([]);
    });

    it('breaks ties in upload time by version number, compared as numbers', async () => {
      for (let i = 0; i < 12; i++) await givenArtifact(store(), run, { name: 'ckpt' });
      const expected = range(12).map((i) => String(12 - i));
      expect(versionsOf((await store().artifacts.listForRuns([run.id])).get(run.id) ?? [])).toEqual(expected);
      expect(versionsOf(await store().artifacts.listByExperiment(experiment.id, {}))).toEqual(expected);
      expect((await store().artifacts.find(run.id, 'ckpt'))?.version).toBe('12');
    });

    it('breaks ties of non-numeric versions by id, descending', async () => {
      await givenArtifact(store(), run, { id: 'a-1', name: 'model', version: 'beta' });
      await givenArtifact(store(), run, { id: 'a-3', name: 'model', version: 'alpha' });
      await givenArtifact(store(), run, { id: 'a-2', name: 'model', version: 'gamma' });
      expect(idsOf(await store().artifacts.listByExperiment(experiment.id, {}))).toEqual(['a-3', 'a-2', 'a-1']);
    });

    it("lists an experiment's versions across runs newest first, by name, by type or both", async () => {
      const other = await givenExperiment(store());
      await givenArtifact(store(), await givenRun(store(), other.id), { name: 'model', uploadedAt: T0 + 999 });
      const m1 = await givenArtifact(store(), run, { name: 'model', type: 'model', uploadedAt: T0 + 1 });
      const d1 = await givenArtifact(store(), sibling, { name: 'data.csv', type: 'dataset', uploadedAt: T0 + 2 });
      const m2 = await givenArtifact(store(), sibling, { name: 'model', type: 'model', uploadedAt: T0 + 3 });
      const f1 = await givenArtifact(store(), run, { name: 'model', type: 'figure', uploadedAt: T0 + 4 });
      const list = (filter: Parameters<ArtifactRepository['listByExperiment']>[1]) => store().artifacts.listByExperiment(experiment.id, filter);
      expect(await list({})).toEqual([f1, m2, d1, m1]);
      expect(await list({ name: 'model' })).toEqual([f1, m2, m1]);
      expect(await list({ type: 'model' })).toEqual([m2, m1]);
      expect(await list({ name: 'model', type: 'figure' })).toEqual([f1]);
      expect(await list({ name: 'data.csv', type: 'model' })).toEqual([]);
      expect(await list({ name: 'mod' })).toEqual([]);
    });

    it('finds the newest version of a name in a run, or the version asked, and undefined otherwise', async () => {
      const v1 = await givenArtifact(store(), run, { name: 'model', uploadedAt: T0 + 1 });
      const v2 = await givenArtifact(store(), run, { name: 'model', uploadedAt: T0 + 2 });
      const theirs = await givenArtifact(store(), sibling, { name: 'model', uploadedAt: T0 + 3 });
      await givenArtifact(store(), run, { name: 'model/extra', uploadedAt: T0 + 4 });
      expect(await store().artifacts.find(run.id, 'model')).toEqual(v2);
      expect(await store().artifacts.find(run.id, 'model', '1')).toEqual(v1);
      expect(await store().artifacts.find(sibling.id, 'model')).toEqual(theirs);
      expect(await store().artifacts.find(run.id, 'model', theirs.version)).toBeUndefined();
      expect(await store().artifacts.find(run.id, 'model', '9')).toBeUndefined();
      expect(await store().artifacts.find(run.id, 'mode')).toBeUndefined();
      expect(await store().artifacts.find('no-such-run', 'model')).toBeUndefined();
    });

    it('finds the latest upload as the newest, whatever its version', async () => {
      await givenArtifact(store(), run, { name: 'model', uploadedAt: T0 + 1 });
      const latest = await givenArtifact(store(), run, { name: 'model', version: 'final', uploadedAt: T0 + 2 });
      expect(await store().artifacts.find(run.id, 'model')).toEqual(latest);
    });
  });

  describe('deleteByName', () => {
    const namesIn = async (r: Run) => ((await store().artifacts.listForRuns([r.id])).get(r.id) ?? []).map((a) => `${a.name}@${a.version}`).sort();

    it('with below, removes a directory: the name and every name under name/, and nothing that only starts like it', async () => {
      const other = await givenRun(store(), experiment.id);
      for (const name of ['d', 'd/a', 'd/b/c', 'd.txt', 'd0', 'dx', 'd-1/a', 'e/d/x', 'D/a']) await givenArtifact(store(), run, { name, path: blobKey(name) });
      await givenArtifact(store(), other, { name: 'd/a', path: blobKey('other') });
      const removed = await store().artifacts.deleteByName(run.id, 'd', { below: true });
      expect([...removed].sort()).toEqual([blobKey('d'), blobKey('d/a'), blobKey('d/b/c')].sort());
      expect(await namesIn(run)).toEqual(['D/a@1', 'd-1/a@1', 'd.txt@1', 'd0@1', 'dx@1', 'e/d/x@1']);
      expect(await namesIn(other)).toEqual(['d/a@2']);
      expect(await store().artifacts.deleteByName(run.id, 'b', { below: true })).toEqual([]);
    });

    it('removes every version of the name in that run, and returns the blob keys they pointed at, each once', async () => {
      await givenArtifact(store(), run, { name: 'model', path: blobKey('v1') });
      await givenArtifact(store(), run, { name: 'model', path: blobKey('v2') });
      await givenArtifact(store(), run, { name: 'model', path: blobKey('v2'), version: 'best' });
      await givenArtifact(store(), run, { name: 'data.csv', path: blobKey('data') });
      const removed = await store().artifacts.deleteByName(run.id, 'model');
      expect([...removed].sort()).toEqual([blobKey('v1'), blobKey('v2')].sort());
      expect(await namesIn(run)).toEqual(['data.csv@1']);
      expect(await store().artifacts.find(run.id, 'model')).toBeUndefined();
      expect(await store().artifacts.find(run.id, 'model', 'best')).toBeUndefined();
    });

    it('leaves the name in other runs, and names that only start with it, alone', async () => {
      await givenArtifact(store(), run, { name: 'model' });
      const theirs = await givenArtifact(store(), sibling, { name: 'model' });
      const nested = await givenArtifact(store(), run, { name: 'model/weights.bin' });
      const longer = await givenArtifact(store(), run, { name: 'models' });
      await store().artifacts.deleteByName(run.id, 'model');
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual(expect.arrayContaining([theirs, nested, longer]));
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toHaveLength(3);
    });

    it('matches the name exactly: by case, and by code point (no Unicode normalisation)', async () => {
      const composed = await givenArtifact(store(), run, { name: 'café/model' });
      const decomposed = await givenArtifact(store(), run, { name: 'cafe\u0301/model' });
      const upper = await givenArtifact(store(), run, { name: 'Model' });
      await givenArtifact(store(), run, { name: 'model' });
      expect(await store().artifacts.deleteByName(run.id, 'model')).toHaveLength(1);
      expect(await store().artifacts.deleteByName(run.id, 'MODEL')).toEqual([]);
      expect(await store().artifacts.deleteByName(run.id, 'café/model')).toEqual([composed.path]);
      expect(idsOf(await store().artifacts.listByExperiment(experiment.id, {})).sort()).toEqual([decomposed.id, upper.id].sort());
    });

    it('returns the keys even when other records still point at them: freeing is the caller\'s check', async () => {
      await givenArtifact(store(), run, { name: 'model', path: blobKey('shared') });
      await givenArtifact(store(), sibling, { name: 'copy', path: blobKey('shared') });
      expect(await store().artifacts.deleteByName(run.id, 'model')).toEqual([blobKey('shared')]);
      expect(await store().artifacts.referencedBlobs([blobKey('shared')])).toEqual(new Set([blobKey('shared')]));
      expect(await store().artifacts.deleteByName(sibling.id, 'copy')).toEqual([blobKey('shared')]);
      expect(await store().artifacts.referencedBlobs([blobKey('shared')])).toEqual(new Set());
    });

    it('returns nothing and removes nothing when the run holds no such name', async () => {
      await givenArtifact(store(), sibling, { name: 'model' });
      const before = await store().artifacts.listByExperiment(experiment.id, {});
      expect(await store().artifacts.deleteByName(run.id, 'model')).toEqual([]);
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual(before);
    });

    it('throws NotFoundError for an unknown run', async () => {
      await expect(store().artifacts.deleteByName('no-such-run', 'model')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lets a version the caller gave be given again once its record is gone', async () => {
      await givenArtifact(store(), run, { name: 'model', version: 'prod' });
      await store().artifacts.deleteByName(run.id, 'model');
      expect((await givenArtifact(store(), sibling, { name: 'model', version: 'prod' })).version).toBe('prod');
    });

    it('numbers the next upload past the versions other runs still hold', async () => {
      await givenArtifact(store(), sibling, { name: 'model' });
      await givenArtifact(store(), run, { name: 'model' });
      await givenArtifact(store(), sibling, { name: 'model' });
      await store().artifacts.deleteByName(run.id, 'model');
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('4');
    });

    it('numbers the next upload past the deleted versions too: a number is never given twice', async () => {
      await givenArtifact(store(), sibling, { name: 'model' });
      await givenArtifact(store(), run, { name: 'model' });
      await givenArtifact(store(), run, { name: 'model' });
      await store().artifacts.deleteByName(run.id, 'model');
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('4');
      await store().artifacts.deleteByName(run.id, 'model');
      await store().artifacts.deleteByName(sibling.id, 'model');
      expect((await givenArtifact(store(), sibling, { name: 'model' })).version).toBe('5');
    });

    it('counts past a deleted version the caller gave as a whole number', async () => {
      await givenArtifact(store(), run, { name: 'model', version: '41' });
      await store().artifacts.deleteByName(run.id, 'model');
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('42');
    });

    it("numbers past versions whose run was deleted, and not in other names' or experiments' counts", async () => {
      const other = await givenExperiment(store());
      await givenArtifact(store(), sibling, { name: 'model' });
      await givenArtifact(store(), sibling, { name: 'model' });
      await store().runs.delete(sibling.id);
      expect((await givenArtifact(store(), run, { name: 'model' })).version).toBe('3');
      expect((await givenArtifact(store(), run, { name: 'tokenizer' })).version).toBe('1');
      expect((await givenArtifact(store(), await givenRun(store(), other.id), { name: 'model' })).version).toBe('1');
    });

    it('of two concurrent deletes of a name, one removes it and the other finds nothing', async () => {
      await givenArtifact(store(), run, { name: 'model', path: blobKey('m') });
      const results = await Promise.all([store().artifacts.deleteByName(run.id, 'model'), store().artifacts.deleteByName(run.id, 'model')]);
      expect(results.sort((a, b) => a.length - b.length)).toEqual([[], [blobKey('m')]]);
    });
  });

  describe('referencedBlobs', () => {
    it('tells which of the keys some record points at', async () => {
      await givenArtifact(store(), run, { path: blobKey('a') });
      await givenArtifact(store(), sibling, { path: blobKey('b') });
      await givenArtifact(store(), sibling, { path: blobKey('b') });
      expect(await store().artifacts.referencedBlobs([blobKey('a'), blobKey('b'), blobKey('nothing')])).toEqual(new Set([blobKey('a'), blobKey('b')]));
      expect(await store().artifacts.referencedBlobs([blobKey('nothing')])).toEqual(new Set());
      expect(await store().artifacts.referencedBlobs([])).toEqual(new Set());
    });
  });

  describe('version marks', () => {
    const marksOf = (id = experiment.id) => store().artifacts.versionMarks(id);
    const raise = (marks: Record<string, string>, id = experiment.id) => store().artifacts.raiseVersionMarks(id, new Map(Object.entries(marks)));

    it('reads per name the highest whole-number version ever recorded: deleted ones, and names without records, included', async () => {
      const other = await givenExperiment(store());
      for (let i = 0; i < 5; i++) await givenArtifact(store(), i < 3 ? run : sibling, { name: 'model.pt' });
      await store().artifacts.deleteByName(sibling.id, 'model.pt');
      await givenArtifact(store(), sibling, { name: 'scratch.bin' });
      await givenArtifact(store(), sibling, { name: 'notes', version: '41' });
      await store().runs.delete(sibling.id);
      await givenArtifact(store(), run, { name: 'tokenizer', version: 'prod' });
      await givenArtifact(store(), await givenRun(store(), other.id), { name: 'model.pt' });

      expect(await marksOf()).toEqual(new Map([['model.pt', '5'], ['scratch.bin', '1'], ['notes', '41']]));
      expect(await marksOf(other.id)).toEqual(new Map([['model.pt', '1']]));
      expect(await marksOf('no-such-experiment')).toEqual(new Map());
    });

    it('raises marks compared as numbers, never lowers them, and leaves names not given alone', async () => {
      await givenArtifact(store(), run, { name: 'model.pt', version: '9' });
      await givenArtifact(store(), run, { name: 'data.csv' });
      await givenArtifact(store(), run, { name: 'weights', version: '1000000000000000' });

      await raise({ 'model.pt': '10', 'data.csv': '1', weights: '999999999999999', fresh: '7' });

      expect(await marksOf()).toEqual(new Map([['model.pt', '10'], ['data.csv', '1'], ['weights', '1000000000000000'], ['fresh', '7']]));
      await raise({ 'model.pt': '9', fresh: '3' });
      await raise({});
      expect(await marksOf()).toEqual(new Map([['model.pt', '10'], ['data.csv', '1'], ['weights', '1000000000000000'], ['fresh', '7']]));
    });

    it('numbers the next upload past a raised mark, with or without records of the name', async () => {
      await givenArtifact(store(), run, { name: 'model.pt' });
      await raise({ 'model.pt': '5', fresh: '2', named: '1' });
      await givenArtifact(store(), run, { name: 'named', version: 'prod' });
      expect((await givenArtifact(store(), run, { name: 'model.pt' })).version).toBe('6');
      expect((await givenArtifact(store(), sibling, { name: 'fresh' })).version).toBe('3');
      expect((await givenArtifact(store(), run, { name: 'named' })).version).toBe('2');
      // A version below the mark may still be given by hand while unused, and lowers nothing.
      expect((await givenArtifact(store(), run, { name: 'model.pt', version: '4' })).version).toBe('4');
      expect((await givenArtifact(store(), run, { name: 'model.pt' })).version).toBe('7');
    });

    it('refuses an unknown experiment with NotFoundError, and a mark that is no whole-number version with InvalidArgumentError, raising nothing', async () => {
      await givenArtifact(store(), run, { name: 'model.pt' });
      await expect(raise({ 'model.pt': '3' }, 'no-such-experiment')).rejects.toBeInstanceOf(NotFoundError);
      await expect(raise({}, 'no-such-experiment')).rejects.toBeInstanceOf(NotFoundError);
      for (const bad of ['0', '007', '1.5', '-3', 'prod', '', '1'.repeat(64)]) {
        await expect(raise({ 'model.pt': '9', other: bad })).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      expect(await marksOf()).toEqual(new Map([['model.pt', '1']]));
      expect(await marksOf('no-such-experiment')).toEqual(new Map());
    });

    it('go with their experiment when it is purged', async () => {
      await givenArtifact(store(), run, { name: 'model.pt' });
      await raise({ fresh: '4' });
      await store().experiments.purge(experiment.id);
      expect(await marksOf()).toEqual(new Map());
    });

    it('raised while uploads of the name run concurrently, numbers stay unique and the mark ends at the highest of them all', async () => {
      const uploads = range(10).map(() => givenArtifact(store(), run, { name: 'model.pt' }));
      const [created] = await Promise.all([Promise.all(uploads), raise({ 'model.pt': '5' })]);
      const versions = versionsOf(created);
      expect(new Set(versions).size).toBe(10);
      const highest = highestVersion([...versions, '5']) as string;
      expect(await marksOf()).toEqual(new Map([['model.pt', highest]]));
      expect((await givenArtifact(store(), sibling, { name: 'model.pt' })).version).toBe(String(Number(highest) + 1));
    });
  });

  describe('under concurrency', () => {
    it('20 concurrent creates of one name get versions "1".."20", unique and without gaps', async () => {
      const created = await Promise.all(range(20).map((i) => givenArtifact(store(), i % 2 === 0 ? run : sibling, { name: 'model' })));
      expect(versionsOf(created).sort((a, b) => Number(a) - Number(b))).toEqual(range(20).map((i) => String(i + 1)));
    });

    it('of concurrent creates with one given version exactly one wins', async () => {
      const { won, lost } = await race(range(5).map(() => givenArtifact(store(), run, { name: 'model', version: 'release' })));
      expect(won).toHaveLength(1);
      for (const reason of lost) expect(reason).toBeInstanceOf(AlreadyExistsError);
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual(won);
    });
  });

  it('stores values, not references', async () => {
    const input = anArtifact(run, { tags: ['a'], metadata: { k: 'v' } });
    const created = await store().artifacts.create(input);
    input.tags.push('given');
    input.metadata.k = 'changed';
    created.tags.push('returned');
    const found = await store().artifacts.find(run.id, input.name);
    found?.tags.push('found');
    expect(await store().artifacts.find(run.id, input.name)).toMatchObject({ tags: ['a'], metadata: { k: 'v' } });
  });
}
