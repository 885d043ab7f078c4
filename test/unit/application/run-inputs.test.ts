import { describe, expect, it } from 'vitest';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { LogRunInputs } from '../../../src/application/use-cases/runs/log-run-inputs.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../src/application/use-cases/runs/restore-run.js';
import { SearchRuns } from '../../../src/application/use-cases/runs/search-runs.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import type { DatasetInputDraft } from '../../../src/domain/run-input.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

/** A dataset as MLflow clients describe one, with whatever fields a test changes. */
function aDataset(overrides: Partial<DatasetInputDraft> = {}): DatasetInputDraft {
  return { name: 'mnist', digest: 'd41d8cd9', sourceType: 'local', source: '{"uri": "/data/mnist"}', ...overrides };
}

async function inputsOf(runId: string) {
  return (await fathom().use(GetRun).execute(runId)).inputs;
}

describe('LogRunInputs', () => {
  it('records the datasets a run used, with their tags, shown on the run in the order logged', async () => {
    const run = await aRun(fathom());
    await fathom()
      .use(LogRunInputs)
      .execute(run.id, [
        aDataset({ schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 70000}', tags: [{ key: 'mlflow.data.context', value: 'training' }] }),
        aDataset({ name: 'mnist-test', digest: 'ffff0000', sourceType: 's3', source: '{"uri": "s3://bucket/test"}' }),
      ]);
    expect(await inputsOf(run.id)).toEqual([
      {
        name: 'mnist',
        digest: 'd41d8cd9',
        sourceType: 'local',
        source: '{"uri": "/data/mnist"}',
        schema: '{"mlflow_colspec": []}',
        profile: '{"num_rows": 70000}',
        tags: { 'mlflow.data.context': 'training' },
      },
      { name: 'mnist-test', digest: 'ffff0000', sourceType: 's3', source: '{"uri": "s3://bucket/test"}', tags: {} },
    ]);
    // Search results carry them too.
    expect((await fathom().use(SearchRuns).execute({})).runs[0]?.inputs).toEqual(await inputsOf(run.id));
  });

  it('holds each (name, digest) once: logged again, in the same call or later, the first record stays as it was', async () => {
    const run = await aRun(fathom());
    const first = aDataset({ tags: [{ key: 'mlflow.data.context', value: 'training' }] });
    await fathom()
      .use(LogRunInputs)
      .execute(run.id, [first, aDataset({ source: '{"uri": "elsewhere"}', tags: [{ key: 'mlflow.data.context', value: 'eval' }] })]);
    await fathom().use(LogRunInputs).execute(run.id, [aDataset({ tags: [{ key: 'mlflow.data.context', value: 'eval' }] })]);
    // Same name, another digest: another dataset (a new version of it).
    await fathom().use(LogRunInputs).execute(run.id, [aDataset({ digest: 'beefbeef' })]);

    const inputs = await inputsOf(run.id);
    expect(inputs.map((i) => [i.name, i.digest, i.source, i.tags])).toEqual([
      ['mnist', 'd41d8cd9', '{"uri": "/data/mnist"}', { 'mlflow.data.context': 'training' }],
      ['mnist', 'beefbeef', '{"uri": "/data/mnist"}', {}],
    ]);
  });

  it('keeps a dataset tag named __proto__ as a tag, through the store and back', async () => {
    const run = await aRun(fathom());
    await fathom().use(LogRunInputs).execute(run.id, [aDataset({ tags: [{ key: '__proto__', value: 'polluted?' }] })]);
    const [input] = await inputsOf(run.id);
    expect(Object.keys(input?.tags ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(input?.tags, '__proto__')?.value).toBe('polluted?');
    expect(Object.getPrototypeOf(input?.tags)).toBe(Object.prototype);
  });

  it('keeps the datasets of each run apart', async () => {
    const experiment = await anExperiment(fathom());
    const a = await aRun(fathom(), { experimentId: experiment.id });
    const b = await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(LogRunInputs).execute(a.id, [aDataset()]);
    await fathom().use(LogRunInputs).execute(b.id, [aDataset()]);
    expect(await inputsOf(a.id)).toHaveLength(1);
    expect(await inputsOf(b.id)).toHaveLength(1);
  });

  it('refuses bad datasets naming every bad field, such as /datasets/0/name, and records none of the call', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(
      fathom()
        .use(LogRunInputs)
        .execute(run.id, [
          aDataset({ name: '' }),
          aDataset({ digest: 'x'.repeat(37), sourceType: 7 }),
          aDataset({ source: undefined, schema: 3, tags: [{ key: 'ok', value: 'v'.repeat(501) }, { key: '', value: 'v' }] }),
          aDataset({ name: 'fine' }),
        ]),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      '/datasets/0/name',
      '/datasets/1/digest',
      '/datasets/1/sourceType',
      '/datasets/2/source',
      '/datasets/2/schema',
      '/datasets/2/tags/0/value',
      '/datasets/2/tags/1/key',
    ]);
    expect(error.issues[0]?.message).toBe('is required (non-empty text)');
    expect(error.issues[1]?.message).toBe('must be at most 36 characters');
    expect(await inputsOf(run.id)).toEqual([]);
  });

  it('refuses more than 1,000 datasets in one call, at /datasets', async () => {
    const run = await aRun(fathom());
    const many = Array.from({ length: 1_001 }, (_, i) => aDataset({ digest: `d${i}` }));
    const error = await rejectionOf(fathom().use(LogRunInputs).execute(run.id, many), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/datasets']);
    expect(await inputsOf(run.id)).toEqual([]);
  });

  it('accepts an empty list and records nothing', async () => {
    const run = await aRun(fathom());
    await fathom().use(LogRunInputs).execute(run.id, []);
    expect(await inputsOf(run.id)).toEqual([]);
  });

  it('is refused on a trashed run (ConflictError) and on a run of a deleted experiment; restored, it is accepted', async () => {
    const run = await aRun(fathom());
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    const error = await rejectionOf(fathom().use(LogRunInputs).execute(run.id, [aDataset()]), ConflictError);
    expect(error.message).toContain('deleted');
    expect(await inputsOf(run.id)).toEqual([]);
    await fathom().use(RestoreRun).execute(run.id, ANONYMOUS);
    await fathom().use(LogRunInputs).execute(run.id, [aDataset()]);
    expect(await inputsOf(run.id)).toHaveLength(1);

    const other = await aRun(fathom());
    await fathom().use(DeleteExperiment).execute(other.experimentId, {}, ANONYMOUS);
    await rejectionOf(fathom().use(LogRunInputs).execute(other.id, [aDataset()]), ConflictError);
    expect(await inputsOf(other.id)).toEqual([]);
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(fathom().use(LogRunInputs).execute('ghost', [aDataset()]), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'ghost' });
  });
});
