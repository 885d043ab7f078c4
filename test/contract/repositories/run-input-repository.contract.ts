import { beforeEach, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/domain/errors.js';
import type { Experiment } from '../../../src/domain/experiment.js';
import type { DatasetInput } from '../../../src/domain/run-input.js';
import { type RepositoryStore, givenExperiment, givenRun } from './support.js';

function aDataset(overrides: Partial<DatasetInput> = {}): DatasetInput {
  return { name: 'train', digest: 'abc123', sourceType: 'local', source: '{"uri": "/data/train.csv"}', tags: { 'mlflow.data.context': 'training' }, ...overrides };
}

/** The RunInputRepository port's contract. */
export function runInputContract(store: () => RepositoryStore): void {
  let experiment: Experiment;
  beforeEach(async () => {
    experiment = await givenExperiment(store());
  });

  it('records datasets and gives them back in the order first recorded, optional fields only when given', async () => {
    const run = await givenRun(store(), experiment.id);
    const withSchema = aDataset({ name: 'eval', digest: 'd2', schema: '{"cols": []}', profile: '{"rows": 10}' });
    await store().runInputs.add(run.id, [aDataset(), withSchema]);
    const got = (await store().runInputs.listForRuns([run.id])).get(run.id);
    expect(got).toEqual([aDataset(), withSchema]);
    expect(got?.[0]).not.toHaveProperty('schema');
  });

  it('keeps the first record of a (name, digest), also within one call, and tells runs apart', async () => {
    const run = await givenRun(store(), experiment.id);
    const other = await givenRun(store(), experiment.id);
    await store().runInputs.add(run.id, [aDataset(), aDataset({ tags: { changed: 'yes' } })]);
    await store().runInputs.add(run.id, [aDataset({ source: 'elsewhere' }), aDataset({ digest: 'new' })]);
    const byRun = await store().runInputs.listForRuns([run.id, other.id, 'unknown']);
    expect(byRun.get(run.id)).toEqual([aDataset(), aDataset({ digest: 'new' })]);
    expect(byRun.get(other.id)).toEqual([]);
    expect(byRun.get('unknown')).toEqual([]);
  });

  it('keeps a tag named __proto__ as a plain key', async () => {
    const run = await givenRun(store(), experiment.id);
    const tags: Record<string, string> = {};
    Object.defineProperty(tags, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
    await store().runInputs.add(run.id, [aDataset({ tags })]);
    const [got] = (await store().runInputs.listForRuns([run.id])).get(run.id) ?? [];
    expect(Object.keys(got?.tags ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(got?.tags)).toBe(Object.prototype);
  });

  it('throws NotFoundError for an unknown run, and the inputs go with a deleted run', async () => {
    await expect(store().runInputs.add('no-such-run', [aDataset()])).rejects.toBeInstanceOf(NotFoundError);
    const run = await givenRun(store(), experiment.id);
    await store().runInputs.add(run.id, [aDataset()]);
    await store().runs.delete(run.id);
    expect((await store().runInputs.listForRuns([run.id])).get(run.id)).toEqual([]);
  });
}
