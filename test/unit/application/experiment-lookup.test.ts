import { describe, expect, it } from 'vitest';
import { ChangeExperiment } from '../../../src/application/use-cases/experiments/change-experiment.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { LookUpExperiment } from '../../../src/application/use-cases/experiments/look-up-experiment.js';
import { RestoreExperiment } from '../../../src/application/use-cases/experiments/restore-experiment.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

describe('LookUpExperiment', () => {
  it('by id: the record alone, without its runs', async () => {
    const experiment = await anExperiment(fathom(), { name: 'by id', properties: { a: '1' } });
    await aRun(fathom(), { experimentId: experiment.id });
    const found = await fathom().use(LookUpExperiment).execute({ id: experiment.id });
    expect(found).toEqual(experiment);
    expect(found).not.toHaveProperty('runs');
  });

  it('by id: a deleted experiment is found as deleted', async () => {
    const experiment = await anExperiment(fathom());
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    expect(await fathom().use(LookUpExperiment).execute({ id: experiment.id })).toMatchObject({ id: experiment.id, lifecycleStage: 'deleted' });
  });

  it('by exact name', async () => {
    const wanted = await anExperiment(fathom(), { name: 'resnet sweep' });
    await anExperiment(fathom(), { name: 'resnet sweep 2' });
    await anExperiment(fathom(), { name: 'resnet' });
    expect(await fathom().use(LookUpExperiment).execute({ name: 'resnet sweep' })).toEqual(wanted);
  });

  it('by name, matching the whole name only: no substring, no other case, no wildcard', async () => {
    await anExperiment(fathom(), { name: 'Resnet_sweep' });
    for (const name of ['Resnet', 'resnet_sweep', 'Resnet%', 'Resnet_swee_', 'RESNET_SWEEP']) {
      const error = await rejectionOf(fathom().use(LookUpExperiment).execute({ name }), NotFoundError);
      expect(error).toMatchObject({ entity: 'experiment', id: name });
    }
  });

  it('by name, preferring the active experiment over deleted ones of that name', async () => {
    const first = await anExperiment(fathom(), { name: 'shared' });
    await fathom().use(DeleteExperiment).execute(first.id, {}, ANONYMOUS);
    fathom().clock.advance(1_000);
    const active = await anExperiment(fathom(), { name: 'shared' });
    fathom().clock.advance(1_000);
    // The deleted one changed last, and still the active one is found.
    await fathom().use(ChangeExperiment).execute(first.id, { description: 'edited in the trash' });
    expect(await fathom().use(LookUpExperiment).execute({ name: 'shared' })).toEqual(active);
  });

  it('by name, with only deleted ones: the most recently changed', async () => {
    const older = await anExperiment(fathom(), { name: 'gone' });
    await fathom().use(DeleteExperiment).execute(older.id, {}, ANONYMOUS);
    fathom().clock.advance(1_000);
    const newer = await anExperiment(fathom(), { name: 'gone' });
    fathom().clock.advance(1_000);
    await fathom().use(DeleteExperiment).execute(newer.id, {}, ANONYMOUS);
    expect((await fathom().use(LookUpExperiment).execute({ name: 'gone' })).id).toBe(newer.id);

    fathom().clock.advance(1_000);
    await fathom().use(ChangeExperiment).execute(older.id, { description: 'touched last' });
    expect((await fathom().use(LookUpExperiment).execute({ name: 'gone' })).id).toBe(older.id);

    await fathom().use(RestoreExperiment).execute(newer.id, ANONYMOUS);
    expect(await fathom().use(LookUpExperiment).execute({ name: 'gone' })).toMatchObject({ id: newer.id, lifecycleStage: 'active' });
  });

  it('follows a rename: the new name finds it, the old one no longer does', async () => {
    const experiment = await anExperiment(fathom(), { name: 'before' });
    await fathom().use(ChangeExperiment).execute(experiment.id, { name: 'after' });
    expect((await fathom().use(LookUpExperiment).execute({ name: 'after' })).id).toBe(experiment.id);
    await rejectionOf(fathom().use(LookUpExperiment).execute({ name: 'before' }), NotFoundError);
  });

  it('is a NotFoundError for an unknown id or name', async () => {
    expect(await rejectionOf(fathom().use(LookUpExperiment).execute({ id: 'nope' }), NotFoundError)).toMatchObject({ entity: 'experiment', id: 'nope' });
    expect(await rejectionOf(fathom().use(LookUpExperiment).execute({ name: 'nobody' }), NotFoundError)).toMatchObject({ entity: 'experiment', id: 'nobody' });
  });
});
