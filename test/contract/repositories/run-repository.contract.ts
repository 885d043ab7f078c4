import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/domain/errors.js';
import type { Experiment } from '../../../src/domain/experiment.js';
import type { Run } from '../../../src/domain/run.js';
import { type RepositoryStore, T0, aRun, blobKey, param, idsOf, range, race, givenExperiment, givenRun, givenArtifact, holdings, NOTHING, givenFullRun, moveExperiment } from './support.js';

/** The RunRepository port's contract: every promise in its doc comments. */
export function runContract(store: () => RepositoryStore): void {
  let experiment: Experiment;

  beforeEach(async () => {
    experiment = await givenExperiment(store());
  });

  describe('create, get and getMany', () => {
    it('stores a run with every field and gives it back as it was given', async () => {
      const parent = await givenRun(store(), experiment.id);
      const run = aRun(experiment.id, {
        name: 'lr sweep 3',
        status: 'completed',
        tags: { 'mlflow.user': 'ada', note: 'ünïcode, commas; "quotes"', empty: '' },
        parentRunId: parent.id,
        createdBy: 'bob',
        startedAt: T0,
        completedAt: T0 + 61_001,
      });
      await store().runs.create(run, []);
      expect(await store().runs.get(run.id)).toEqual(run);
    });

    it('keeps a run without name, parent or completedAt without them', async () => {
      const run = await givenRun(store(), experiment.id);
      const got = await store().runs.get(run.id);
      expect(got).toEqual(run);
      expect([got.name, got.parentRunId, got.completedAt]).toEqual([undefined, undefined, undefined]);
    });

    it('stores its first parameters in the same write', async () => {
      const run = await givenRun(store(), experiment.id, {}, [param('lr', 0.01), param('arch', 'resnet'), param('amp', true)]);
      expect((await store().parameters.listForRuns([run.id])).get(run.id)).toEqual([
        param('amp', true),
        param('arch', 'resnet'),
        param('lr', 0.01),
      ]);
    });

    it('throws NotFoundError for an unknown experiment and stores nothing', async () => {
      const run = aRun('no-such-experiment');
      await expect(store().runs.create(run, [param('lr', 1)])).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.get(run.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('throws NotFoundError for an unknown parent run and stores neither the run nor its parameters', async () => {
      const run = aRun(experiment.id, { parentRunId: 'no-such-run' });
      await expect(store().runs.create(run, [param('lr', 1)])).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.get(run.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().runs.listAllByExperiments([experiment.id])).toEqual([]);
      // Made properly afterwards, the run has no parameters left over from the failed write.
      await givenRun(store(), experiment.id, { id: run.id });
      expect((await store().parameters.listForRuns([run.id])).get(run.id)).toEqual([]);
    });

    it('refuses an active run in a deleted experiment with ConflictError and stores nothing; a deleted run goes in, as a copied store brings it', async () => {
      await moveExperiment(store(), experiment.id, 'deleted');
      const run = aRun(experiment.id);
      await expect(store().runs.create(run, [param('lr', 1)])).rejects.toBeInstanceOf(ConflictError);
      await expect(store().runs.get(run.id)).rejects.toBeInstanceOf(NotFoundError);
      const trashed = aRun(experiment.id, { lifecycleStage: 'deleted' });
      await store().runs.create(trashed, [param('lr', 1)]);
      expect(await store().runs.get(trashed.id)).toEqual(trashed);
      // Restored, the experiment takes active runs again; the refused one left no parameters.
      await moveExperiment(store(), experiment.id, 'active');
      await givenRun(store(), experiment.id, { id: run.id });
      expect((await store().parameters.listForRuns([run.id])).get(run.id)).toEqual([]);
    });

    it('throws NotFoundError from get for an unknown id', async () => {
      await expect(store().runs.get('no-such-run')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('getMany gives runs in the order asked and leaves unknown ids out', async () => {
      const a = await givenRun(store(), experiment.id);
      const b = await givenRun(store(), experiment.id);
      expect(await store().runs.getMany([b.id, 'unknown', a.id])).toEqual([b, a]);
      expect(await store().runs.getMany([])).toEqual([]);
    });
  });

  describe('listAllByExperiments and listChildren', () => {
    it('lists every run of the experiments, experiments in the order given, newest first within each', async () => {
      const a = experiment;
      const b = await givenExperiment(store());
      const c = await givenExperiment(store());
      const a1 = await givenRun(store(), a.id, { startedAt: 1000 });
      const b1 = await givenRun(store(), b.id, { startedAt: 3000 });
      const a2 = await givenRun(store(), a.id, { startedAt: 2000 });
      const b2 = await givenRun(store(), b.id, { startedAt: 500 });
      const b3 = await givenRun(store(), b.id, { id: 'zz-tie', startedAt: 500 });
      await givenRun(store(), c.id, { startedAt: 9000 });
      expect(idsOf(await store().runs.listAllByExperiments([b.id, 'unknown', a.id]))).toEqual([b1.id, b3.id, b2.id, a2.id, a1.id]);
      expect(idsOf(await store().runs.listAllByExperiments([a.id, b.id]))).toEqual([a2.id, a1.id, b1.id, b3.id, b2.id]);
      expect(await store().runs.listAllByExperiments([])).toEqual([]);
    });

    it('lists the direct children of a run, newest first', async () => {
      const parent = await givenRun(store(), experiment.id);
      const older = await givenRun(store(), experiment.id, { parentRunId: parent.id, startedAt: T0 + 1 });
      const newer = await givenRun(store(), experiment.id, { parentRunId: parent.id, startedAt: T0 + 2 });
      const tied = await givenRun(store(), experiment.id, { id: 'zz-child', parentRunId: parent.id, startedAt: T0 + 1 });
      await givenRun(store(), experiment.id, { parentRunId: older.id });
      await givenRun(store(), experiment.id);
      expect(await store().runs.listChildren(parent.id)).toEqual([newer, tied, older]);
      expect(await store().runs.listChildren(newer.id)).toEqual([]);
      expect(await store().runs.listChildren('unknown')).toEqual([]);
    });
  });

  describe('update', () => {
    it('gives the change the current record and stores and returns its result', async () => {
      const run = await givenRun(store(), experiment.id, { tags: { a: '1' } });
      const seen: Run[] = [];
      const renamed = await store().runs.update(run.id, (r) => {
        seen.push(structuredClone(r));
        return { ...r, name: 'named', tags: { ...r.tags, b: '2' } };
      });
      const finished = await store().runs.update(run.id, (r) => {
        seen.push(structuredClone(r));
        return { ...r, status: 'completed', completedAt: T0 + 5000 };
      });
      expect(seen).toEqual([run, renamed]);
      expect(renamed).toEqual({ ...run, name: 'named', tags: { a: '1', b: '2' } });
      expect(finished).toEqual({ ...renamed, status: 'completed', completedAt: T0 + 5000 });
      expect(await store().runs.get(run.id)).toEqual(finished);
    });

    it('removes the name, the completedAt, the parent and tags the change leaves out', async () => {
      const parent = await givenRun(store(), experiment.id);
      const run = await givenRun(store(), experiment.id, {
        name: 'to go',
        status: 'failed',
        completedAt: T0 + 1,
        parentRunId: parent.id,
        tags: { keep: 'k', drop: 'd' },
      });
      const updated = await store().runs.update(run.id, ({ name: _n, completedAt: _c, parentRunId: _p, ...rest }) => ({
        ...rest,
        status: 'running',
        tags: { keep: 'k' },
      }));
      const expected = { ...run, status: 'running', tags: { keep: 'k' } };
      delete expected.name;
      delete expected.completedAt;
      delete expected.parentRunId;
      expect(updated).toEqual(expected);
      const got = await store().runs.get(run.id);
      expect(got).toEqual(expected);
      expect([got.name, got.completedAt, got.parentRunId]).toEqual([undefined, undefined, undefined]);
      expect(await store().runs.listChildren(parent.id)).toEqual([]);
    });

    it('writes only name, status, tags, completedAt, the lifecycle stage and the parent', async () => {
      const other = await givenExperiment(store());
      const parent = await givenRun(store(), experiment.id);
      const adopter = await givenRun(store(), other.id);
      const run = await givenRun(store(), experiment.id, { parentRunId: parent.id });
      const updated = await store().runs.update(run.id, (r) => ({
        ...r,
        status: 'completed',
        experimentId: other.id,
        startedAt: 1,
        createdBy: 'mallory',
        lifecycleStage: 'deleted',
        parentRunId: adopter.id,
      }));
      const expected = { ...run, status: 'completed', lifecycleStage: 'deleted', parentRunId: adopter.id };
      expect(updated).toEqual(expected);
      expect(await store().runs.get(run.id)).toEqual(expected);
      expect(await store().runs.listChildren(parent.id)).toEqual([]);
      expect(await store().runs.listChildren(adopter.id)).toEqual([expected]);
    });

    it('gives a run without a parent one, and keeps an unchanged parent', async () => {
      const parent = await givenRun(store(), experiment.id);
      const run = await givenRun(store(), experiment.id);
      const adopted = await store().runs.update(run.id, (r) => ({ ...r, parentRunId: parent.id }));
      expect(adopted).toEqual({ ...run, parentRunId: parent.id });
      const renamed = await store().runs.update(run.id, (r) => ({ ...r, name: 'renamed' }));
      expect(renamed).toEqual({ ...run, parentRunId: parent.id, name: 'renamed' });
      expect(await store().runs.listChildren(parent.id)).toEqual([renamed]);
    });

    it('throws NotFoundError for a new parent that does not exist, naming it, and leaves the run untouched', async () => {
      const parent = await givenRun(store(), experiment.id);
      const run = await givenRun(store(), experiment.id, { parentRunId: parent.id });
      const error = await store()
        .runs.update(run.id, (r) => ({ ...r, name: 'renamed', parentRunId: 'no-such-run' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ entity: 'run', id: 'no-such-run' });
      expect(await store().runs.get(run.id)).toEqual(run);
    });

    it("gives the change its experiment's lifecycle stage, read in the same step", async () => {
      const run = await givenRun(store(), experiment.id);
      const seen: string[] = [];
      const look = (r: Run, e: { lifecycleStage: string }): Run => {
        seen.push(e.lifecycleStage);
        return r;
      };
      await store().runs.update(run.id, look);
      await moveExperiment(store(), experiment.id, 'deleted');
      await store().runs.update(run.id, look);
      expect(seen).toEqual(['active', 'deleted']);
    });

    it('keeps every status, and moves a single run to the trash and back', async () => {
      for (const status of ['scheduled', 'killed', 'failed', 'running'] as const) {
        const run = await givenRun(store(), experiment.id);
        await store().runs.update(run.id, (r) => ({ ...r, status }));
        expect((await store().runs.get(run.id)).status).toBe(status);
      }
      const run = await givenRun(store(), experiment.id);
      await store().runs.update(run.id, (r) => ({ ...r, lifecycleStage: 'deleted' }));
      expect((await store().runs.get(run.id)).lifecycleStage).toBe('deleted');
      await store().runs.update(run.id, (r) => ({ ...r, lifecycleStage: 'active' }));
      expect(await store().runs.get(run.id)).toEqual(run);
    });

    it('leaves the run untouched when the change throws, and rethrows what it threw', async () => {
      const run = await givenRun(store(), experiment.id, { tags: { a: '1' } });
      const refusal = new ConflictError('finished');
      await expect(
        store().runs.update(run.id, (r) => {
          r.status = 'failed';
          r.tags.b = '2';
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(await store().runs.get(run.id)).toEqual(run);
    });

    it('throws NotFoundError for an unknown id', async () => {
      await expect(store().runs.update('unknown', (r) => r)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('of two concurrent finishes exactly one succeeds', async () => {
      const run = await givenRun(store(), experiment.id);
      const finish = (status: Run['status']) =>
        store().runs.update(run.id, (r) => {
          if (r.status !== 'running') throw new ConflictError('already finished');
          return { ...r, status, completedAt: T0 + 1 };
        });
      const { won, lost } = await race([finish('completed'), finish('failed')]);
      expect(won).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(ConflictError);
      expect((await store().runs.get(run.id)).status).toBe(won[0]?.status);
    });

    it('runs concurrent changes one after another, so none is lost', async () => {
      const run = await givenRun(store(), experiment.id);
      await Promise.all(range(20).map((i) => store().runs.update(run.id, (r) => ({ ...r, tags: { ...r.tags, [`t${i}`]: String(i) } }))));
      expect(Object.keys((await store().runs.get(run.id)).tags)).toHaveLength(20);
    });
  });

  describe('delete', () => {
    it('removes the run with its parameters, metrics and artifact records, and returns their blob keys', async () => {
      const run = await givenFullRun(store(), experiment.id, blobKey('one'));
      await givenArtifact(store(), run, { name: 'plot.png', type: 'figure', path: blobKey('two') });
      expect(new Set(await store().runs.delete(run.id))).toEqual(new Set([blobKey('one'), blobKey('two')]));
      await expect(store().runs.get(run.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().runs.listAllByExperiments([experiment.id])).toEqual([]);
      expect(await store().artifacts.find(run.id, 'model.pt')).toBeUndefined();
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual([]);
      expect(await store().artifacts.referencedBlobs([blobKey('one'), blobKey('two')])).toEqual(new Set());
      expect(await holdings(store(), run.id)).toEqual(NOTHING);
    });

    it('leaves nothing behind that a run made again with the same id would find', async () => {
      const run = await givenFullRun(store(), experiment.id, blobKey('one'));
      await store().runs.delete(run.id);
      await givenRun(store(), experiment.id, { id: run.id });
      expect(await holdings(store(), run.id)).toEqual(NOTHING);
    });

    it('detaches its children, which keep their own children', async () => {
      const run = await givenRun(store(), experiment.id);
      const child = await givenRun(store(), experiment.id, { parentRunId: run.id });
      const grandchild = await givenRun(store(), experiment.id, { parentRunId: child.id });
      await store().runs.delete(run.id);
      const { parentRunId: _detached, ...orphan } = child;
      expect(await store().runs.get(child.id)).toEqual(orphan);
      expect(await store().runs.listChildren(run.id)).toEqual([]);
      expect(await store().runs.listChildren(child.id)).toEqual([grandchild]);
    });

    it('leaves other runs alone, including artifacts sharing a blob', async () => {
      const doomed = await givenFullRun(store(), experiment.id, blobKey('shared'));
      const sibling = await givenFullRun(store(), experiment.id, blobKey('shared'));
      const before = await holdings(store(), sibling.id);
      expect(await store().runs.delete(doomed.id)).toEqual([blobKey('shared')]);
      expect(await holdings(store(), sibling.id)).toEqual(before);
      expect(await store().artifacts.referencedBlobs([blobKey('shared')])).toEqual(new Set([blobKey('shared')]));
    });

    it('returns [] for a run without artifacts, and NotFoundError for an unknown id', async () => {
      const run = await givenRun(store(), experiment.id);
      expect(await store().runs.delete(run.id)).toEqual([]);
      await expect(store().runs.delete(run.id)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('stores values, not references: changing a given or returned run changes nothing stored', async () => {
    const run = aRun(experiment.id, { tags: { a: '1' } });
    await store().runs.create(run, []);
    run.tags.given = 'later';
    (await store().runs.get(run.id)).tags.returned = 'later';
    const [listed] = await store().runs.listAllByExperiments([experiment.id]);
    if (listed) listed.tags.listed = 'later';
    const [many] = await store().runs.getMany([run.id]);
    if (many) many.tags.many = 'later';
    expect((await store().runs.get(run.id)).tags).toEqual({ a: '1' });
  });

  it('keeps who deleted a run: as created, as changed, and cleared when the change leaves it out', async () => {
    const copied = aRun(experiment.id, { lifecycleStage: 'deleted', deletedBy: 'ada' });
    await store().runs.create(copied, []);
    expect(await store().runs.get(copied.id)).toEqual(copied);
    const run = await givenRun(store(), experiment.id);
    expect(await store().runs.update(run.id, (current) => ({ ...current, lifecycleStage: 'deleted', deletedBy: 'bob' }))).toMatchObject({ deletedBy: 'bob' });
    expect((await store().runs.getMany([run.id]))[0]?.deletedBy).toBe('bob');
    const restored = await store().runs.update(run.id, (current) => {
      const next = { ...current, lifecycleStage: 'active' as const };
      delete next.deletedBy;
      return next;
    });
    expect(restored).not.toHaveProperty('deletedBy');
    expect(await store().runs.get(run.id)).not.toHaveProperty('deletedBy');
  });
}

// ---------------------------------------------------------------------------------------------
