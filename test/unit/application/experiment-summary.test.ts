import { describe, expect, it } from 'vitest';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetExperimentSummary } from '../../../src/application/use-cases/experiments/get-experiment-summary.js';
import { ListExperiments } from '../../../src/application/use-cases/experiments/list-experiments.js';
import { DeleteRun } from '../../../src/application/use-cases/runs/delete-run.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

const summaryOf = (id: string) => fathom().use(GetExperimentSummary).execute(id);

async function listedItem(id: string) {
  const { experiments } = await fathom().use(ListExperiments).execute({ filter: { lifecycle: 'all' } });
  return experiments.find((e) => e.id === id);
}

describe('GetExperimentSummary', () => {
  it('gives the record with its run count and without its runs, exactly as the list gives it', async () => {
    const experiment = await anExperiment(fathom(), { name: 'sweep', description: 'lr', tags: ['vision'], properties: { owner: 'ada' } });
    await anExperiment(fathom(), { name: 'bystander' });
    await aRun(fathom(), { experimentId: experiment.id, params: { lr: 0.1 }, metrics: [{ key: 'loss', value: 0.5 }] });
    await aRun(fathom(), { experimentId: experiment.id });
    const summary = await summaryOf(experiment.id);
    expect(summary).toEqual({ ...experiment, runCount: 2 });
    expect(summary).not.toHaveProperty('runs');
    expect(summary).toEqual(await listedItem(experiment.id));
  });

  it('counts runs in the trash as the list does, and forgets runs deleted for good', async () => {
    const experiment = await anExperiment(fathom());
    const trashed = await aRun(fathom(), { experimentId: experiment.id });
    const gone = await aRun(fathom(), { experimentId: experiment.id });
    await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(MarkRunDeleted).execute(trashed.id, ANONYMOUS);
    await fathom().use(DeleteRun).execute(gone.id, ANONYMOUS);
    expect((await summaryOf(experiment.id)).runCount).toBe(2);
    expect((await listedItem(experiment.id))?.runCount).toBe(2);
  });

  it('gives a deleted experiment as deleted, with its runs counted', async () => {
    const experiment = await anExperiment(fathom());
    await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    const summary = await summaryOf(experiment.id);
    expect(summary).toMatchObject({ id: experiment.id, lifecycleStage: 'deleted', runCount: 1 });
    expect(summary).toEqual(await listedItem(experiment.id));
  });

  it('says not found for an unknown id, and for one removed for good', async () => {
    expect(await rejectionOf(summaryOf('no-such-experiment'), NotFoundError)).toMatchObject({ entity: 'experiment', id: 'no-such-experiment' });
    const experiment = await anExperiment(fathom());
    await fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ANONYMOUS);
    await rejectionOf(summaryOf(experiment.id), NotFoundError);
  });
});
