import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import {
  accumulate,
  accumulateAll,
  assignSteps,
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
    for (const point of points) insert(series, point);
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

function insert(series: Map<string, MetricSeries>, point: MetricPoint): void {
  const existing = series.get(point.key);
  if (!existing) {
    series.set(point.key, { byStep: new Map([[point.step, point]]), steps: [point.step], acc: accumulate(undefined, point) });
    return;
  }
  const replaced = existing.byStep.has(point.step);
  existing.byStep.set(point.step, point);
  if (replaced) {
    // The replaced value may have been the min or the max: recompute this key from its history.
    existing.acc = accumulateAll(existing.byStep.values()) as MetricAccumulator;
    return;
  }
  const last = existing.steps[existing.steps.length - 1] as number;
  if (point.step > last) existing.steps.push(point.step);
  else existing.steps.splice(lowerBound(existing.steps, point.step), 0, point.step);
  existing.acc = accumulate(existing.acc, point);
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
