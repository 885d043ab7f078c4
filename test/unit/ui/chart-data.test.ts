import { describe, expect, it } from 'vitest';
import { isolatedIndices, nearestIndex, prepareLine } from '../../../src/adapters/http/ui/web/lib/chart-data.js';

describe('the points a chart draws as dots', () => {
  it.each<[string, (number | null | undefined)[], number[]]>([
    ['a lone value', [0.5], [0]],
    ['a value between gaps', [null, 0.7, null], [1]],
    ['values next to values', [1, 2, 3], []],
    ['a value after a gap, followed by a value', [null, 1, 2], []],
    ['values each between gaps', [1, null, 2, null], [0, 2]],
    ['nothing', [], []],
  ])('%s', (_, values, isolated) => {
    expect(isolatedIndices(values)).toEqual(isolated);
  });

  // uPlot.join leaves undefined where another line has an x this one lacks, and draws across it.
  it('looks past the holes of lines aligned by uPlot.join', () => {
    // Two runs logged at interleaved steps: 0, 2, 4 and 1, 3, 5.
    expect(isolatedIndices([1, undefined, 2, undefined, 3, undefined])).toEqual([]);
    expect(isolatedIndices([undefined, 1, undefined, 2, undefined, 3])).toEqual([]);
    // A real gap (null) still isolates, however many holes lie between.
    expect(isolatedIndices([null, undefined, 1, undefined, undefined, null, 2, undefined])).toEqual([2, 6]);
    expect(isolatedIndices([undefined, 4, undefined])).toEqual([1]);
  });
});

describe('a line prepared for the chart', () => {
  it('is put in x order (a step logged again later is out of time order), then smoothed in that order', () => {
    // Timestamps in step order: the point of step 1 was logged again last.
    const [x, y] = prepareLine([1000, 5000, 3000], [10, 30, 20], 'time', false, 0);
    expect(x).toEqual([1, 3, 5]);
    expect(y).toEqual([10, 20, 30]);
    const [, smoothed] = prepareLine([1000, 5000, 3000], [10, 30, 20], 'time', false, 0.5);
    // The debiased moving average of 10, 20, 30 in time order.
    expect(smoothed.map((v) => Number(v?.toFixed(4)))).toEqual([10, 16.6667, 24.2857]);
  });

  it('leaves an ordered line as it is, and keeps only positive values on a log scale', () => {
    expect(prepareLine([0, 1, 2, 3], [2, 0, -1, null], 'step', true, 0)).toEqual([
      [0, 1, 2, 3],
      [2, null, null, null],
    ]);
  });
});

describe('the point nearest to the cursor on a line of its own steps', () => {
  it.each<[string, number[], number, number]>([
    ['an exact step', [0, 10, 20, 30], 20, 2],
    ['nearer the right neighbour', [0, 10, 20, 30], 17, 2],
    ['nearer the left neighbour', [0, 10, 20, 30], 13, 1],
    ['half-way: the left one', [0, 10, 20, 30], 15, 1],
    ['before the first step', [5, 10], -100, 0],
    ['after the last step', [5, 10], 1e9, 1],
    ['a single step', [7], 3, 0],
    ['nothing', [], 3, -1],
  ])('%s', (_, xs, x, index) => {
    expect(nearestIndex(xs, x)).toBe(index);
  });

  it('agrees with a scan of every step', () => {
    const xs = Array.from({ length: 200 }, (_, i) => i * 5 + (i % 3));
    expect(xs.every((v, i) => i === 0 || v > (xs[i - 1] as number))).toBe(true);
    for (let x = -5; x < 1010; x += 0.5) {
      const scanned = xs.reduce((best, v, i) => (Math.abs(v - x) < Math.abs((xs[best] as number) - x) ? i : best), 0);
      expect(Math.abs((xs[nearestIndex(xs, x)] as number) - x), `at ${x}`).toBe(Math.abs((xs[scanned] as number) - x));
    }
  });
});
