import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import {
  accumulate,
  accumulateAll,
  assignSteps,
  byKeyInStepOrder,
  parseMetricValue,
  toMetricDrafts,
  toSummary,
  type MetricDraft,
  type MetricPoint,
} from '../../../src/domain/metric.js';
import { thrownBy } from './thrown.js';

const NOW = Date.parse('2026-01-15T10:00:00.000Z');

const point = (step: number, value: number, timestamp = NOW + step): MetricPoint => ({ key: 'loss', step, value, timestamp });

function summaryOf(points: MetricPoint[]) {
  const acc = accumulateAll(points);
  if (!acc) throw new Error('no points');
  return toSummary('loss', acc);
}

describe('metric values', () => {
  it('are finite numbers or the strings NaN, Infinity and -Infinity', () => {
    expect(parseMetricValue(0.25)).toBe(0.25);
    expect(parseMetricValue(-3)).toBe(-3);
    expect(parseMetricValue('NaN')).toBeNaN();
    expect(parseMetricValue('Infinity')).toBe(Infinity);
    expect(parseMetricValue('-Infinity')).toBe(-Infinity);
  });

  it.each([['nan'], ['inf'], ['1.5'], [''], [null], [true], [{}], [Infinity], [NaN]])('refuses %j', (value) => {
    expect(parseMetricValue(value)).toBeUndefined();
  });
});

describe('a metric batch', () => {
  it('becomes drafts, timestamped now unless a timestamp is given, with steps only where given', () => {
    const drafts = toMetricDrafts(
      [
        { key: 'loss', value: 1 },
        { key: 'acc', value: 'NaN', step: 4, timestamp: NOW - 10 },
      ],
      NOW,
    );
    expect(drafts).toEqual([
      { key: 'loss', value: 1, timestamp: NOW },
      { key: 'acc', value: NaN, step: 4, timestamp: NOW - 10 },
    ]);
  });

  it('names every bad point and field, not just the first', () => {
    const error = thrownBy(
      () =>
        toMetricDrafts(
          [
            { key: 'fine', value: 1 },
            { key: '', value: 1 },
            { key: 'loss', value: 'high' },
            { key: 'loss', value: 1, step: -1 },
            { key: 'loss', value: 1, step: 1.5 },
            { key: 'loss', value: 1, step: '3' },
            { key: 'a*b', value: null, timestamp: NaN },
          ],
          NOW,
        ),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      '/metrics/1/key',
      '/metrics/2/value',
      '/metrics/3/step',
      '/metrics/4/step',
      '/metrics/5/step',
      '/metrics/6/key',
      '/metrics/6/value',
      '/metrics/6/timestamp',
    ]);
  });

  it('has keys of 1 to 250 letters, digits, spaces and _ - . / :', () => {
    expect(toMetricDrafts([{ key: 'train/loss_1 ema-0.9:x', value: 1 }], NOW)).toHaveLength(1);
    expect(toMetricDrafts([{ key: 'k'.repeat(250), value: 1 }], NOW)).toHaveLength(1);
    expect(thrownBy(() => toMetricDrafts([{ key: 'k'.repeat(251), value: 1 }], NOW), InvalidArgumentError).issues[0]?.path).toBe('/metrics/0/key');
    expect(thrownBy(() => toMetricDrafts([{ key: 'naïve', value: 1 }], NOW), InvalidArgumentError).issues[0]?.path).toBe('/metrics/0/key');
  });

  it('holds 1 to 10,000 points', () => {
    expect(thrownBy(() => toMetricDrafts([], NOW), InvalidArgumentError).issues).toEqual([{ path: '/metrics', message: 'must hold at least one point' }]);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ key: 'loss', value: i }));
    expect(toMetricDrafts(many, NOW)).toHaveLength(10_000);
    const error = thrownBy(() => toMetricDrafts([...many, { key: 'loss', value: 0 }], NOW), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/metrics', message: 'must hold at most 10000 points' }]);
  });
});

describe('assigning steps', () => {
  const draft = (key: string, step?: number): MetricDraft => ({ key, value: 0, timestamp: NOW, ...(step === undefined ? {} : { step }) });

  it('starts a new key at 0 and counts on within the batch, per key', () => {
    const steps = assignSteps([draft('loss'), draft('acc'), draft('loss'), draft('loss'), draft('acc')], () => undefined);
    expect(steps.map((p) => `${p.key}@${p.step}`)).toEqual(['loss@0', 'acc@0', 'loss@1', 'loss@2', 'acc@1']);
  });

  it("continues after the key's last stored step", () => {
    const last: Record<string, number> = { loss: 41 };
    expect(assignSteps([draft('loss'), draft('acc')], (key) => last[key]).map((p) => p.step)).toEqual([42, 0]);
  });

  it('keeps given steps and continues after the highest step seen, never going back', () => {
    const steps = assignSteps([draft('loss', 10), draft('loss'), draft('loss', 3), draft('loss')], () => 5);
    expect(steps.map((p) => p.step)).toEqual([10, 11, 3, 12]);
  });

  it('carries the value and timestamp of each draft', () => {
    expect(assignSteps([{ key: 'loss', value: 0.5, timestamp: NOW + 7 }], () => undefined)).toEqual([
      { key: 'loss', value: 0.5, step: 0, timestamp: NOW + 7 },
    ]);
  });
});

describe('a batch per key in step order', () => {
  const at = (key: string, step: number, value: number): MetricPoint => ({ key, step, value, timestamp: NOW });
  const flat = (byKey: Map<string, MetricPoint[]>) => [...byKey].map(([key, points]) => `${key}: ${points.map((p) => `${p.step}=${p.value}`).join(' ')}`);

  it('keeps increasing steps as logged, keys in the order they first appear', () => {
    expect(flat(byKeyInStepOrder([at('loss', 0, 1), at('acc', 0, 2), at('loss', 1, 3), at('acc', 5, 4)]))).toEqual(['loss: 0=1 1=3', 'acc: 0=2 5=4']);
  });

  it('sorts steps logged out of order, and keeps the later point at a step', () => {
    const batch = [at('loss', 5, 1), at('acc', 1, 2), at('loss', 2, 3), at('loss', 5, 4), at('acc', 1, 5)];
    expect(flat(byKeyInStepOrder(batch))).toEqual(['loss: 2=3 5=4', 'acc: 1=5']);
  });
});

describe('metric aggregates', () => {
  it('give min, max, mean, count, first and last step, and the point at the highest step', () => {
    expect(summaryOf([point(0, 4), point(1, 2), point(2, 3)])).toEqual({
      key: 'loss',
      last: { value: 3, step: 2, timestamp: NOW + 2 },
      min: 2,
      max: 4,
      mean: 3,
      count: 3,
      firstStep: 0,
      lastStep: 2,
    });
  });

  it('take the last point by step, not by the order points arrived in', () => {
    const summary = summaryOf([point(5, 1), point(9, 7), point(2, 3)]);
    expect(summary.last).toEqual({ value: 7, step: 9, timestamp: NOW + 9 });
    expect(summary).toMatchObject({ firstStep: 2, lastStep: 9 });
  });

  it('are the same whatever order the history is accumulated in', () => {
    const points = [point(3, 0.25), point(0, 1), point(7, 0.5), point(1, NaN), point(5, 0.75)];
    const forward = summaryOf(points);
    expect(summaryOf([...points].reverse())).toEqual(forward);
    expect(summaryOf([points[2], points[4], points[0], points[3], points[1]] as MetricPoint[])).toEqual(forward);
  });

  it('leave NaN out of min, max and mean but count it', () => {
    const summary = summaryOf([point(0, NaN), point(1, 2), point(2, NaN), point(3, 4)]);
    expect(summary).toMatchObject({ min: 2, max: 4, mean: 3, count: 4 });
  });

  it('are NaN when every value is NaN', () => {
    const summary = summaryOf([point(0, NaN), point(1, NaN)]);
    expect(summary.min).toBeNaN();
    expect(summary.max).toBeNaN();
    expect(summary.mean).toBeNaN();
    expect(summary.count).toBe(2);
  });

  it('take infinities as the extremes they are', () => {
    const summary = summaryOf([point(0, 1), point(1, Infinity), point(2, -Infinity)]);
    expect(summary).toMatchObject({ min: -Infinity, max: Infinity });
  });

  it('update incrementally to what a full recomputation gives', () => {
    const points = [point(0, 3), point(2, 1), point(1, 8)];
    let acc = accumulate(undefined, points[0] as MetricPoint);
    acc = accumulate(acc, points[1] as MetricPoint);
    acc = accumulate(acc, points[2] as MetricPoint);
    expect(toSummary('loss', acc)).toEqual(summaryOf(points));
  });

  it('forget a replaced value once the history is recomputed without it', () => {
    const before = summaryOf([point(0, 9), point(1, 5)]);
    const after = summaryOf([point(0, 1), point(1, 5)]);
    expect(before).toMatchObject({ max: 9, count: 2 });
    expect(after).toMatchObject({ min: 1, max: 5, mean: 3, count: 2 });
  });

  it('do not exist for an empty history', () => {
    expect(accumulateAll([])).toBeUndefined();
  });
});

describe('assignSteps at the end of the step range', () => {
  it('refuses to go past the largest step rather than losing precision', () => {
    expect(() => assignSteps([{ key: 'loss', value: 1, timestamp: 0 }], () => Number.MAX_SAFE_INTEGER)).toThrow(/last step/);
  });
});
