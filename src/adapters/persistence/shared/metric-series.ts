import { accumulateBatch, type MetricAccumulator, type MetricColumns, type MetricPoint } from '../../../domain/metric.js';

/**
 * The `metric_series` row the SQL stores keep per (run, key), read and written alike by both:
 * where its points are (its layout) and its running aggregates, with NaN held as NULL.
 */

/** Where a series' points are: what `metric_series` keeps for the chunk store. */
export interface SeriesLayout {
  /** The last step held in chunks; null while the series has none. */
  sealedThrough: number | null;
  /** How many points are held as rows. */
  tailCount: number;
}

/**
 * NaN is stored as NULL, and NULL read back is NaN: in the aggregate columns of `metric_series`
 * in both stores (an aggregate of no number is NaN), and in SQLite's point rows too, since SQLite
 * has no NaN.
 */
export const toSql = (value: number): number | null => (Number.isNaN(value) ? null : value);
export const fromSql = (value: number | null): number => (value === null ? NaN : value);

/**
 * The aggregate columns of `metric_series`, in this order in both schemas: last_value, last_step,
 * last_timestamp, first_step, min, max, sum, numeric_count, count.
 */
export type AggregateColumns = [
  lastValue: number | null,
  lastStep: number,
  lastTimestamp: number,
  firstStep: number,
  min: number | null,
  max: number | null,
  sum: number | null,
  numericCount: number,
  count: number,
];

export function aggregateColumns(acc: MetricAccumulator): AggregateColumns {
  return [toSql(acc.lastValue), acc.lastStep, acc.lastTimestamp, acc.firstStep, toSql(acc.min), toSql(acc.max), toSql(acc.sum), acc.numericCount, acc.count];
}

export function accumulatorOf([lastValue, lastStep, lastTimestamp, firstStep, min, max, sum, numericCount, count]: AggregateColumns): MetricAccumulator {
  return { lastValue: fromSql(lastValue), lastStep, lastTimestamp, firstStep, min: fromSql(min), max: fromSql(max), sum: fromSql(sum), numericCount, count };
}

/**
 * Adds whole histories up by the domain's accumulator, a block of columns at a time in step
 * order, so they add up as appends do: what a store recomputes a series' aggregates with after a
 * replacement. The points pass through one reused block of point objects, not an object each.
 */
export class HistoryAccumulator {
  private readonly block: MetricPoint[] = [];

  add(acc: MetricAccumulator | undefined, { steps, values, timestamps }: MetricColumns): MetricAccumulator | undefined {
    const block = this.block;
    const n = steps.length;
    while (block.length < n) block.push({ key: '', value: 0, step: 0, timestamp: 0 });
    block.length = n;
    for (let i = 0; i < n; i++) {
      const point = block[i] as MetricPoint;
      point.step = steps[i] as number;
      point.value = values[i] as number;
      point.timestamp = timestamps[i] as number;
    }
    return accumulateBatch(acc, block);
  }
}
