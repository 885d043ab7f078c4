import type { Issues } from './errors.js';
import { columnsOf, pointsOf, type MetricColumns, type MetricPoint } from './metric.js';

/**
 * Downsampling a metric series for a chart.
 *
 * Charts of long runs cannot draw every point, and samplers that pick every n-th step hide
 * exactly what people look for: a loss spike, the best accuracy. Both methods here keep the first
 * and the last point and never drop the series' minimum or maximum (NaN aside):
 * - `minmax`: the steps are cut into buckets and each bucket keeps its lowest and its highest
 *   point, so every spike survives; good for noisy series.
 * - `lttb` (Largest-Triangle-Three-Buckets): each bucket keeps the point that forms the largest
 *   triangle with its neighbours' choices, which keeps the visual shape of the curve.
 * - `none`: every point.
 */
export type DownsampleMethod = 'minmax' | 'lttb' | 'none';
export const DOWNSAMPLE_METHODS: readonly DownsampleMethod[] = ['minmax', 'lttb', 'none'];

export const DEFAULT_MAX_POINTS = 1_000;
/** First, last, minimum and maximum: fewer cannot honour the promise above. */
export const MIN_MAX_POINTS = 4;
export const MAX_MAX_POINTS = 100_000;

export function checkMaxPoints(maxPoints: number, issues: Issues, path = '/maxPoints'): void {
  if (!Number.isSafeInteger(maxPoints) || maxPoints < MIN_MAX_POINTS || maxPoints > MAX_MAX_POINTS) {
    issues.add(path, `must be a whole number from ${MIN_MAX_POINTS} to ${MAX_MAX_POINTS}`);
  }
}

/**
 * At most `maxPoints` of `points` (which are in step order), in step order. Returns the points
 * themselves (not copies) when nothing needs to go.
 */
export function downsample(points: readonly MetricPoint[], maxPoints: number, method: DownsampleMethod): MetricPoint[] {
  if (method === 'none' || points.length <= maxPoints) return [...points];
  return downsampleIndexes(columnsOf(points), maxPoints, method).map((i) => points[i] as MetricPoint);
}

/** `downsample` over columns: the chosen points as objects, built for those points only. */
export function downsampleColumns(key: string, columns: MetricColumns, maxPoints: number, method: DownsampleMethod): MetricPoint[] {
  return pointsOf(key, columns, downsampleIndexes(columns, maxPoints, method));
}

/** The indexes `downsample` keeps, ascending. */
export function downsampleIndexes(columns: MetricColumns, maxPoints: number, method: DownsampleMethod): number[] {
  const length = columns.steps.length;
  if (method === 'none' || length <= maxPoints) return Array.from({ length }, (_, i) => i);
  const { steps, values } = columns;
  // Places kept back: two for the extremes, which the bucket choices may have missed, and one per
  // stretch of NaN (up to a quarter of the budget), so a divergence shows as a gap in the chart.
  const gaps = nanStretches(values).slice(0, Math.floor((maxPoints - 4) / 4));
  const budget = maxPoints - 2 - gaps.length;
  const chosen = method === 'minmax' ? minmax(values, budget + 2) : lttb(steps, values, budget);
  return withExtremes(values, [...chosen, ...gaps], maxPoints);
}

/** The first index of each run of NaN values. */
function nanStretches(values: Float64Array): number[] {
  const starts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]) && (i === 0 || !Number.isNaN(values[i - 1]))) starts.push(i);
  }
  return starts;
}

/** Indexes of each bucket's lowest and highest point, plus the first and the last. */
function minmax(values: Float64Array, maxPoints: number): number[] {
  const last = values.length - 1;
  const buckets = Math.max(1, Math.floor((maxPoints - 4) / 2));
  const size = (values.length - 2) / buckets;
  const chosen = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    // The last bucket ends at the last point, whatever floating-point rounding says.
    const to = b === buckets - 1 ? last : Math.min(last, 1 + Math.floor((b + 1) * size));
    let low = -1;
    let high = -1;
    let lowValue = 0;
    let highValue = 0;
    for (let i = from; i < to; i++) {
      const value = values[i] as number;
      if (Number.isNaN(value)) continue;
      if (low < 0 || value < lowValue) {
        low = i;
        lowValue = value;
      }
      if (high < 0 || value > highValue) {
        high = i;
        highValue = value;
      }
    }
    // A bucket of NaN only keeps nothing here: its stretch is kept by `downsample`.
    if (low < 0) continue;
    chosen.push(Math.min(low, high));
    if (high !== low) chosen.push(Math.max(low, high));
  }
  chosen.push(last);
  return chosen;
}

/** Largest-Triangle-Three-Buckets (Steinarsson, 2013) over (step, value): `threshold` indexes. */
function lttb(steps: Float64Array, values: Float64Array, threshold: number): number[] {
  const last = values.length - 1;
  const size = (values.length - 2) / (threshold - 2);
  const chosen = [0];
  let a = 0;
  for (let b = 0; b < threshold - 2; b++) {
    // The average of the next bucket is the triangle's third corner.
    const nextFrom = Math.floor((b + 1) * size) + 1;
    const nextTo = Math.min(last + 1, Math.floor((b + 2) * size) + 1);
    let avgX = 0;
    let avgY = 0;
    let counted = 0;
    for (let i = nextFrom; i < nextTo; i++) {
      const value = values[i] as number;
      if (!Number.isFinite(value)) continue;
      avgX += steps[i] as number;
      avgY += value;
      counted++;
    }
    if (counted > 0) {
      avgX /= counted;
      avgY /= counted;
    } else {
      const at = Math.min(nextFrom, last);
      avgX = steps[at] as number;
      avgY = Number.isFinite(values[at]) ? (values[at] as number) : 0;
    }
    const from = Math.floor(b * size) + 1;
    const to = b === threshold - 3 ? last : Math.floor((b + 1) * size) + 1;
    const ax = steps[a] as number;
    const ay = Number.isFinite(values[a]) ? (values[a] as number) : avgY;
    let best = from;
    let bestArea = -1;
    for (let i = from; i < to; i++) {
      const value = values[i] as number;
      // An infinite value is the most important point of its bucket; NaN the least.
      const area = Number.isNaN(value)
        ? -1
        : Number.isFinite(value)
          ? Math.abs((ax - avgX) * (value - ay) - (ax - (steps[i] as number)) * (avgY - ay))
          : Infinity;
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    chosen.push(best);
    a = best;
  }
  chosen.push(last);
  return chosen;
}

/**
 * The chosen indexes plus those of the global minimum and maximum if missing, ascending, at most
 * `maxPoints` (should the choices overrun, interior points other than the extremes go first).
 */
function withExtremes(values: Float64Array, chosen: number[], maxPoints: number): number[] {
  let low = -1;
  let high = -1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isNaN(value)) continue;
    if (low < 0 || value < (values[low] as number)) low = i;
    if (high < 0 || value > (values[high] as number)) high = i;
  }
  const keep = new Set(chosen);
  if (low >= 0) keep.add(low);
  if (high >= 0) keep.add(high);
  const indexes = [...keep].sort((x, y) => x - y);
  // Never more than asked: drop interior choices that are not extremes, from the middle out.
  while (indexes.length > maxPoints) {
    const middle = Math.floor(indexes.length / 2);
    const drop = [middle, middle - 1, middle + 1].find((i) => i > 0 && i < indexes.length - 1 && indexes[i] !== low && indexes[i] !== high);
    indexes.splice(drop ?? middle, 1);
  }
  return indexes;
}
