import type { Statement } from 'better-sqlite3';
import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import {
  accumulateBatch,
  assignSteps,
  toSummary,
  EMPTY_COLUMNS,
  MAX_STEP,
  type MetricAccumulator,
  type MetricColumns,
  type MetricDraft,
  type MetricPoint,
  type MetricSummary,
  type StepRange,
} from '../../../domain/metric.js';
import {
  CHUNK_POINTS,
  allocateColumns,
  assertLittleEndian,
  chunkParts,
  chunkSpan,
  copyFromChunk,
  decodeChunk,
  encodeChunk,
  mergePoints,
  sliceColumns,
} from './metric-chunks.js';
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
  sealed_through: number | null;
  tail_count: number;
}

interface ChunkRow {
  first_step: number;
  count: number;
  points: Buffer;
}

type PointRow = [step: number, value: number | null, timestamp: number];

/** Rows per multi-row INSERT: one statement call writes this many points. */
const ROWS_PER_INSERT = 100;
/** Points per call to the domain's accumulator when a series' aggregates are recomputed. */
const ACCUMULATE_BLOCK = 1024;

/** SQLite has no NaN: it is stored as NULL, and NULL read back from a metric REAL column is NaN. */
const toSql = (value: number): number | null => (Number.isNaN(value) ? null : value);
const fromSql = (value: number | null): number => (value === null ? NaN : value);

/**
 * Metric histories, and one `metric_series` row per (run, key) holding the latest point and the
 * running aggregates, updated in the same transaction as the points, so summaries never read
 * histories.
 *
 * A history is sealed chunks of CHUNK_POINTS points (`metric_chunks`, one blob of Float64
 * columns each) followed by a tail of fewer than CHUNK_POINTS rows (`metric_points`), which
 * appends fill and seal once it is full. Invariants, kept by `append`:
 * - a series' chunks never overlap and are ordered by step; the last one ends at the series'
 *   `sealed_through` (NULL while it has none);
 * - every row left in `metric_points` has a step above the series' `sealed_through`, and
 *   `tail_count` says how many there are;
 * - each step is stored once, in a chunk or as a row.
 * So a history is its chunks in order, then its rows: reading a million points is a thousand
 * blob copies into the result's typed arrays.
 */
export class SqliteMetricRepository implements MetricRepository {
  private readonly requireRun: (runId: string) => void;
  private readonly seriesOf: Statement;
  private readonly insertSeries: Statement;
  private readonly updateSeries: Statement;
  private readonly pointExists: Statement;
  /** Statements for rows that may replace stored ones, and for rows that cannot. */
  private readonly upsertOne: Statement;
  private readonly upsertMany: Statement;
  private readonly appendOne: Statement;
  private readonly appendMany: Statement;
  private readonly summariesOf: Statement;
  private readonly rowsIn: Statement;
  private readonly deleteRowsThrough: Statement;
  private readonly chunksIn: Statement;
  private readonly chunkPointsIn: Statement;
  private readonly chunkAtOrBefore: Statement;
  private readonly firstChunk: Statement;
  private readonly nextChunkStep: Statement;
  private readonly insertChunk: Statement;
  private readonly deleteChunk: Statement;

  constructor(private readonly db: SqliteDatabase) {
    assertLittleEndian();
    const c = db.connection;
    const upsert = 'ON CONFLICT (series_id, step) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp';
    this.requireRun = requireRun(c);
    this.seriesOf = c.prepare('SELECT * FROM metric_series WHERE run_id = ? AND key IN (SELECT value FROM json_each(?))');
    this.insertSeries = c.prepare(
      `INSERT INTO metric_series (run_id, key, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count, sealed_through, tail_count)
       VALUES (?, ?, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL, 0) RETURNING id`,
    ).pluck();
    this.updateSeries = c.prepare(
      `UPDATE metric_series SET last_value = ?, last_step = ?, last_timestamp = ?, first_step = ?, min = ?, max = ?, sum = ?,
       numeric_count = ?, count = ?, sealed_through = ?, tail_count = ? WHERE id = ?`,
    );
    this.pointExists = c.prepare('SELECT 1 FROM metric_points WHERE series_id = ? AND step = ?').pluck();
    const values = (rows: number) => Array(rows).fill('(?, ?, ?, ?)').join(', ');
    const insert = 'INSERT INTO metric_points (series_id, step, value, timestamp) VALUES';
    this.upsertOne = c.prepare(`${insert} ${values(1)} ${upsert}`);
    this.upsertMany = c.prepare(`${insert} ${values(ROWS_PER_INSERT)} ${upsert}`);
    this.appendOne = c.prepare(`${insert} ${values(1)}`);
    this.appendMany = c.prepare(`${insert} ${values(ROWS_PER_INSERT)}`);
    this.summariesOf = c.prepare('SELECT * FROM metric_series WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key');
    this.rowsIn = c.prepare('SELECT step, value, timestamp FROM metric_points WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step').raw(true);
    this.deleteRowsThrough = c.prepare('DELETE FROM metric_points WHERE series_id = ? AND step <= ?');
    // The chunks overlapping [start, end]: from the one holding `start` (the last starting at or
    // before it) to the last starting at or before `end`, one range of the primary key.
    const overlapping = `FROM metric_chunks WHERE series_id = @id AND first_step <= @end AND last_step >= @start
      AND first_step >= coalesce((SELECT max(first_step) FROM metric_chunks WHERE series_id = @id AND first_step <= @start), 0)`;
    this.chunksIn = c.prepare(`SELECT first_step, count, points ${overlapping} ORDER BY first_step`);
    this.chunkPointsIn = c.prepare(`SELECT coalesce(sum(count), 0) ${overlapping}`).pluck();
    const chunk = 'SELECT first_step, count, points FROM metric_chunks WHERE series_id = ?';
    this.chunkAtOrBefore = c.prepare(`${chunk} AND first_step <= ? ORDER BY first_step DESC LIMIT 1`);
    this.firstChunk = c.prepare(`${chunk} ORDER BY first_step LIMIT 1`);
    this.nextChunkStep = c.prepare('SELECT min(first_step) FROM metric_chunks WHERE series_id = ? AND first_step > ?').pluck();
    this.insertChunk = c.prepare('INSERT INTO metric_chunks (series_id, first_step, last_step, count, points) VALUES (?, ?, ?, ?, ?)');
    this.deleteChunk = c.prepare('DELETE FROM metric_chunks WHERE series_id = ? AND first_step = ?');
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
        this.appendToSeries(seriesId, row, batch);
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
      return this.read(series.id, series.tail_count, range.startStep ?? 0, range.endStep ?? MAX_STEP);
    });
  }

  /**
   * The series' points in [start, end]: the overlapping chunks trimmed to it, then the rows,
   * copied straight into typed arrays sized from the chunks' counts and the tail's (no object
   * per point, one chunk's blob in memory at a time).
   */
  private read(seriesId: number, tailCount: number, start: number, end: number): MetricColumns {
    const range = { id: seriesId, start, end };
    const columns = allocateColumns((this.chunkPointsIn.get(range) as number) + tailCount);
    let n = 0;
    for (const chunk of this.chunksIn.iterate(range) as Iterable<ChunkRow>) {
      const [from, to] = chunkSpan(chunk.points, chunk.count, start, end);
      copyFromChunk(chunk.points, chunk.count, from, to, columns, n);
      n += to - from;
    }
    for (const row of this.rowsIn.iterate(seriesId, start, end) as Iterable<PointRow>) {
      columns.steps[n] = row[0];
      columns.values[n] = fromSql(row[1]);
      columns.timestamps[n] = row[2];
      n++;
    }
    return sliceColumns(columns, n);
  }

  /**
   * One key's points of a batch (distinct steps, in step order) into its series, keeping the
   * invariants above: points at or below `sealed_through` go into chunks, the others into the
   * tail, which is sealed into chunks once it holds CHUNK_POINTS points.
   */
  private appendToSeries(seriesId: number, row: SeriesRow | undefined, batch: readonly MetricPoint[]): void {
    const sealedThrough = row?.sealed_through ?? null;
    const lastStep = row ? row.last_step : -1;
    const sealedEnd = sealedThrough === null ? 0 : firstIndexAbove(batch, sealedThrough);
    const freshStart = firstIndexAbove(batch, lastStep);
    let replaced = this.writeIntoChunks(seriesId, batch.slice(0, sealedEnd));
    // Points between the seal and the last step may replace rows; the rest are past every row.
    let tailCount = row?.tail_count ?? 0;
    const intoTail = batch.slice(sealedEnd, freshStart);
    for (const point of intoTail) {
      if (this.pointExists.get(seriesId, point.step) === undefined) tailCount++;
      else replaced = true;
    }
    this.insertRows(seriesId, intoTail, true);
    const fresh = batch.slice(freshStart);
    const tail =
      tailCount + fresh.length >= CHUNK_POINTS
        ? this.seal(seriesId, tailCount, fresh)
        : (this.insertRows(seriesId, fresh, false), { sealedThrough, tailCount: tailCount + fresh.length });
    // A replacement may have removed the min or the max: recompute from the whole series, now
    // that reading it is cheap.
    const acc = replaced ? accumulateColumns(this.read(seriesId, tail.tailCount, 0, MAX_STEP)) : accumulateBatch(row && toAccumulator(row), batch);
    this.saveSeries(seriesId, acc as MetricAccumulator, tail.sealedThrough, tail.tailCount);
  }

  /**
   * Writes points at or below `sealed_through` (in step order) into the chunks: each into the
   * chunk holding its step, or, in a gap, the chunk before the gap (the first chunk for a step
   * before it). A chunk is decoded, merged, and written again, split if it grew past
   * MAX_CHUNK_POINTS. Says whether a stored point was replaced.
   */
  private writeIntoChunks(seriesId: number, points: readonly MetricPoint[]): boolean {
    let replaced = false;
    for (let i = 0; i < points.length; ) {
      const step = (points[i] as MetricPoint).step;
      const chunk = (this.chunkAtOrBefore.get(seriesId, step) ?? this.firstChunk.get(seriesId)) as ChunkRow;
      const next = this.nextChunkStep.get(seriesId, chunk.first_step) as number | null;
      let j = i;
      while (j < points.length && (next === null || (points[j] as MetricPoint).step < next)) j++;
      const merge = mergePoints(decodeChunk(chunk.points, chunk.count), points.slice(i, j));
      replaced ||= merge.replaced;
      this.deleteChunk.run(seriesId, chunk.first_step);
      for (const [from, to] of chunkParts(merge.merged.steps.length)) this.writeChunk(seriesId, merge.merged, from, to);
      i = j;
    }
    return replaced;
  }

  /**
   * Seals the tail: its rows and `fresh` (points past every row, in step order) become full
   * chunks of CHUNK_POINTS, written straight from the batch; what is left (fewer than
   * CHUNK_POINTS) stays or goes in as rows.
   */
  private seal(seriesId: number, tailCount: number, fresh: readonly MetricPoint[]): { sealedThrough: number; tailCount: number } {
    const rows = tailCount === 0 ? [] : (this.rowsIn.all(seriesId, 0, MAX_STEP) as PointRow[]);
    const columns = allocateColumns(rows.length + fresh.length);
    rows.forEach(([step, value, timestamp], i) => {
      columns.steps[i] = step;
      columns.values[i] = fromSql(value);
      columns.timestamps[i] = timestamp;
    });
    fresh.forEach((point, i) => {
      columns.steps[rows.length + i] = point.step;
      columns.values[rows.length + i] = point.value;
      columns.timestamps[rows.length + i] = point.timestamp;
    });
    const total = columns.steps.length;
    const sealed = total - (total % CHUNK_POINTS);
    for (let from = 0; from < sealed; from += CHUNK_POINTS) this.writeChunk(seriesId, columns, from, from + CHUNK_POINTS);
    const sealedThrough = columns.steps[sealed - 1] as number;
    if (rows.length > 0) this.deleteRowsThrough.run(seriesId, sealedThrough);
    this.insertRows(seriesId, fresh.slice(Math.max(0, sealed - rows.length)), false);
    return { sealedThrough, tailCount: total - sealed };
  }

  private writeChunk(seriesId: number, columns: MetricColumns, from: number, to: number): void {
    this.insertChunk.run(seriesId, columns.steps[from], columns.steps[to - 1], to - from, encodeChunk(columns, from, to));
  }

  private insertRows(seriesId: number, points: readonly MetricPoint[], mayReplace: boolean): void {
    const many = mayReplace ? this.upsertMany : this.appendMany;
    const one = mayReplace ? this.upsertOne : this.appendOne;
    const args: (number | null)[] = new Array<number | null>(ROWS_PER_INSERT * 4);
    let i = 0;
    for (; i + ROWS_PER_INSERT <= points.length; i += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) {
        const p = points[i + j] as MetricPoint;
        args[j * 4] = seriesId;
        args[j * 4 + 1] = p.step;
        args[j * 4 + 2] = toSql(p.value);
        args[j * 4 + 3] = p.timestamp;
      }
      many.run(args);
    }
    for (; i < points.length; i++) {
      const p = points[i] as MetricPoint;
      one.run(seriesId, p.step, toSql(p.value), p.timestamp);
    }
  }

  private saveSeries(seriesId: number, acc: MetricAccumulator, sealedThrough: number | null, tailCount: number): void {
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
      sealedThrough,
      tailCount,
      seriesId,
    );
  }
}

/** The index of the first point (in step order) past `step`. */
function firstIndexAbove(points: readonly MetricPoint[], step: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as MetricPoint).step > step) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The domain's accumulator over a whole series, in step order, a block of reused point objects
 * at a time (no object per point), so recomputed aggregates are what appends would have kept.
 */
function accumulateColumns(columns: MetricColumns): MetricAccumulator | undefined {
  const n = columns.steps.length;
  const block: MetricPoint[] = Array.from({ length: Math.min(ACCUMULATE_BLOCK, n) }, () => ({ key: '', value: 0, step: 0, timestamp: 0 }));
  let acc: MetricAccumulator | undefined;
  for (let from = 0; from < n; from += ACCUMULATE_BLOCK) {
    block.length = Math.min(ACCUMULATE_BLOCK, n - from);
    block.forEach((point, i) => {
      point.step = columns.steps[from + i] as number;
      point.value = columns.values[from + i] as number;
      point.timestamp = columns.timestamps[from + i] as number;
    });
    acc = accumulateBatch(acc, block);
  }
  return acc;
}

/**
 * The batch's points per key, one per step (the later point at a step wins), in step order.
 * Batches almost always log increasing steps per key, so that case costs one pass and no extra map.
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
    byKey.set(key, [...byStep.values()].sort((a, b) => a.step - b.step));
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
