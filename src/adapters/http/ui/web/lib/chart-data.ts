import { smooth } from './smoothing.js';

/** A line as the chart draws it: x ascending (seconds in time mode, as uPlot's time scale wants). */
export type PreparedLine = [x: number[], y: (number | null)[]];

/**
 * One line ready for uPlot: in x order (uPlot needs x ascending; in time mode a step logged again
 * later is out of order, and in step mode nothing promises order either), then smoothed in that
 * order, then cut to positive values for a log scale (the rest become gaps).
 */
export function prepareLine(x: readonly number[], y: readonly (number | null)[], xMode: 'step' | 'time', log: boolean, smoothing: number): PreparedLine {
  let xs = x.slice(0, y.length);
  let ys: (number | null)[] = y.slice(0, xs.length);
  if (xs.some((v, i) => i > 0 && v < (xs[i - 1] as number))) {
    const order = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
    [xs, ys] = [order.map((i) => xs[i] as number), order.map((i) => ys[i] ?? null)];
  }
  if (smoothing > 0) ys = smooth(ys, smoothing);
  if (log) ys = ys.map((v) => (v !== null && v > 0 ? v : null));
  return [xMode === 'time' ? xs.map((t) => t / 1000) : xs, ys];
}

/**
 * Indices of the values a line cannot show, because no segment reaches them: their nearest real
 * neighbours on both sides are gaps (null) or the ends. Lines aligned by uPlot.join hold
 * `undefined` where another line has an x this one lacks; uPlot draws across those, so they are
 * looked past, not taken for gaps.
 */
export function isolatedIndices(values: ArrayLike<number | null | undefined>): number[] {
  const found: number[] = [];
  // The last index holding a value or a gap, and whether the one before it was a value.
  let previousWasValue = false;
  let candidate = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    const isValue = v !== null;
    if (candidate !== -1) {
      if (!isValue) found.push(candidate);
      candidate = -1;
    }
    if (isValue && !previousWasValue) candidate = i;
    previousWasValue = isValue;
  }
  if (candidate !== -1) found.push(candidate);
  return found;
}

/**
 * The index of the x in `xs` (ascending) nearest to `x`; the left one on a tie; -1 when `xs` is
 * empty. A chart that draws each line on its own x reads the value under the cursor with it.
 */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  if (xs.length === 0) return -1;
  let low = 0;
  let high = xs.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((xs[middle] as number) < x) low = middle + 1;
    else high = middle;
  }
  // low is the first x >= the target (or the last x): its left neighbour may be nearer.
  if (low > 0 && x - (xs[low - 1] as number) <= (xs[low] as number) - x) return low - 1;
  return low;
}
