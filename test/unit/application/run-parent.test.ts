import { describe, expect, it } from 'vitest';
import type { RunRepository } from '../../../src/application/ports/run-repository.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { ListChildRuns } from '../../../src/application/use-cases/runs/list-child-runs.js';
import { LogRunBatch } from '../../../src/application/use-cases/runs/log-run-batch.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { SearchRuns } from '../../../src/application/use-cases/runs/search-runs.js';
import { MAX_LINEAGE_DEPTH, UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { newRun, type Run } from '../../../src/domain/run.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

const childrenOf = async (id: string) => (await fathom().use(ListChildRuns).execute(id)).map((r) => r.id);
const foundWithParent = async (id: string) =>
  (await fathom().use(SearchRuns).execute({ filter: `parentRunId = '${id}'` })).runs.map((r) => r.id);

describe('re-parenting a run (UpdateRun with parentRunId)', () => {
  it('gives a run a parent after it started: read, listed among the children and found by search', async () => {
    const parent = await aRun(fathom(), { name: 'sweep' });
    const run = await aRun(fathom(), { name: 'trial' });
    const updated = await fathom().use(UpdateRun).execute(run.id, { parentRunId: parent.id });
    expect(updated).toEqual({ ...run, parentRunId: parent.id });
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(updated);
    expect(await childrenOf(parent.id)).toEqual([run.id]);
    expect(await foundWithParent(parent.id)).toEqual([run.id]);
  });

  it('moves a run to another parent, and null removes its parent', async () => {
    const first = await aRun(fathom());
    const second = await aRun(fathom());
    const run = await aRun(fathom(), { parentRunId: first.id });
    await fathom().use(UpdateRun).execute(run.id, { parentRunId: second.id });
    expect([await childrenOf(first.id), await childrenOf(second.id)]).toEqual([[], [run.id]]);
    const detached = await fathom().use(UpdateRun).execute(run.id, { parentRunId: null });
    expect(detached).not.toHaveProperty('parentRunId');
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(detached);
    expect(await childrenOf(second.id)).toEqual([]);
    expect(await foundWithParent(second.id)).toEqual([]);
    // Removing a parent the run does not have changes nothing.
    expect(await fathom().use(UpdateRun).execute(run.id, { parentRunId: null })).toEqual(detached);
  });

  it('refuses a parent that names no run, at /parentRunId, with the other bad fields, and changes nothing', async () => {
    const run = await aRun(fathom(), { name: 'kept' });
    const error = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { parentRunId: 'ghost', name: 'bad\u0000' }), InvalidArgumentError);
    expect(error.issues).toEqual([
      { path: '/name', message: expect.any(String) },
      { path: '/parentRunId', message: "names no existing run ('ghost')" },
    ]);
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
  });

  it('refuses the run itself and each of its descendants as its parent (a cycle), and changes nothing', async () => {
    const experiment = await anExperiment(fathom());
    const root = await aRun(fathom(), { experimentId: experiment.id });
    const run = await aRun(fathom(), { experimentId: experiment.id, parentRunId: root.id });
    const child = await aRun(fathom(), { experimentId: experiment.id, parentRunId: run.id });
    const grandchild = await aRun(fathom(), { experimentId: experiment.id, parentRunId: child.id });
    const self = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { parentRunId: run.id }), InvalidArgumentError);
    expect(self.issues).toEqual([{ path: '/parentRunId', message: 'a run cannot be its own parent' }]);
    for (const descendant of [child, grandchild]) {
      const cycle = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { parentRunId: descendant.id }), InvalidArgumentError);
      expect(cycle.issues).toEqual([{ path: '/parentRunId', message: `run '${descendant.id}' descends from run '${run.id}', so it cannot be its parent` }]);
    }
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
    // A descendant may still move under one of its other ancestors, or be detached.
    expect((await fathom().use(UpdateRun).execute(grandchild.id, { parentRunId: root.id })).parentRunId).toBe(root.id);
    expect((await childrenOf(root.id)).sort()).toEqual([grandchild.id, run.id].sort());
  });

  it(`walks at most ${MAX_LINEAGE_DEPTH} ancestors: a parent with a longer lineage is refused`, async () => {
    // The lineage is written straight to the store: a thousand runs through the use case would be slow.
    const experiment = await anExperiment(fathom());
    const runs = fathom().container.resolve<RunRepository>(TOKENS.Runs);
    let ancestor: Run | undefined;
    const chain: Run[] = [];
    for (let i = 0; i <= MAX_LINEAGE_DEPTH; i++) {
      const run = newRun(`lineage-${String(i).padStart(4, '0')}`, experiment.id, ancestor ? { parentRunId: ancestor.id } : {}, 0);
      await runs.create(run, []);
      chain.push(run);
      ancestor = run;
    }
    const run = await aRun(fathom(), { experimentId: experiment.id });
    const deepest = chain[MAX_LINEAGE_DEPTH] as Run; // MAX_LINEAGE_DEPTH ancestors
    const error = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { parentRunId: deepest.id }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/parentRunId', message: `has a lineage more than ${MAX_LINEAGE_DEPTH} runs deep` }]);
    const deepEnough = chain[MAX_LINEAGE_DEPTH - 1] as Run;
    expect((await fathom().use(UpdateRun).execute(run.id, { parentRunId: deepEnough.id })).parentRunId).toBe(deepEnough.id);
  });

  it('is a NotFoundError for an unknown run, and a ConflictError for a trashed one', async () => {
    const parent = await aRun(fathom());
    const missing = await rejectionOf(fathom().use(UpdateRun).execute('nope', { parentRunId: 'ghost' }), NotFoundError);
    expect(missing).toMatchObject({ entity: 'run', id: 'nope' });
    const run = await aRun(fathom());
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    await rejectionOf(fathom().use(UpdateRun).execute(run.id, { parentRunId: parent.id }), ConflictError);
    expect(await childrenOf(parent.id)).toEqual([]);
  });

  it('takes a trashed run as parent, as starting a run under it does', async () => {
    const parent = await aRun(fathom());
    await fathom().use(MarkRunDeleted).execute(parent.id, ANONYMOUS);
    const run = await aRun(fathom());
    expect((await fathom().use(UpdateRun).execute(run.id, { parentRunId: parent.id })).parentRunId).toBe(parent.id);
  });
});

describe('re-parenting through LogRunBatch', () => {
  it('sets and removes the parent with the rest of the batch', async () => {
    const parent = await aRun(fathom());
    const run = await aRun(fathom());
    await fathom().use(LogRunBatch).execute(run.id, { parentRunId: parent.id, tags: { note: 'nested' }, parameters: [{ key: 'lr', value: 0.1 }] });
    expect(await fathom().use(GetRun).execute(run.id)).toMatchObject({ parentRunId: parent.id, tags: { note: 'nested' } });
    expect(await childrenOf(parent.id)).toEqual([run.id]);
    await fathom().use(LogRunBatch).execute(run.id, { parentRunId: null });
    expect(await fathom().use(GetRun).execute(run.id)).not.toHaveProperty('parentRunId');
    expect(await childrenOf(parent.id)).toEqual([]);
  });

  it('refuses the whole batch for an unknown parent or a cycle, naming every bad field, and writes nothing', async () => {
    const run = await aRun(fathom());
    const child = await aRun(fathom(), { parentRunId: run.id });
    for (const parentRunId of ['ghost', child.id, run.id]) {
      const error = await rejectionOf(
        fathom()
          .use(LogRunBatch)
          .execute(run.id, { parentRunId, parameters: [{ key: 'lr', value: 0.1 }], metrics: [{ key: 'loss', value: 'high' }] }),
        InvalidArgumentError,
      );
      expect(error.issues.map((i) => i.path)).toEqual(['/metrics/0/value', '/parentRunId']);
    }
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
  });
});
