import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/domain/errors.js';
import type { ParameterValueCount } from '../../../src/domain/parameter-space.js';
import type { Run } from '../../../src/domain/run.js';
import { type RepositoryStore, param, range, byKey, race, givenExperiment, givenRun, moveExperiment } from './support.js';

/** The ParameterRepository port's contract: every promise in its doc comments. */
export function parameterContract(store: () => RepositoryStore): void {
  let run: Run;
  const stored = async (runId = run.id) => (await store().parameters.listForRuns([runId])).get(runId);

  beforeEach(async () => {
    const experiment = await givenExperiment(store());
    run = await givenRun(store(), experiment.id);
  });

  it('adds parameters, counts the new ones and lists them sorted by key (code unit order)', async () => {
    expect(await store().parameters.add(run.id, [param('lr', 0.1), param('Batch', 32), param('arch', 'resnet')])).toBe(3);
    expect(await store().parameters.add(run.id, [param('_seed', 7)])).toBe(1);
    expect(await stored()).toEqual([param('Batch', 32), param('_seed', 7), param('arch', 'resnet'), param('lr', 0.1)]);
  });

  it('keeps each value with its type', async () => {
    const values = [
      param('str', 'resnet'),
      param('numeric-string', '007'),
      param('true-string', 'true'),
      param('empty', ''),
      param('int', 42),
      param('float', 0.1),
      param('tiny', -2.5e-7),
      param('huge', 1e21),
      param('zero', 0),
      param('yes', true),
      param('no', false),
      param('unicode', 'größe ✓ 🚀'),
    ];
    await store().parameters.add(run.id, values);
    expect(await stored()).toEqual([...values].sort(byKey));
  });

  it('treats a key held with the same value as a no-op, counted as not new', async () => {
    await store().parameters.add(run.id, [param('lr', 0.1), param('arch', 'resnet')]);
    expect(await store().parameters.add(run.id, [param('lr', 0.1)])).toBe(0);
    expect(await store().parameters.add(run.id, [param('arch', 'resnet'), param('epochs', 10)])).toBe(1);
    expect(await stored()).toEqual([param('arch', 'resnet'), param('epochs', 10), param('lr', 0.1)]);
  });

  it('refuses another value with ConflictError naming the key and both values, and stores nothing of the batch', async () => {
    await store().parameters.add(run.id, [param('lr', 0.1)]);
    const error = await store()
      .parameters.add(run.id, [param('epochs', 10), param('lr', 0.25), param('arch', 'vit')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/lr/);
    expect((error as Error).message).toMatch(/0\.1/);
    expect((error as Error).message).toMatch(/0\.25/);
    expect(await stored()).toEqual([param('lr', 0.1)]);
  });

  it('holds parameters given at run creation to the same rule', async () => {
    const experiment = await givenExperiment(store());
    const created = await givenRun(store(), experiment.id, {}, [param('lr', 0.1)]);
    await expect(store().parameters.add(created.id, [param('lr', 0.2)])).rejects.toBeInstanceOf(ConflictError);
    expect(await store().parameters.add(created.id, [param('lr', 0.1)])).toBe(0);
  });

  it('compares values with their types: 1 is not "1", true is not "true"', async () => {
    await store().parameters.add(run.id, [param('n', 1), param('b', true)]);
    await expect(store().parameters.add(run.id, [param('n', '1')])).rejects.toBeInstanceOf(ConflictError);
    await expect(store().parameters.add(run.id, [param('b', 'true')])).rejects.toBeInstanceOf(ConflictError);
    await expect(store().parameters.add(run.id, [param('b', 1)])).rejects.toBeInstanceOf(ConflictError);
    expect(await stored()).toEqual([param('b', true), param('n', 1)]);
  });

  it('adds nothing from an empty batch', async () => {
    expect(await store().parameters.add(run.id, [])).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it('throws NotFoundError for an unknown run', async () => {
    await expect(store().parameters.add('no-such-run', [param('lr', 1)])).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists per run, with [] for a run without parameters', async () => {
    const experiment = await givenExperiment(store());
    const other = await givenRun(store(), experiment.id, {}, [param('x', 'other')]);
    const bare = await givenRun(store(), experiment.id);
    await store().parameters.add(run.id, [param('x', 'mine')]);
    const listed = await store().parameters.listForRuns([bare.id, run.id, other.id]);
    expect(listed.get(run.id)).toEqual([param('x', 'mine')]);
    expect(listed.get(other.id)).toEqual([param('x', 'other')]);
    expect(listed.get(bare.id)).toEqual([]);
    expect((await store().parameters.listForRuns([])).size).toBe(0);
  });

  describe('under concurrency', () => {
    it('of concurrent adds of one key with different values exactly one wins', async () => {
      const { won, lost } = await race(range(5).map((i) => store().parameters.add(run.id, [param('lr', i)])));
      expect(won).toEqual([1]);
      expect(lost).toHaveLength(4);
      for (const reason of lost) expect(reason).toBeInstanceOf(ConflictError);
      expect(await stored()).toHaveLength(1);
    });

    it('concurrent adds of one key with the same value all succeed and count it once', async () => {
      const counts = await Promise.all(range(5).map(() => store().parameters.add(run.id, [param('lr', 0.1)])));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
      expect(await stored()).toEqual([param('lr', 0.1)]);
    });

    it('of two conflicting batches one is stored whole and nothing of the other', async () => {
      const a = [param('a', 1), param('shared', 'a')];
      const b = [param('shared', 'b'), param('b', 2)];
      const { won } = await race([store().parameters.add(run.id, a), store().parameters.add(run.id, b)]);
      expect(won).toEqual([2]);
      expect([[...a].sort(byKey), [...b].sort(byKey)]).toContainEqual(await stored());
    });
  });

  describe('valueCounts counts the runs a view of the experiment counts, those in its lifecycle stage', () => {
    const counts = async (experimentId: string): Promise<string[]> =>
      (await store().parameters.valueCounts(experimentId)).map((c: ParameterValueCount) => `${c.key}=${String(c.value)}:${c.runs}`).sort();
    const moveRun = (id: string, lifecycleStage: Run['lifecycleStage']) => store().runs.update(id, (r) => ({ ...r, lifecycleStage }));

    it("leaves out an active experiment's runs in the trash, and counts them again once restored", async () => {
      const experiment = await givenExperiment(store());
      await givenRun(store(), experiment.id, {}, [param('lr', 0.1), param('opt', 'adam')]);
      const trashed = await givenRun(store(), experiment.id, {}, [param('lr', 0.2), param('opt', 'adam'), param('only', 'trashed')]);
      expect(await counts(experiment.id)).toEqual(['lr=0.1:1', 'lr=0.2:1', 'only=trashed:1', 'opt=adam:2']);

      await moveRun(trashed.id, 'deleted');
      expect(await counts(experiment.id)).toEqual(['lr=0.1:1', 'opt=adam:1']);

      await moveRun(trashed.id, 'active');
      expect(await counts(experiment.id)).toEqual(['lr=0.1:1', 'lr=0.2:1', 'only=trashed:1', 'opt=adam:2']);
    });

    it('counts every run of a deleted experiment, those trashed before it included', async () => {
      const experiment = await givenExperiment(store());
      await givenRun(store(), experiment.id, {}, [param('lr', 0.1)]);
      const trashed = await givenRun(store(), experiment.id, {}, [param('lr', 0.2)]);
      await moveRun(trashed.id, 'deleted');
      await moveExperiment(store(), experiment.id, 'deleted');
      expect(await counts(experiment.id)).toEqual(['lr=0.1:1', 'lr=0.2:1']);
    });
  });

  it('stores values, not references', async () => {
    const given = param('lr', 0.1);
    await store().parameters.add(run.id, [given]);
    given.value = 0.2;
    const [listed] = (await stored()) ?? [];
    if (listed) listed.value = 0.3;
    expect(await stored()).toEqual([param('lr', 0.1)]);
  });
}

// ---------------------------------------------------------------------------------------------
