import { describe, expect, it } from 'vitest';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetParameterSpace } from '../../../src/application/use-cases/parameters/get-parameter-space.js';
import { ListParameters } from '../../../src/application/use-cases/parameters/list-parameters.js';
import { LogParameters } from '../../../src/application/use-cases/parameters/log-parameters.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../src/application/use-cases/runs/restore-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import type { ParameterInput } from '../../../src/domain/parameter.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

const log = (runId: string, inputs: ParameterInput[]) => fathom().use(LogParameters).execute(runId, inputs);
const list = (runId: string) => fathom().use(ListParameters).execute(runId);

describe('logging parameters', () => {
  it('stores them with types inferred from their JSON type, listed by key', async () => {
    const run = await aRun(fathom());
    expect(await log(run.id, [{ key: 'optimizer', value: 'adam' }, { key: 'lr', value: 0.001 }, { key: 'amp', value: true }])).toEqual({ count: 3 });
    expect(await list(run.id)).toEqual([
      { key: 'amp', value: true, type: 'boolean' },
      { key: 'lr', value: 0.001, type: 'number' },
      { key: 'optimizer', value: 'adam', type: 'string' },
    ]);
    expect((await fathom().use(GetRun).execute(run.id)).parameters).toEqual(await list(run.id));
  });

  it('adds to what the run already holds', async () => {
    const run = await aRun(fathom(), { params: { lr: 0.1 } });
    await log(run.id, [{ key: 'epochs', value: 10 }]);
    expect((await list(run.id)).map((p) => p.key)).toEqual(['epochs', 'lr']);
  });

  it('treats the same value again as a no-op', async () => {
    const run = await aRun(fathom(), { params: { lr: 0.1 } });
    expect(await log(run.id, [{ key: 'lr', value: 0.1 }])).toEqual({ count: 1 });
    expect(await list(run.id)).toEqual([{ key: 'lr', value: 0.1, type: 'number' }]);
  });

  it('refuses another value with a ConflictError naming the key and both values, keeping the first', async () => {
    const run = await aRun(fathom(), { params: { optimizer: 'adam' } });
    const error = await rejectionOf(log(run.id, [{ key: 'optimizer', value: 'sgd' }]), ConflictError);
    expect(error.message).toBe(`parameter 'optimizer' is already "adam"; it cannot be changed to "sgd"`);
    expect(error.code).toBe('CONFLICT');
    expect(await list(run.id)).toEqual([{ key: 'optimizer', value: 'adam', type: 'string' }]);
  });

  it('refuses the same-looking value of another type', async () => {
    const run = await aRun(fathom(), { params: { seed: 42 } });
    const error = await rejectionOf(log(run.id, [{ key: 'seed', value: '42' }]), ConflictError);
    expect(error.message).toContain("'seed'");
  });

  it('refuses a whole batch when one parameter conflicts', async () => {
    const run = await aRun(fathom(), { params: { lr: 0.1 } });
    await rejectionOf(log(run.id, [{ key: 'batch', value: 32 }, { key: 'lr', value: 0.2 }, { key: 'epochs', value: 5 }]), ConflictError);
    expect(await list(run.id)).toEqual([{ key: 'lr', value: 0.1, type: 'number' }]);
  });

  it('refuses a whole batch with bad entries, naming every one', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(
      log(run.id, [
        { key: 'fine', value: 1 },
        { key: 'nothing', value: null },
        { key: 'prompt', value: 'p'.repeat(6_001) },
        { key: '', value: 'x' },
        { key: 'nan', value: NaN },
      ]),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      '/parameters/1/value',
      '/parameters/2/value',
      '/parameters/3/key',
      '/parameters/4/value',
    ]);
    expect(await list(run.id)).toEqual([]);
  });

  it('takes strings of up to 6,000 characters', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'prompt', value: 'p'.repeat(6_000) }]);
    expect((await list(run.id))[0]?.value).toHaveLength(6_000);
  });

  it('refuses more than 1,000 in one request', async () => {
    const run = await aRun(fathom());
    const many = Array.from({ length: 1_001 }, (_, i) => ({ key: `p${i}`, value: i }));
    const error = await rejectionOf(log(run.id, many), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/parameters', message: 'must hold at most 1000 parameters' }]);
    expect(await list(run.id)).toEqual([]);
  });

  it('holds parameters given at run start to the same write-once rule', async () => {
    const run = await aRun(fathom(), { params: { layers: 12 } });
    await rejectionOf(log(run.id, [{ key: 'layers', value: 24 }]), ConflictError);
  });

  it('is a ConflictError for a run of a deleted experiment', async () => {
    const run = await aRun(fathom());
    await fathom().use(DeleteExperiment).execute(run.experimentId, {}, ANONYMOUS);
    await rejectionOf(log(run.id, [{ key: 'lr', value: 0.1 }]), ConflictError);
    expect(await list(run.id)).toEqual([]);
  });

  it('is a NotFoundError for an unknown run, when logging and listing', async () => {
    expect(await rejectionOf(log('nope', [{ key: 'lr', value: 1 }]), NotFoundError)).toMatchObject({ entity: 'run', id: 'nope' });
    await rejectionOf(list('nope'), NotFoundError);
  });
});

describe("an experiment's parameter space", () => {
  const space = (experimentId: string) => fathom().use(GetParameterSpace).execute(experimentId);

  it('leaves out the parameters of a run in the trash, and counts them again once it is restored', async () => {
    const experiment = await anExperiment(fathom());
    await aRun(fathom(), { experimentId: experiment.id, params: { optimizer: 'adam', lr: 0.1 } });
    const trashed = await aRun(fathom(), { experimentId: experiment.id, params: { optimizer: 'sgd', lr: 0.5, warmup: 100 } });
    const everything = await space(experiment.id);
    expect(everything.map((e) => [e.key, e.runs, e.distinct])).toEqual([
      ['lr', 2, 2],
      ['optimizer', 2, 2],
      ['warmup', 1, 1],
    ]);

    await fathom().use(MarkRunDeleted).execute(trashed.id, ANONYMOUS);
    expect(await space(experiment.id)).toEqual([
      { key: 'lr', type: 'number', runs: 1, distinct: 1, values: [{ value: 0.1, runs: 1 }], min: 0.1, max: 0.1 },
      { key: 'optimizer', type: 'string', runs: 1, distinct: 1, values: [{ value: 'adam', runs: 1 }] },
    ]);

    await fathom().use(RestoreRun).execute(trashed.id, ANONYMOUS);
    expect(await space(experiment.id)).toEqual(everything);
  });

  it('counts every run of a deleted experiment, those trashed before it included', async () => {
    const experiment = await anExperiment(fathom());
    await aRun(fathom(), { experimentId: experiment.id, params: { optimizer: 'adam' } });
    const trashed = await aRun(fathom(), { experimentId: experiment.id, params: { optimizer: 'sgd' } });
    await fathom().use(MarkRunDeleted).execute(trashed.id, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    expect(await space(experiment.id)).toEqual([
      { key: 'optimizer', type: 'string', runs: 2, distinct: 2, values: [{ value: 'adam', runs: 1 }, { value: 'sgd', runs: 1 }] },
    ]);
  });

  it('is a NotFoundError for an unknown experiment', async () => {
    expect(await rejectionOf(space('nope'), NotFoundError)).toMatchObject({ entity: 'experiment', id: 'nope' });
  });
});
