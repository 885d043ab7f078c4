import type { Statement } from 'better-sqlite3';
import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import {
  accumulateBatch,
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
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';

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
}

/** Rows per multi-row INSERT: one statement call writes this many points. */
const CHUNK = 100;

/** SQLite has no NaN: it is stored as NULL, and NULL read back from a metric REAL column is NaN. */
const toSql = (value: number): number | null => (Number.isNaN(value) ? null : value);
const fromSql = (value: number | null): number => (value === null ? NaN : value);

/**
 * Metric histories in `metric_points` (keyed by series and step) and one `metric_series` row
 * per (run, key) holding the latest point and the running aggregates, updated in the same
 * transaction as the points, so summaries never read histories.
 */
export class SqliteMetricRepository implements MetricRepository {
  private readonly requireRun: (runId: string) => void;
  private readonly seriesOf: Statement;
  private readonly insertSeries: Statement;
  private readonly updateSeries: Statement;
  private readonly pointExists: Statement;
  /** Statements for points that may replace stored ones, and for points that cannot. */
  private readonly upsertOne: Statement;
  private readonly upsertChunk: Statement;
  private readonly appendOne: Statement;
  private readonly appendChunk: Statement;
  private readonly summariesOf: Statement;
  private readonly historyOf: Statement;
  private readonly recomputed: Statement;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    const upsert = 'ON CONFLICT (series_id, step) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp';
    this.requireRun = requireRun(c);
    this.seriesOf = c.prepare('SELECT * FROM metric_series WHERE run_id = ? AND key IN (SELECT value FROM json_each(?))');
    this.insertSeries = c.prepare(
      `INSERT INTO metric_series (run_id, key, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count)
       VALUES (?, ?, 0, 0, 0, 0, NULL, NULL, 0, 0, 0) RETURNING id`,
    ).pluck();
    this.updateSeries = c.prepare(
      `UPDATE metric_series SET last_value = ?, last_step = ?, last_timestamp = ?, first_step = ?, min = ?, max = ?, sum = ?,
       numeric_count = ?, count = ? WHERE id = ?`,
    );
    this.pointExists = c.prepare('SELECT 1 FROM metric_points WHERE series_id = ? AND step = ?').pluck();
    const values = (rows: number) => Array(rows).fill('(?, ?, ?, ?)').join(', ');
    const insert = 'INSERT INTO metric_points (series_id, step, value, timestamp) VALUES';
    this.upsertOne = c.prepare(`${insert} ${values(1)} ${upsert}`);
    this.upsertChunk = c.prepare(`${insert} ${values(CHUNK)} ${upsert}`);
    this.appendOne = c.prepare(`${insert} ${values(1)}`);
    this.appendChunk = c.prepare(`${insert} ${values(CHUNK)}`);
    this.summariesOf = c.prepare('SELECT * FROM metric_series WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key');
    this.historyOf = c.prepare('SELECT step, value, timestamp FROM metric_points WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step').raw(true);
    // After a replacement: the aggregates again, computed by SQLite over the series (NULL is NaN,
    // which min, max, count(value) and total() skip, as the domain's accumulator does).
    this.recomputed = c.prepare(
      `SELECT count(*) AS count, count(p.value) AS numeric_count, min(p.value) AS min, max(p.value) AS max,
         total(p.value) AS sum, min(p.step) AS first_step,
         last.step AS last_step, last.value AS last_value, last.timestamp AS last_timestamp
       FROM metric_points AS p,
         (SELECT step, value, timestamp FROM metric_points WHERE series_id = @id ORDER BY step DESC LIMIT 1) AS last
       WHERE p.series_id = @id`,
    );
  }

  append(runId: string, drafts: readonly MetricDraft[]): Promise<number> {
    return this.db.write(() => {
      this.requireRun(runId);
      const keys = [...new Set(drafts.map((d) => d.key))];
      const existing = new Map((this.seriesOf.all(runId, JSON.stringify(keys)) as SeriesRow[]).map((row) => [row.key, row]));
      const points = assignSteps(drafts, (key) => existing.get(key)?.last_step);
      for (const [key, batch] of groupByKey(points)) {
        const row = existing.get(key);
        const seriesId = row ? row.id : (this.insertSeries.get(runId, key) as number);
        // Only a step at or below the last stored one can replace a stored point.
        // Only a step at or below the last stored one can replace a stored point; a batch wholly
        // past it (the usual case) is a plain append.
        const reachesBack = row !== undefined && batch.some((p) => p.step <= row.last_step);
        const replaces = reachesBack && batch.some((p) => p.step <= row.last_step && this.pointExists.get(seriesId, p.step) !== undefined);
        this.insertPoints(seriesId, batch, reachesBack);
        // A replacement may have removed the min or the max: recompute the series in SQLite (a
        // scan of its B-tree range, no rows brought into JavaScript).
        const acc = replaces ? this.recompute(seriesId) : accumulateBatch(row && toAccumulator(row), batch);
        this.saveAccumulator(seriesId, acc as MetricAccumulator);
      }
      return points.length;
    });
  }

  async summaries(runIds: readonly string[]): Promise<Map<string, MetricSummary[]>> {
    return this.db.read(() => {
      const result = new Map<string, MetricSummary[]>(runIds.map((id) => [id, []]));
      for (const row of this.summariesOf.all(JSON.stringify(runIds)) as SeriesRow[]) {
        result.get(row.run_id)?.push(toSummary(row.key, toAccumulator(row)));
      }
      return result;
    });
  }

  async history(runId: string, key: string, range: StepRange): Promise<MetricColumns> {
    return this.db.read(() => {
      const series = (this.seriesOf.all(runId, JSON.stringify([key])) as SeriesRow[])[0];
      if (!series) return EMPTY_COLUMNS;
      // The series' count bounds the range's: fill typed arrays, no object per point.
      const columns = { steps: new Float64Array(series.count), values: new Float64Array(series.count), timestamps: new Float64Array(series.count) };
      let n = 0;
      for (const row of this.historyOf.iterate(series.id, range.startStep ?? 0, range.endStep ?? Number.MAX_SAFE_INTEGER) as Iterable<[number, number | null, number]>) {
        columns.steps[n] = row[0];
        columns.values[n] = fromSql(row[1]);
        columns.timestamps[n] = row[2];
        n++;
      }
      return { steps: columns.steps.subarray(0, n), values: columns.values.subarray(0, n), timestamps: columns.timestamps.subarray(0, n) };
    });
  }

  private recompute(seriesId: number): MetricAccumulator {
    const row = this.recomputed.get({ id: seriesId }) as Omit<SeriesRow, 'id' | 'run_id' | 'key'>;
    const acc = toAccumulator({ ...row, id: seriesId, run_id: '', key: '' });
    // total() is 0 over no numeric value, as the accumulator's sum is; min and max are then NaN.
    return acc.numericCount === 0 ? { ...acc, min: NaN, max: NaN, sum: 0 } : acc;
  }

  private insertPoints(seriesId: number, points: readonly MetricPoint[], mayReplace: boolean): void {
    const chunk = mayReplace ? this.upsertChunk : this.appendChunk;
    const one = mayReplace ? this.upsertOne : this.appendOne;
    const args: (number | null)[] = new Array<number | null>(CHUNK * 4);
    let i = 0;
    for (; i + CHUNK <= points.length; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        const p = points[i + j] as MetricPoint;
        args[j * 4] = seriesId;
        args[j * 4 + 1] = p.step;
        args[j * 4 + 2] = toSql(p.value);
        args[j * 4 + 3] = p.timestamp;
      }
      chunk.run(args);
    }
    for (; i < points.length; i++) {
      const p = points[i] as MetricPoint;
      one.run(seriesId, p.step, toSql(p.value), p.timestamp);
    }
  }

  private saveAccumulator(seriesId: number, acc: MetricAccumulator): void {
    this.updateSeries.run(
      toSql(acc.lastValue),
      acc.lastStep,
      acc.lastTimestamp,
      acc.firstStep,
      toSql(acc.min),
      toSql(acc.max),
      toSql(acc.sum),
      acc.numericCount,
      acc.count,
      seriesId,
    );
  }
}

/**
 * The batch's points per key, one per step (the later point at a step wins). Batches almost
 * always log increasing steps per key, so that case costs one pass and no extra map.
 */
function groupByKey(points: readonly MetricPoint[]): Map<string, MetricPoint[]> {
  const byKey = new Map<string, MetricPoint[]>();
  let increasing = true;
  for (const point of points) {
    const list = byKey.get(point.key);
    if (!list) byKey.set(point.key, [point]);
    else {
      if (point.step <= (list[list.length - 1] as MetricPoint).step) increasing = false;
      list.push(point);
    }
  }
  if (increasing) return byKey;
  for (const [key, list] of byKey) {
    const byStep = new Map<number, MetricPoint>();
    for (const point of list) byStep.set(point.step, point);
    byKey.set(key, [...byStep.values()]);
  }
  return byKey;
}

function toAccumulator(row: SeriesRow): MetricAccumulator {
  return {
    lastValue: fromSql(row.last_value),
    lastStep: row.last_step,
    lastTimestamp: row.last_timestamp,
    firstStep: row.first_step,
    min: fromSql(row.min),
    max: fromSql(row.max),
    sum: fromSql(row.sum),
    numericCount: row.numeric_count,
    count: row.count,
  };
}
