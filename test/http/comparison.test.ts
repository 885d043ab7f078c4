import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectProblem, expectStatus, issuePaths, logMetrics, logParams, useApi, type Json } from './api.js';

const api = useApi();

interface Fixture {
  vision: Json;
  text: Json;
  small: Json;
  large: Json;
  bert: Json;
}

/**
 * Two experiments, three runs:
 * - small (vision): lr 0.1, layers 18, loss 0.30 → 0.25, acc 0.80
 * - large (vision): lr 0.1, layers 50, loss 0.20, acc 0.85, no "shared" param
 * - bert  (text):   lr 0.1, layers 12, loss NaN, acc 0.90, tokenizer wordpiece
 */
async function fixture(): Promise<Fixture> {
  const vision = await createExperiment(api, { name: 'vision' });
  const text = await createExperiment(api, { name: 'text' });
  const small = await createRun(api, vision.id, { name: 'small' });
  const large = await createRun(api, vision.id, { name: 'large' });
  const bert = await createRun(api, text.id, { name: 'bert' });
  await logParams(api, small.id, { lr: 0.1, layers: 18, shared: true });
  await logParams(api, large.id, { lr: 0.1, layers: 50 });
  await logParams(api, bert.id, { lr: 0.1, layers: 12, shared: true, tokenizer: 'wordpiece' });
  await logMetrics(api, small.id, [
    { key: 'loss', value: 0.3 },
    { key: 'loss', value: 0.25 },
    { key: 'acc', value: 0.8 },
  ]);
  await logMetrics(api, large.id, [
    { key: 'loss', value: 0.2 },
    { key: 'acc', value: 0.85 },
  ]);
  await logMetrics(api, bert.id, [
    { key: 'loss', value: 'NaN' },
    { key: 'acc', value: 0.9 },
  ]);
  return { vision, text, small, large, bert };
}

function metric(comparison: Json, key: string): Json {
  return comparison.metricComparison.find((m: Json) => m.metricKey === key);
}

function diff(comparison: Json, key: string): Json {
  return comparison.parameterDiff.find((d: Json) => d.key === key);
}

describe('GET /api/experiments/compare', () => {
  it('compares every run of the given experiments: runs, parameter diff and metric comparison', async () => {
    const f = await fixture();
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id},${f.text.id}`), 200);

    expect(Object.keys(comparison).sort()).toEqual(['experimentIds', 'metricComparison', 'parameterDiff', 'runs']);
    expect(comparison.experimentIds).toEqual([f.vision.id, f.text.id]);
    expect(comparison.runs).toHaveLength(3);
    const small = comparison.runs.find((r: Json) => r.runId === f.small.id);
    expect(small).toStrictEqual({
      runId: f.small.id,
      runName: 'small',
      experimentId: f.vision.id,
      experimentName: 'vision',
      status: 'running',
      parameters: { lr: 0.1, layers: 18, shared: true },
      metrics: { loss: 0.25, acc: 0.8 },
    });
    const bert = comparison.runs.find((r: Json) => r.runId === f.bert.id);
    expect(bert).toMatchObject({ experimentId: f.text.id, experimentName: 'text', metrics: { loss: 'NaN', acc: 0.9 } });
  });

  it('lists differing parameters first, with null where a run lacks the key', async () => {
    const f = await fixture();
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id},${f.text.id}`), 200);

    const keys: string[] = comparison.parameterDiff.map((d: Json) => d.key);
    expect(keys.sort()).toEqual(['layers', 'lr', 'shared', 'tokenizer']);
    const flags: boolean[] = comparison.parameterDiff.map((d: Json) => d.isDifferent);
    expect(flags).toEqual([true, true, true, false]);
    expect(comparison.parameterDiff[3].key).toBe('lr');

    expect(diff(comparison, 'lr')).toStrictEqual({ key: 'lr', values: { [f.small.id]: 0.1, [f.large.id]: 0.1, [f.bert.id]: 0.1 }, isDifferent: false });
    expect(diff(comparison, 'layers')).toStrictEqual({
      key: 'layers',
      values: { [f.small.id]: 18, [f.large.id]: 50, [f.bert.id]: 12 },
      isDifferent: true,
    });
    expect(diff(comparison, 'shared')).toStrictEqual({
      key: 'shared',
      values: { [f.small.id]: true, [f.large.id]: null, [f.bert.id]: true },
      isDifferent: true,
    });
    expect(diff(comparison, 'tokenizer').values).toStrictEqual({ [f.small.id]: null, [f.large.id]: null, [f.bert.id]: 'wordpiece' });
  });

  it('ranks each metric by its inferred goal: loss minimised, acc maximised, NaN never best', async () => {
    const f = await fixture();
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id},${f.text.id}`), 200);

    expect(metric(comparison, 'loss')).toStrictEqual({
      metricKey: 'loss',
      goal: 'min',
      values: { [f.small.id]: 0.25, [f.large.id]: 0.2, [f.bert.id]: 'NaN' },
      best: { runId: f.large.id, experimentId: f.vision.id, value: 0.2 },
      worst: { runId: f.bert.id, experimentId: f.text.id, value: 'NaN' },
    });
    expect(metric(comparison, 'acc')).toStrictEqual({
      metricKey: 'acc',
      goal: 'max',
      values: { [f.small.id]: 0.8, [f.large.id]: 0.85, [f.bert.id]: 0.9 },
      best: { runId: f.bert.id, experimentId: f.text.id, value: 0.9 },
      worst: { runId: f.small.id, experimentId: f.vision.id, value: 0.8 },
    });
  });

  it.each([
    ['val_loss', 'min'],
    ['eval/rmse', 'min'],
    ['Perplexity', 'min'],
    ['inference_latency_ms', 'min'],
    ['train_time', 'min'],
    ['wer', 'min'],
    ['f1', 'max'],
    ['reward', 'max'],
  ])('infers the goal of %s as %s', async (key, goal) => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [{ key, value: 1 }]);
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${run.experimentId}`), 200);
    expect(metric(comparison, key).goal).toBe(goal);
  });

  it('goals= overrides the inferred goal', async () => {
    const f = await fixture();
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id}&goals=loss:max,acc:min`), 200);
    expect(metric(comparison, 'loss')).toMatchObject({ goal: 'max', best: { runId: f.small.id }, worst: { runId: f.large.id } });
    expect(metric(comparison, 'acc')).toMatchObject({ goal: 'min', best: { runId: f.small.id }, worst: { runId: f.large.id } });
  });

  it('runIds= restricts the comparison to some runs of those experiments', async () => {
    const f = await fixture();
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id},${f.text.id}&runIds=${f.small.id},${f.bert.id}`), 200);
    expect(comparison.runs.map((r: Json) => r.runId).sort()).toEqual([f.small.id, f.bert.id].sort());
    expect(Object.keys(diff(comparison, 'layers').values).sort()).toEqual([f.small.id, f.bert.id].sort());
    expect(metric(comparison, 'acc').best.runId).toBe(f.bert.id);
  });

  it('leaves out a run in the trash (MLflow runs/delete), and takes it back once restored', async () => {
    const f = await fixture();
    const compare = async () => expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id},${f.text.id}`), 200);
    const everything = await compare();

    // large holds the best loss; in the trash, it no longer counts, and small's loss is best.
    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: f.large.id }), 200);
    const withoutLarge = await compare();
    expect(withoutLarge.runs.map((r: Json) => r.runId).sort()).toEqual([f.small.id, f.bert.id].sort());
    expect(diff(withoutLarge, 'shared')).toStrictEqual({ key: 'shared', values: { [f.small.id]: true, [f.bert.id]: true }, isDifferent: false });
    expect(Object.keys(diff(withoutLarge, 'layers').values).sort()).toEqual([f.small.id, f.bert.id].sort());
    expect(metric(withoutLarge, 'loss')).toStrictEqual({
      metricKey: 'loss',
      goal: 'min',
      values: { [f.small.id]: 0.25, [f.bert.id]: 'NaN' },
      best: { runId: f.small.id, experimentId: f.vision.id, value: 0.25 },
      worst: { runId: f.bert.id, experimentId: f.text.id, value: 'NaN' },
    });

    expectStatus(await api.post(`/api/runs/${f.large.id}/restore`), 200);
    expect(await compare()).toStrictEqual(everything);
  });

  it('compares a run in the trash that runIds= names', async () => {
    const f = await fixture();
    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: f.large.id }), 200);
    const comparison = expectStatus(await api.get(`/api/experiments/compare?ids=${f.vision.id}&runIds=${f.small.id},${f.large.id}`), 200);
    expect(comparison.runs.map((r: Json) => r.runId).sort()).toEqual([f.small.id, f.large.id].sort());
    expect(metric(comparison, 'loss').best.runId).toBe(f.large.id);
  });

  it('refuses runIds that are not runs of the compared experiments: 400', async () => {
    const f = await fixture();
    const problem = expectProblem(await api.get(`/api/experiments/compare?ids=${f.vision.id}&runIds=${f.bert.id}`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/runIds']);
    expect(problem.detail).toContain(f.bert.id);
  });

  it('compares an experiment without runs to empty lists', async () => {
    const experiment = await createExperiment(api);
    expect(expectStatus(await api.get(`/api/experiments/compare?ids=${experiment.id}`), 200)).toStrictEqual({
      experimentIds: [experiment.id],
      runs: [],
      parameterDiff: [],
      metricComparison: [],
    });
  });

  it('accepts 50 experiment ids and refuses 51: 400 naming /ids', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 51; i++) ids.push((await createExperiment(api)).id);

    const fifty = expectStatus(await api.get(`/api/experiments/compare?ids=${ids.slice(0, 50).join(',')}`), 200);
    expect(fifty.experimentIds).toHaveLength(50);
    const problem = expectProblem(await api.get(`/api/experiments/compare?ids=${ids.join(',')}`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/ids']);
  });

  it('refuses a missing or empty ids list: 400', async () => {
    expectProblem(await api.get('/api/experiments/compare'), 400, 'INVALID_ARGUMENT');
    const problem = expectProblem(await api.get('/api/experiments/compare?ids=,,'), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/ids']);
  });

  it('answers 404 naming an unknown experiment id', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(await api.get(`/api/experiments/compare?ids=${experiment.id},nope`), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('nope');
  });

  it('refuses goals that are not key:min or key:max: 400', async () => {
    const experiment = await createExperiment(api);
    for (const goals of ['loss:lowest', 'loss', ':min']) {
      const problem = expectProblem(await api.get(`/api/experiments/compare?ids=${experiment.id}&goals=${goals}`), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/goals']);
    }
  });
});

describe('POST /api/runs/compare', () => {
  it('compares hand-picked runs from any experiments, in the same shape', async () => {
    const f = await fixture();
    const response = await api.post('/api/runs/compare', { runIds: [f.large.id, f.bert.id] });
    const comparison = expectStatus(response, 200);

    expect(Object.keys(comparison).sort()).toEqual(['experimentIds', 'metricComparison', 'parameterDiff', 'runs']);
    expect(comparison.experimentIds.sort()).toEqual([f.vision.id, f.text.id].sort());
    expect(comparison.runs.map((r: Json) => r.runId)).toEqual([f.large.id, f.bert.id]);
    expect(comparison.runs[0]).toStrictEqual({
      runId: f.large.id,
      runName: 'large',
      experimentId: f.vision.id,
      experimentName: 'vision',
      status: 'running',
      parameters: { lr: 0.1, layers: 50 },
      metrics: { loss: 0.2, acc: 0.85 },
    });
    expect(diff(comparison, 'shared')).toStrictEqual({ key: 'shared', values: { [f.large.id]: null, [f.bert.id]: true }, isDifferent: true });
    expect(metric(comparison, 'loss')).toMatchObject({ goal: 'min', best: { runId: f.large.id, value: 0.2 }, worst: { runId: f.bert.id, value: 'NaN' } });
  });

  it('compares a run in the trash it is asked for', async () => {
    const f = await fixture();
    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: f.large.id }), 200);
    const comparison = expectStatus(await api.post('/api/runs/compare', { runIds: [f.small.id, f.large.id] }), 200);
    expect(comparison.runs.map((r: Json) => r.runId)).toEqual([f.small.id, f.large.id]);
    expect(metric(comparison, 'loss').best.runId).toBe(f.large.id);
  });

  it('takes goals as an object', async () => {
    const f = await fixture();
    const comparison = expectStatus(await api.post('/api/runs/compare', { runIds: [f.small.id, f.large.id], goals: { loss: 'max' } }), 200);
    expect(metric(comparison, 'loss')).toMatchObject({ goal: 'max', best: { runId: f.small.id, value: 0.25 } });
  });

  it('gives no best when every value is NaN', async () => {
    const a = await createRun(api);
    const b = await createRun(api, a.experimentId);
    await logMetrics(api, a.id, [{ key: 'loss', value: 'NaN' }]);
    await logMetrics(api, b.id, [{ key: 'loss', value: 'NaN' }]);
    const comparison = expectStatus(await api.post('/api/runs/compare', { runIds: [a.id, b.id] }), 200);
    expect(metric(comparison, 'loss').best).toBeNull();
  });

  it('shows a finished run with its status', async () => {
    const run = await createRun(api);
    expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'failed' }), 200);
    const comparison = expectStatus(await api.post('/api/runs/compare', { runIds: [run.id] }), 200);
    expect(comparison.runs[0].status).toBe('failed');
  });

  it('answers 404 naming an unknown run id', async () => {
    const run = await createRun(api);
    const problem = expectProblem(await api.post('/api/runs/compare', { runIds: [run.id, 'ghost'] }), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('ghost');
  });

  it('refuses an empty list, a missing list, a bad goal and unknown fields: 400', async () => {
    const run = await createRun(api);
    expect(issuePaths(expectProblem(await api.post('/api/runs/compare', { runIds: [] }), 400, 'INVALID_ARGUMENT'))).toEqual(['/runIds']);
    expect(issuePaths(expectProblem(await api.post('/api/runs/compare', {}), 400, 'INVALID_ARGUMENT'))).toEqual(['/runIds']);
    expect(issuePaths(expectProblem(await api.post('/api/runs/compare', { runIds: [run.id], goals: { loss: 'lowest' } }), 400, 'INVALID_ARGUMENT'))).toEqual([
      '/goals/loss',
    ]);
    expect(issuePaths(expectProblem(await api.post('/api/runs/compare', { runIds: [run.id], ids: [] }), 400, 'INVALID_ARGUMENT'))).toEqual(['/ids']);
  });
});
