import { expect } from 'vitest';
import { pointsOf, type MetricDraft, type MetricPoint, type StepRange } from '../../src/domain/metric.js';
import { T0, draft, type RepositoryStore } from '../contract/repositories/support.js';

/**
 * Driving one metric series of a store that keeps histories as chunks plus a tail of rows (the
 * SQL stores), and checking what a user sees (history and summary) against a plain model of the
 * series.
 */

/** What a series should hold: the last point logged at each step. */
export class Model {
  private readonly byStep = new Map<number, MetricPoint>();
  add(points: readonly MetricDraft[]): void {
    for (const p of points) this.byStep.set(p.step as number, { key: p.key, value: p.value, step: p.step as number, timestamp: p.timestamp });
  }
  history(range: StepRange = {}): MetricPoint[] {
    return [...this.byStep.values()]
      .filter((p) => p.step >= (range.startStep ?? 0) && p.step <= (range.endStep ?? Infinity))
      .sort((a, b) => a.step - b.step);
  }
  summary() {
    return summaryOf(this.history());
  }
}

/** The summary a history must have; the mean summed in step order, as the stores add up. */
export function summaryOf(points: readonly MetricPoint[]) {
  const numeric = points.map((p) => p.value).filter((v) => !Number.isNaN(v));
  const last = points[points.length - 1] as MetricPoint;
  return {
    count: points.length,
    firstStep: points[0]?.step,
    lastStep: last.step,
    last: { value: last.value, step: last.step, timestamp: last.timestamp },
    min: numeric.length ? numeric.reduce((a, b) => Math.min(a, b)) : NaN,
    max: numeric.length ? numeric.reduce((a, b) => Math.max(a, b)) : NaN,
    mean: numeric.length ? numeric.reduce((a, b) => a + b, 0) / numeric.length : NaN,
  };
}

export const loss = (value: number, step: number, timestamp = T0 + step) => draft('loss', value, step, timestamp);
export const series = (steps: readonly number[], value = (step: number) => Math.sin(step)) => steps.map((step) => loss(value(step), step));
export const range = (from: number, to: number, stride = 1) => Array.from({ length: Math.max(0, Math.ceil((to - from) / stride)) }, (_, i) => from + i * stride);

/** A series' chunks (their point counts, in step order) and tail rows as stored. */
export interface Layout {
  chunks: number[];
  rows: number;
}

/** A run of a chunked store, as the tests see it. */
export interface ChunkedRun {
  store: RepositoryStore;
  runId: string;
  /** The store's DIRECT_POINTS: a batch with fewer new points of a series goes through the tail. */
  directPoints: number;
  /** Only to show which layout a test reached. */
  layout(key: string): Promise<Layout>;
  /** How many rows a table holds, all runs' together. */
  rowsIn(table: 'metric_series' | 'metric_chunks' | 'metric_points'): Promise<number>;
}

/** The steps of a test on the run `current()` gives (read at each call: stores are made per test). */
export function chunkedSeries(current: () => ChunkedRun) {
  const append = async (model: Model, points: MetricDraft[]): Promise<void> => {
    await current().store.metrics.append(current().runId, points);
    model.add(points);
  };
  const history = async (range: StepRange = {}, key = 'loss'): Promise<MetricPoint[]> => pointsOf(key, await current().store.metrics.history(current().runId, key, range));
  const summary = async (key = 'loss') => (await current().store.metrics.summaries([current().runId])).get(current().runId)?.find((s) => s.key === key);
  return {
    append,
    /** Appends in batches too small to go into chunks: through the tail's rows. */
    appendSmall: async (model: Model, points: MetricDraft[]): Promise<void> => {
      const size = current().directPoints - 1;
      for (let i = 0; i < points.length; i += size) await append(model, points.slice(i, i + size));
    },
    history,
    summary,
    layout: (key = 'loss'): Promise<Layout> => current().layout(key),
    expectMatches: async (model: Model, key = 'loss'): Promise<void> => {
      expect(await history({}, key)).toEqual(model.history());
      const expected = model.summary();
      expect(await summary(key)).toEqual({ key, ...expected, mean: expect.closeTo(expected.mean, 9) as number });
    },
  };
}
