import type { Statement } from 'better-sqlite3';
import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import {
  accumulateBatch,
  assignSteps,
  byKeyInStepOrder,
  toSummary,
  EMPTY_COLUMNS,
  MAX_STEP,
  type MetricAccumulator,
  type MetricColumns,
  type MetricDraft,
  type MetricSummary,
  type StepRange,
} from '../../../domain/metric.js';
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { accumulatorOf, aggregateColumns, HistoryAccumulator, type AggregateColumns } from '../shared/metric-series.js';
import { SqliteMetricChunkStore } from './sqlite-metric-chunk-store.js';

interface SeriesRow {
  id: number;
  run_id: string;
  key: string;
  last_value: number | null;
  last_step: number;
  last_timestamp: number;
  first_step: number;
  min: number | null;
  max: number | null;
  sum: number | null;
  numeric_count: number;
  count: number;
  sealed_through: number | null;
  tail_count: number;
}

/**
 * Metric histories, and one `metric_series` row per (run, key) holding the latest point and the
 * running aggregates, updated in the same transaction as the points, so summaries never read
 * histories. The points themselves are sealed chunks plus a short row tail, kept by
 * SqliteMetricChunkStore under the invariants written there (chunks ordered and disjoint, rows
 * only past `sealed_through`, each step stored once); `metric_series` records where the seal is
 * and how many rows the tail holds.
 */
export class SqliteMetricRepository implements MetricRepository {
  private readonly requireRun: (runId: string) => void;
  private readonly points: SqliteMetricChunkStore;
  private readonly seriesOf: Statement;
  private readonly insertSeries: Statement;
  private readonly updateSeries: Statement;
  private readonly summariesOf: Statement;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.requireRun = requireRun(c);
    this.points = new SqliteMetricChunkStore(c);
    this.seriesOf = c.prepare('SELECT * FROM metric_series WHERE run_id = ? AND key IN (SELECT value FROM json_each(?))');
    this.insertSeries = c.prepare(
      `INSERT INTO metric_series (run_id, key, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count, sealed_through, tail_count)
       VALUES (?, ?, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL, 0) RETURNING id`,
    ).pluck();
    this.updateSeries = c.prepare(
      `UPDATE metric_series SET last_value = ?, last_step = ?, last_timestamp = ?, first_step = ?, min = ?, max = ?, sum = ?,
       numeric_count = ?, count = ?, sealed_through = ?, tail_count = ? WHERE id = ?`,
    );
    // Raw rows: a page of runs reads hundreds of summaries, and row objects cost about 3x more.
    this.summariesOf = c
      .prepare(
        `SELECT run_id, key, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count
         FROM metric_series WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key`,
      )
      .raw(true);
  }

  append(runId: string, drafts: readonly MetricDraft[]): Promise<number> {
    return this.db.write(() => {
      this.requireRun(runId);
      const keys = [...new Set(drafts.map((d) => d.key))];
      const existing = new Map((this.seriesOf.all(runId, JSON.stringify(keys)) as SeriesRow[]).map((row) => [row.key, row]));
      const points = assignSteps(drafts, (key) => existing.get(key)?.last_step);
      for (const [key, batch] of byKeyInStepOrder(points)) {
        const row = existing.get(key);
        const seriesId = row ? row.id : (this.insertSeries.get(runId, key) as number);
        const layout = { sealedThrough: row?.sealed_through ?? null, tailCount: row?.tail_count ?? 0 };
        const written = this.points.write(seriesId, layout, row ? row.last_step : -1, batch);
        // A replacement may have removed the min or the max: recompute from the whole series
        // (reading it as columns is cheap). Otherwise the batch adds up onto the aggregates.
        const acc = written.replaced ? this.recompute(seriesId, written.tailCount) : accumulateBatch(row && toAccumulator(row), batch);
        this.saveSeries(seriesId, acc as MetricAccumulator, written.sealedThrough, written.tailCount);
      }
      return points.length;
    });
  }

  async summaries(runIds: readonly string[]): Promise<Map<string, MetricSummary[]>> {
    return this.db.read(() => {
      const result = new Map<string, MetricSummary[]>(runIds.map((id) => [id, []]));
      for (const [runId, key, ...aggregates] of this.summariesOf.all(JSON.stringify(runIds)) as [string, string, ...AggregateColumns][]) {
        result.get(runId)?.push(toSummary(key, accumulatorOf(aggregates)));
      }
      return result;
    });
  }

  async history(runId: string, key: string, range: StepRange): Promise<MetricColumns> {
    return this.db.read(() => {
      const series = (this.seriesOf.all(runId, JSON.stringify([key])) as SeriesRow[])[0];
      if (!series) return EMPTY_COLUMNS;
      return this.points.read(series.id, series.tail_count, range.startStep ?? 0, range.endStep ?? MAX_STEP);
    });
  }

  /** The aggregates of the whole series, a chunk at a time, as appends add them up. */
  private recompute(seriesId: number, tailCount: number): MetricAccumulator | undefined {
    const history = new HistoryAccumulator();
    let acc: MetricAccumulator | undefined;
    this.points.forEachBlock(seriesId, tailCount, (columns) => {
      acc = history.add(acc, columns);
    });
    return acc;
  }

  private saveSeries(seriesId: number, acc: MetricAccumulator, sealedThrough: number | null, tailCount: number): void {
    this.updateSeries.run(...aggregateColumns(acc), sealedThrough, tailCount, seriesId);
  }
}

function toAccumulator(row: SeriesRow): MetricAccumulator {
  return accumulatorOf([row.last_value, row.last_step, row.last_timestamp, row.first_step, row.min, row.max, row.sum, row.numeric_count, row.count]);
}
