import uPlot, { type AlignedData, type Options } from 'uplot';
import { isolatedIndices, nearestIndex, prepareLine, type PreparedLine } from '../lib/chart-data.js';
import { formatDate, formatValue } from '../lib/format.js';
import type { ChartSeries } from './chart.js';

/**
 * How a chart hands its lines to uPlot. With few lines they are aligned on one x (uPlot.join),
 * and uPlot's legend lists every line's value at the cursor. Many lines are drawn "faceted"
 * (uPlot's mode 2), each on its own x: lines downsampled by the server keep different steps per
 * run, so 100 lines of 400 points join into tens of thousands of x values which every line would
 * then walk when drawn (the compare chart of 100 runs spent most of its first draw there).
 */
export const MAX_JOINED_LINES = 12;

export const isFaceted = (lines: number): boolean => lines > MAX_JOINED_LINES;

export function chartData(series: ChartSeries[], xMode: 'step' | 'time', log: boolean, smoothing: number): AlignedData {
  const prepared = series.map((s) => prepareLine(s.x, s.y, xMode, log, smoothing));
  // Mode 2's data: a null where the shared x would be, then [x, y] per line. uPlot's types know
  // only the aligned shape.
  if (isFaceted(prepared.length)) return [null, ...prepared] as unknown as AlignedData;
  if (prepared.length === 0) return [[]];
  if (prepared.length === 1) return prepared[0] as AlignedData;
  return uPlot.join(prepared as AlignedData[]);
}

/** A line's [x, y] in the chart's data, whichever the mode. */
function lineOf(u: uPlot, seriesIndex: number, faceted: boolean): PreparedLine | undefined {
  if (faceted) return u.data[seriesIndex] as unknown as PreparedLine | undefined;
  const ys = u.data[seriesIndex];
  return ys ? [u.data[0] as number[], ys as (number | null)[]] : undefined;
}

/** What mode 2 needs from the options: each line's scales, and the index under the cursor per line. */
export function facetedOptions(): Pick<Options, 'mode'> & { facets: NonNullable<Options['series'][number]['facets']>; dataIdx: NonNullable<NonNullable<Options['cursor']>['dataIdx']> } {
  return {
    mode: 2,
    facets: [
      { scale: 'x', auto: true, sorted: 1 },
      { scale: 'y', auto: true },
    ],
    // uPlot's own scanner walks the shared x, which mode 2 has not: each line's nearest x instead.
    dataIdx: (u, seriesIndex) => {
      const line = lineOf(u, seriesIndex, true);
      if (!line || u.cursor.left == null || u.cursor.left < 0) return null;
      const index = nearestIndex(line[0], u.posToVal(u.cursor.left, 'x'));
      return index < 0 ? null : index;
    },
  };
}

/** The points a line cannot show, drawn as dots (uPlot draws the points a filter names even where
 * `show` is false; null draws none). */
export function isolatedPoints(faceted: boolean) {
  return (u: uPlot, seriesIndex: number): number[] | null => {
    const line = lineOf(u, seriesIndex, faceted);
    if (!line) return null;
    const found = isolatedIndices(line[1]);
    return found.length > 0 ? found : null;
  };
}

/** The read-out above the chart: the x at the cursor and the line nearest to it, with its value. */
export function describeCursor(u: uPlot, xMode: 'step' | 'time', faceted: boolean): string {
  const target = u.cursor.top == null ? undefined : u.posToVal(u.cursor.top, 'y');
  let nearest: { label: string; value: number; x: number } | undefined;
  let anyX: number | undefined;
  for (let i = 1; i < u.series.length; i++) {
    const index = faceted ? u.cursor.idxs?.[i] : u.cursor.idx;
    const line = lineOf(u, i, faceted);
    if (index == null || !line) continue;
    const x = line[0][index];
    if (x == null) continue;
    anyX ??= x;
    const value = line[1][index];
    if (value == null) continue;
    if (!nearest || (target !== undefined && Math.abs(value - target) < Math.abs(nearest.value - target))) {
      nearest = { label: String(u.series[i]?.label ?? ''), value, x };
    }
  }
  const x = nearest?.x ?? anyX;
  if (x === undefined) return '';
  const at = xMode === 'time' ? formatDate(new Date(x * 1000).toISOString()) : `step ${x}`;
  return nearest ? `${at} · ${nearest.label}: ${formatValue(nearest.value)}` : at;
}
