import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import {
  accumulateAll,
  accumulateBatch,
  assignSteps,
  byKeyInStepOrder,
  toSummary,
  EMPTY_COLUMNS,
  type MetricAccumulator,
  type MetricColumns,
  type MetricDraft,
  type MetricPoint,
  type MetricSummary,
  type StepRange,
} from '../../../domain/metric.js';
import type { MemoryDatabase, MetricSeries } from './memory-database.js';

export class MemoryMetricRepository implements MetricRepository {
  constructor(private readonly db: MemoryDatabase) {}

  async append(runId: string, drafts: readonly MetricDraft[]): Promise<number> {
    if (!this.db.runs.has(runId)) throw new NotFoundError('run', runId);
    const series = this.db.metrics.get(runId) ?? new Map<string, MetricSeries>();
    const points = assignSteps(drafts, (key) => series.get(key)?.acc.lastStep);
    for (const [key, batch] of byKeyInStepOrder(points)) appendToSeries(series, key, batch);
    this.db.metrics.set(runId, series);
    return points.length;
  }

  async summaries(runIds: readonly string[]): Promise<Map<string, MetricSummary[]>> {
    const result = new Map<string, MetricSummary[]>();
    for (const runId of runIds) {
      const series = this.db.metrics.get(runId);
      const list = [...(series?.entries() ?? [])]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, s]) => toSummary(key, s.acc));
      result.set(runId, list);
    }
    return result;
  }

  async history(runId: string, key: string, range: StepRange): Promise<MetricColumns> {
    const series = this.db.metrics.get(runId)?.get(key);
    if (!series) return EMPTY_COLUMNS;
    const from = lowerBound(series.steps, range.startStep ?? 0);
    const to = range.endStep === undefined ? series.steps.length : lowerBound(series.steps, range.endStep + 1);
    const n = Math.max(0, to - from);
    const columns = { steps: new Float64Array(n), values: new Float64Array(n), timestamps: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const point = series.byStep.get(series.steps[from + i] as number) as MetricPoint;
      columns.steps[i] = point.step;
      columns.values[i] = point.value;
      columns.timestamps[i] = point.timestamp;
    }
    return columns;
  }
}

function appendToSeries(all: Map<string, MetricSeries>, key: string, batch: readonly MetricPoint[]): void {
  const existing = all.get(key);
  const series: MetricSeries = existing ?? { byStep: new Map(), steps: [], acc: undefined as unknown as MetricAccumulator };
  let replaced = false;
  for (const point of batch) {
    if (series.byStep.has(point.step)) replaced = true;
    else if (series.steps.length === 0 || point.step > (series.steps[series.steps.length - 1] as number)) series.steps.push(point.step);
    else series.steps.splice(lowerBound(series.steps, point.step), 0, point.step);
    series.byStep.set(point.step, point);
  }
  // A replaced value may have been the min or the max: recompute the key from its history, in
  // step order. Otherwise the batch adds up onto the running aggregates.
  series.acc = (
    replaced ? accumulateAll(series.steps.map((step) => series.byStep.get(step) as MetricPoint)) : accumulateBatch(existing?.acc, batch)
  ) as MetricAccumulator;
  all.set(key, series);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
