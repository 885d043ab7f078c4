import { describe, expect, it } from 'vitest';
import { createExperiment, expectProblem, expectStatus, useApi, type Json } from './api.js';

const api = useApi();

/** A run started with these parameters. */
async function runWith(experimentId: string, params: Record<string, string | number | boolean>): Promise<Json> {
  const parameters = Object.entries(params).map(([key, value]) => ({ key, value }));
  return expectStatus(await api.post(`/api/experiments/${experimentId}/runs`, { parameters }), 201);
}

async function space(experimentId: string): Promise<Json[]> {
  return expectStatus(await api.get(`/api/experiments/${experimentId}/params`), 200).parameters;
}

function entry(entries: Json[], key: string): Json {
  const found = entries.find((e) => e.key === key);
  expect(found, `no entry for ${key}`).toBeDefined();
  return found;
}

describe('GET /api/experiments/:id/params', () => {
  it('per key: its type, how many runs hold it, how many distinct values, and the values most common first', async () => {
    const e = (await createExperiment(api)).id;
    await runWith(e, { optimizer: 'adam', layers: 2, augment: true });
    await runWith(e, { optimizer: 'adam', layers: 4, augment: false });
    await runWith(e, { optimizer: 'sgd', layers: 2 });
    await runWith(e, { optimizer: 'adam' });
    await runWith(e, {});
    // Another experiment's runs are not counted.
    await runWith((await createExperiment(api)).id, { optimizer: 'sgd', layers: 99, other: 'x' });

    expect(await space(e)).toStrictEqual([
      { key: 'augment', type: 'boolean', runs: 2, distinct: 2, values: [{ value: false, runs: 1 }, { value: true, runs: 1 }] },
      { key: 'layers', type: 'number', runs: 3, distinct: 2, values: [{ value: 2, runs: 2 }, { value: 4, runs: 1 }], min: 2, max: 4 },
      { key: 'optimizer', type: 'string', runs: 4, distinct: 2, values: [{ value: 'adam', runs: 3 }, { value: 'sgd', runs: 1 }] },
    ]);
  });

  it('a key logged with several types is mixed; min and max only when every value reads as a number', async () => {
    const e = (await createExperiment(api)).id;
    await runWith(e, { lr: 0.001, seed: 1, flag: true, batch: '64' });
    await runWith(e, { lr: '0.001', seed: 'random', flag: 'true', batch: '128' });
    await runWith(e, { lr: '1e-2', seed: 2, flag: 'no' });

    const entries = await space(e);
    expect(entries.map((x) => x.key)).toEqual(['batch', 'flag', 'lr', 'seed']);
    // Numbers and numeric strings are different values, but read as numbers for the range.
    expect(entry(entries, 'lr')).toStrictEqual({
      key: 'lr',
      type: 'mixed',
      runs: 3,
      distinct: 3,
      values: [
        { value: 0.001, runs: 1 },
        { value: '0.001', runs: 1 },
        { value: '1e-2', runs: 1 },
      ],
      min: 0.001,
      max: 0.01,
    });
    // Numeric strings alone: a string key with a range, its values in numeric order on ties.
    expect(entry(entries, 'batch')).toStrictEqual({
      key: 'batch',
      type: 'string',
      runs: 2,
      distinct: 2,
      values: [
        { value: '64', runs: 1 },
        { value: '128', runs: 1 },
      ],
      min: 64,
      max: 128,
    });
    // One value that is not a number: no range.
    const seed = entry(entries, 'seed');
    expect(seed).toMatchObject({ type: 'mixed', runs: 3, distinct: 3 });
    expect(seed).not.toHaveProperty('min');
    expect(seed).not.toHaveProperty('max');
    const flag = entry(entries, 'flag');
    expect(flag).toMatchObject({ type: 'mixed', runs: 3, distinct: 3 });
    expect(flag).not.toHaveProperty('min');
  });

  it('beyond 100 distinct values: numeric keys give their range only, text keys their 100 most common (truncated)', async () => {
    const e = (await createExperiment(api)).id;
    // 105 runs. seed: 105 distinct numbers. word: 'common' ×3, 'second' ×2, then 100 values once
    // each, 102 distinct. exactly100 and numeric100: 100 distinct values each, held by runs 0-99.
    const words = ['common', 'common', 'common', 'second', 'second', ...Array.from({ length: 100 }, (_, i) => `v${String(i).padStart(3, '0')}`)];
    for (let i = 0; i < 105; i++) {
      const params: Record<string, string | number> = { seed: i * 0.5 - 10, word: words[i] as string };
      if (i < 100) {
        params.exactly100 = `t${i}`;
        params.numeric100 = String(1000 + i);
      }
      await runWith(e, params);
    }

    const entries = await space(e);
    expect(entry(entries, 'seed')).toStrictEqual({ key: 'seed', type: 'number', runs: 105, distinct: 105, min: -10, max: 42 });

    const word = entry(entries, 'word');
    expect(word).toMatchObject({ key: 'word', type: 'string', runs: 105, distinct: 102, truncated: true });
    expect(word.values).toHaveLength(100);
    expect(word.values.slice(0, 3)).toEqual([
      { value: 'common', runs: 3 },
      { value: 'second', runs: 2 },
      { value: 'v000', runs: 1 },
    ]);
    // Among values equally common, the first by text are kept: v098 and v099 are left out.
    expect(word.values[99]).toEqual({ value: 'v097', runs: 1 });
    expect(word.values.map((v: Json) => v.value)).not.toContain('v098');
    expect(word).not.toHaveProperty('min');

    // Exactly 100: every value, nothing truncated; numeric ones with their range as well.
    const exactly = entry(entries, 'exactly100');
    expect(exactly).toMatchObject({ runs: 100, distinct: 100 });
    expect(exactly.values).toHaveLength(100);
    expect(exactly).not.toHaveProperty('truncated');
    const numeric = entry(entries, 'numeric100');
    expect(numeric).toMatchObject({ type: 'string', runs: 100, distinct: 100, min: 1000, max: 1099 });
    expect(numeric.values).toHaveLength(100);
    expect(numeric.values[0]).toEqual({ value: '1000', runs: 1 });
  });

  it('follows the runs: a deleted run no longer counts', async () => {
    const e = (await createExperiment(api)).id;
    await runWith(e, { lr: 0.1 });
    const doomed = await runWith(e, { lr: 0.5, only: 'here' });
    expect(entry(await space(e), 'lr')).toMatchObject({ runs: 2, distinct: 2, max: 0.5 });

    expectStatus(await api.del(`/api/runs/${doomed.id}`), 204);
    expect(await space(e)).toStrictEqual([{ key: 'lr', type: 'number', runs: 1, distinct: 1, values: [{ value: 0.1, runs: 1 }], min: 0.1, max: 0.1 }]);
  });

  it('leaves out a run in the trash (MLflow runs/delete), and counts it again once restored', async () => {
    const e = (await createExperiment(api)).id;
    await runWith(e, { lr: 0.1 });
    const trashed = await runWith(e, { lr: 0.5, only: 'trashed' });
    const everything = await space(e);
    expect(entry(everything, 'lr')).toMatchObject({ runs: 2, distinct: 2, max: 0.5 });

    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: trashed.id }), 200);
    expect(await space(e)).toStrictEqual([{ key: 'lr', type: 'number', runs: 1, distinct: 1, values: [{ value: 0.1, runs: 1 }], min: 0.1, max: 0.1 }]);

    expectStatus(await api.post(`/api/runs/${trashed.id}/restore`), 200);
    expect(await space(e)).toStrictEqual(everything);
  });

  it('of a deleted experiment counts all its runs, those trashed before it included', async () => {
    const e = (await createExperiment(api)).id;
    await runWith(e, { lr: 0.1 });
    const trashed = await runWith(e, { lr: 0.5 });
    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: trashed.id }), 200);
    expectStatus(await api.del(`/api/experiments/${e}`), 204);
    expect(entry(await space(e), 'lr')).toMatchObject({ runs: 2, distinct: 2, min: 0.1, max: 0.5 });
  });

  it('is an empty list for an experiment without parameters', async () => {
    const e = (await createExperiment(api)).id;
    await runWith(e, {});
    expect(await space(e)).toEqual([]);
  });

  it('answers 404 for an unknown experiment', async () => {
    const problem = expectProblem(await api.get('/api/experiments/ghost/params'), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('ghost');
  });
});
