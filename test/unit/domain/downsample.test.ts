import { describe, expect, it } from 'vitest';
import { Issues } from '../../../src/domain/errors.js';
import { checkMaxPoints, downsample, type DownsampleMethod } from '../../../src/domain/downsample.js';
import type { MetricPoint } from '../../../src/domain/metric.js';

const series = (values: readonly number[], firstStep = 0): MetricPoint[] =>
  values.map((value, i) => ({ key: 'loss', value, step: firstStep + i, timestamp: 1_700_000_000_000 + i }));

/** A reproducible pseudo-random walk with a few spikes. */
function walk(n: number, seed: number): number[] {
  let state = seed;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const values: number[] = [];
  let v = 1;
  for (let i = 0; i < n; i++) {
    v += (random() - 0.5) * 0.1;
    values.push(random() < 0.001 ? v + (random() - 0.5) * 20 : v);
  }
  return values;
}

function extremes(points: readonly MetricPoint[]): { min: MetricPoint; max: MetricPoint } {
  const numeric = points.filter((p) => !Number.isNaN(p.value));
  const min = numeric.reduce((a, b) => (b.value < a.value ? b : a));
  const max = numeric.reduce((a, b) => (b.value > a.value ? b : a));
  return { min, max };
}

function expectFaithful(original: MetricPoint[], result: MetricPoint[], maxPoints: number): void {
  expect(result.length).toBeLessThanOrEqual(maxPoints);
  expect(result[0]).toBe(original[0]);
  expect(result[result.length - 1]).toBe(original[original.length - 1]);
  const steps = result.map((p) => p.step);
  expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
  for (const p of result) expect(original).toContain(p);
  if (original.some((p) => !Number.isNaN(p.value))) {
    const { min, max } = extremes(original);
    expect(result.map((p) => p.value)).toContain(min.value);
    expect(result.map((p) => p.value)).toContain(max.value);
  }
}

const METHODS: DownsampleMethod[] = ['minmax', 'lttb'];

describe('downsample', () => {
  it('returns every point when there are no more than asked for, or when the method is none', () => {
    const points = series([3, 1, 2]);
    expect(downsample(points, 4, 'minmax')).toEqual(points);
    expect(downsample(points, 4, 'lttb')).toEqual(points);
    expect(downsample(series(walk(5_000, 1)), 10, 'none')).toHaveLength(5_000);
  });

  it.each(METHODS)('%s keeps the first and last points and the global minimum and maximum, in step order', (method) => {
    const points = series(walk(10_000, 7), 100);
    const result = downsample(points, 1_000, method);
    expectFaithful(points, result, 1_000);
    expect(result.length).toBeGreaterThan(900);
  });

  it.each(METHODS)('%s holds its promises for any length and any allowed budget', (method) => {
    for (let seed = 1; seed <= 60; seed++) {
      const n = 5 + ((seed * 37) % 400);
      const maxPoints = 4 + ((seed * 13) % 40);
      const points = series(walk(n, seed));
      expectFaithful(points, downsample(points, maxPoints, method), maxPoints);
    }
  });

  it('minmax keeps every spike: each bucket keeps its lowest and highest point', () => {
    const values = new Array<number>(10_000).fill(0.5);
    for (const [step, value] of [[1_234, 9], [5_000, -3], [7_777, 4], [8_888, -1]] as const) values[step] = value;
    const result = downsample(series(values), 200, 'minmax');
    const kept = new Map(result.map((p) => [p.step, p.value]));
    expect(kept.get(1_234)).toBe(9);
    expect(kept.get(5_000)).toBe(-3);
    expect(kept.get(7_777)).toBe(4);
    expect(kept.get(8_888)).toBe(-1);
  });

  it('lttb keeps the shape: the chosen points, joined by lines, stay close to the curve', () => {
    const points = series(Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 500)));
    const result = downsample(points, 100, 'lttb');
    let worst = 0;
    let j = 0;
    for (const p of points) {
      while (j < result.length - 2 && (result[j + 1] as MetricPoint).step < p.step) j++;
      const a = result[j] as MetricPoint;
      const b = result[j + 1] as MetricPoint;
      const interpolated = a.value + ((b.value - a.value) * (p.step - a.step)) / (b.step - a.step);
      worst = Math.max(worst, Math.abs(interpolated - p.value));
    }
    expect(worst).toBeLessThan(0.05);
  });

  it.each(METHODS)('%s never takes NaN for an extreme, keeps a stretch of NaN visible, and copes with a series of NaN only', (method) => {
    const values = walk(2_000, 3);
    for (let i = 800; i < 1_200; i++) values[i] = NaN;
    values[1_500] = Infinity;
    const points = series(values);
    const result = downsample(points, 100, method);
    expectFaithful(points, result, 100);
    expect(result.some((p) => Number.isNaN(p.value))).toBe(true);
    expect(result.some((p) => p.value === Infinity)).toBe(true);
    const onlyNaN = series(new Array<number>(500).fill(NaN));
    const sampled = downsample(onlyNaN, 10, method);
    expect(sampled.length).toBeLessThanOrEqual(10);
    expect(sampled[0]).toBe(onlyNaN[0]);
    expect(sampled[sampled.length - 1]).toBe(onlyNaN[499]);
  });
});

describe('checkMaxPoints', () => {
  it('accepts 4 to 100,000 and names the field otherwise', () => {
    for (const ok of [4, 1_000, 100_000]) {
      const issues = new Issues();
      checkMaxPoints(ok, issues);
      expect(issues.empty).toBe(true);
    }
    for (const bad of [3, 0, -1, 1.5, 100_001, NaN]) {
      const issues = new Issues();
      checkMaxPoints(bad, issues);
      expect(() => issues.throwIfAny()).toThrow(/\/maxPoints: must be a whole number from 4 to 100000/);
    }
  });
});

describe('downsample, edge cases', () => {
  it.each(METHODS)('%s keeps a short stretch of NaN visible, even inside a bucket with numbers', (method) => {
    const values = Array.from({ length: 1_000_000 }, (_, i) => 2 - i / 1_000_000);
    for (let i = 500_000; i < 501_500; i++) values[i] = NaN;
    const result = downsample(series(values), 1_000, method);
    expect(result.length).toBeLessThanOrEqual(1_000);
    expect(result.some((p) => Number.isNaN(p.value) && p.step >= 500_000 && p.step < 501_500)).toBe(true);
    const tiny = downsample(series([5, 4, 3, NaN, 2, 1, 0, 1, 2]), 8, method);
    expect(tiny.some((p) => Number.isNaN(p.value))).toBe(true);
  });

  it('minmax looks at every point up to the last, whatever the rounding of bucket sizes', () => {
    // 1,008 points into 1,000 gives bucket sizes whose sum rounds just below the total.
    const values = Array.from({ length: 1_008 }, (_, i) => Math.sin(i / 50));
    values[10] = 100;
    values[20] = -100;
    values[1_006] = 50;
    const result = downsample(series(values), 1_000, 'minmax');
    expect(result).toContainEqual(expect.objectContaining({ step: 1_006, value: 50 }));
    const small = new Array<number>(32).fill(0);
    small[1] = 100;
    small[30] = 50;
    expect(downsample(series(small), 26, 'minmax')).toContainEqual(expect.objectContaining({ step: 30, value: 50 }));
  });

  it.each(METHODS)('%s holds its promises on series of NaN, infinities, ties and constants', (method) => {
    const palette = [NaN, Infinity, -Infinity, 0, 1, 1, -1e308, 1e308, 0.5];
    let state = 99;
    const pick = () => palette[(state = (state * 48_271) % 2_147_483_647) % palette.length] as number;
    for (let round = 0; round < 2_000; round++) {
      const n = 1 + (round % 60);
      const maxPoints = 4 + (round % 17);
      const points = series(Array.from({ length: n }, pick));
      const result = downsample(points, maxPoints, method);
      expect(result.length).toBeLessThanOrEqual(Math.max(maxPoints, 0));
      if (n <= maxPoints) {
        expect(result).toEqual(points);
        continue;
      }
      expectFaithful(points, result, maxPoints);
    }
  });
});
