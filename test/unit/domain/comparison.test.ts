import { describe, expect, it } from 'vitest';
import { compareMetric, compareRuns, diffParameters, inferGoal, parseGoals, type RunComparison } from '../../../src/domain/comparison.js';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import type { ParameterValue } from '../../../src/domain/parameter.js';
import { thrownBy } from './thrown.js';

const run = (runId: string, metrics: Record<string, number> = {}, parameters: Record<string, ParameterValue> = {}): RunComparison => ({
  runId,
  experimentId: `exp-of-${runId}`,
  experimentName: 'e',
  status: 'completed',
  parameters,
  metrics,
});

describe('metric goals', () => {
  it.each([
    'loss',
    'val_loss',
    'Train/Loss',
    'error_rate',
    'top1_err',
    'mse',
    'mae',
    'rmse',
    'perplexity',
    'ppl',
    'wer',
    'cer',
    'p99_latency',
    'epoch_time',
  ])('minimises %s', (key) => {
    expect(inferGoal(key)).toBe('min');
  });

  it.each(['accuracy', 'f1', 'auc', 'reward', 'bleu', 'precision'])('maximises %s', (key) => {
    expect(inferGoal(key)).toBe('max');
  });

  it('can be given as key:goal pairs', () => {
    expect(parseGoals('loss:max, acc:min ,')).toEqual({ loss: 'max', acc: 'min' });
    expect(parseGoals('')).toEqual({});
    expect(parseGoals('eval:loss:min')).toEqual({ 'eval:loss': 'min' });
  });

  it('refuse pairs that are not key:min or key:max, naming each', () => {
    const error = thrownBy(() => parseGoals('loss,acc:best,:min,ok:max'), InvalidArgumentError);
    expect(error.issues).toEqual([
      { path: '/goals', message: "'loss' must look like key:min or key:max" },
      { path: '/goals', message: "'acc:best' must look like key:min or key:max" },
      { path: '/goals', message: "':min' must look like key:min or key:max" },
    ]);
  });
});

describe('ranking a metric', () => {
  it('picks the lowest as best when minimising and the highest as worst', () => {
    const ranked = compareMetric('loss', 'min', [run('a', { loss: 0.5 }), run('b', { loss: 0.2 }), run('c', { loss: 0.9 })]);
    expect(ranked).toEqual({
      metricKey: 'loss',
      goal: 'min',
      values: { a: 0.5, b: 0.2, c: 0.9 },
      best: { runId: 'b', experimentId: 'exp-of-b', value: 0.2 },
      worst: { runId: 'c', experimentId: 'exp-of-c', value: 0.9 },
    });
  });

  it('picks the highest as best when maximising', () => {
    const ranked = compareMetric('acc', 'max', [run('a', { acc: 0.7 }), run('b', { acc: 0.9 }), run('c', { acc: 0.1 })]);
    expect(ranked.best?.runId).toBe('b');
    expect(ranked.worst?.runId).toBe('c');
  });

  it.each(['min', 'max'] as const)('never makes NaN best, and makes it worst, when the goal is %s', (goal) => {
    const ranked = compareMetric('m', goal, [run('a', { m: NaN }), run('b', { m: 1 }), run('c', { m: 2 })]);
    expect(ranked.best?.runId).toBe(goal === 'min' ? 'b' : 'c');
    expect(ranked.worst?.runId).toBe('a');
    expect(ranked.worst?.value).toBeNaN();
    expect(ranked.values.a).toBeNaN();
  });

  it('keeps the first NaN as worst when NaN comes after the numbers', () => {
    const ranked = compareMetric('loss', 'min', [run('a', { loss: 1 }), run('b', { loss: NaN }), run('c', { loss: 9 }), run('d', { loss: NaN })]);
    expect(ranked.best?.runId).toBe('a');
    expect(ranked.worst?.runId).toBe('b');
  });

  it('has no best when every value is NaN', () => {
    const ranked = compareMetric('loss', 'min', [run('a', { loss: NaN }), run('b', { loss: NaN })]);
    expect(ranked.best).toBeNull();
    expect(ranked.worst?.runId).toBe('a');
  });

  it('gives ties to the earlier run in the comparison', () => {
    const ranked = compareMetric('acc', 'max', [run('a', { acc: 0.5 }), run('b', { acc: 0.9 }), run('c', { acc: 0.9 }), run('d', { acc: 0.5 })]);
    expect(ranked.best?.runId).toBe('b');
    expect(ranked.worst?.runId).toBe('a');
  });

  it('leaves out runs without the metric', () => {
    const ranked = compareMetric('loss', 'min', [run('a', { acc: 1 }), run('b', { loss: 3 })]);
    expect(ranked.values).toEqual({ b: 3 });
    expect(ranked.best?.runId).toBe('b');
    expect(ranked.worst?.runId).toBe('b');
  });

  it('ranks infinities at the ends', () => {
    const ranked = compareMetric('loss', 'min', [run('a', { loss: Infinity }), run('b', { loss: -Infinity }), run('c', { loss: 0 })]);
    expect(ranked.best?.runId).toBe('b');
    expect(ranked.worst?.runId).toBe('a');
  });
});

describe('parameter diff', () => {
  it('has one entry per key, null where a run lacks it, differing keys first then by key', () => {
    const diff = diffParameters([
      run('a', {}, { lr: 0.1, optimizer: 'adam', seed: 1, amp: true }),
      run('b', {}, { lr: 0.2, optimizer: 'adam', seed: '1', amp: true }),
      run('c', {}, { lr: 0.1, optimizer: 'adam', amp: true, seed: 1, dropout: 0.5 }),
    ]);
    expect(diff).toEqual([
      { key: 'dropout', values: { a: null, b: null, c: 0.5 }, isDifferent: true },
      { key: 'lr', values: { a: 0.1, b: 0.2, c: 0.1 }, isDifferent: true },
      { key: 'seed', values: { a: 1, b: '1', c: 1 }, isDifferent: true },
      { key: 'amp', values: { a: true, b: true, c: true }, isDifferent: false },
      { key: 'optimizer', values: { a: 'adam', b: 'adam', c: 'adam' }, isDifferent: false },
    ]);
  });

  it('is empty when no run has parameters', () => {
    expect(diffParameters([run('a'), run('b')])).toEqual([]);
  });
});

describe('comparing runs', () => {
  it('ranks every metric seen, sorted by key, with inferred goals unless overridden', () => {
    const runs = [run('a', { loss: 0.3, acc: 0.8 }), run('b', { loss: 0.1, acc: 0.9, time: 5 })];
    const comparison = compareRuns(['e1'], runs, { loss: 'max' });
    expect(comparison.experimentIds).toEqual(['e1']);
    expect(comparison.runs).toBe(runs);
    expect(comparison.metricComparison.map((m) => [m.metricKey, m.goal, m.best?.runId])).toEqual([
      ['acc', 'max', 'b'],
      ['loss', 'max', 'a'],
      ['time', 'min', 'b'],
    ]);
  });
});
