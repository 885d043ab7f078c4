import type { Database, Statement } from 'better-sqlite3';
import { MAX_STEP, type MetricColumns, type MetricPoint } from '../../../domain/metric.js';
import {
  CHUNK_POINTS,
  MAX_CHUNK_POINTS,
  allocateColumns,
  assertLittleEndian,
  chunkParts,
  chunkSpan,
  copyFromChunk,
  copyFromPoints,
  decodeChunk,
  encodeChunk,
  mergePoints,
  packPoints,
  placeBatch,
  pointsInBlob,
  sliceColumns,
} from '../shared/metric-chunks.js';
import { fromSql, toSql, type SeriesLayout } from '../shared/metric-series.js';

interface ChunkRow {
  first_step: number;
  count: number;
  points: Buffer;
}

type PointRow = [step: number, value: number | null, timestamp: number];

/** The tail's rows, gathered by the `fathom_pack_points` aggregate. */
interface TailRows {
  steps: number[];
  values: number[];
  timestamps: number[];
}

/** Rows per multi-row INSERT: one statement call writes this many points. */
const ROWS_PER_INSERT = 100;
/**
 * New points of one series in one batch from which they go straight into chunks rather than
 * through the tail. Through the tail a point is inserted as a row, then read and deleted when its
 * chunk is sealed; rewriting a short last chunk instead costs less from about this many points
 * on (measured: 250 points per key and request store 40% faster than as rows only; 32 points,
 * 20% slower).
 */
export const DIRECT_POINTS = 64;

/**
 * The points of metric series: sealed chunks of CHUNK_POINTS points (`metric_chunks`, one blob
 * of Float64 columns each; the last may be shorter, late points may make one longer) followed by
 * a tail of rows (`metric_points`), which small appends fill and which is sealed once it holds
 * CHUNK_POINTS points. Invariants, kept by `write`:
 * - a series' chunks never overlap and are ordered by step; the last one ends at the series'
 *   `sealed_through` (null while it has none);
 * - every row left in `metric_points` has a step above the series' `sealed_through`, and
 *   `tail_count` says how many there are;
 * - each step is stored once, in a chunk or as a row.
 * So a history is its chunks in order, then its rows: reading a million points is about a
 * thousand blob copies into the result's typed arrays, not a million rows.
 */
export class SqliteMetricChunkStore {
  private readonly pointExists: Statement;
  /** Statements for rows that may replace stored ones, and for rows that cannot. */
  private readonly upsertOne: Statement;
  private readonly upsertMany: Statement;
  private readonly appendOne: Statement;
  private readonly appendMany: Statement;
  private readonly rowsIn: Statement;
  private readonly packedRows: Statement;
  private readonly deleteRowsThrough: Statement;
  private readonly chunksIn: Statement;
  private readonly chunkPointsIn: Statement;
  private readonly chunkAtOrBefore: Statement;
  private readonly firstChunk: Statement;
  private readonly nextChunkStep: Statement;
  private readonly insertChunk: Statement;
  private readonly deleteChunk: Statement;

  constructor(c: Database) {
    assertLittleEndian();
    const upsert = 'ON CONFLICT (series_id, step) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp';
    this.pointExists = c.prepare('SELECT 1 FROM metric_points WHERE series_id = ? AND step = ?').pluck();
    const values = (rows: number) => Array(rows).fill('(?, ?, ?, ?)').join(', ');
    const insert = 'INSERT INTO metric_points (series_id, step, value, timestamp) VALUES';
    this.upsertOne = c.prepare(`${insert} ${values(1)} ${upsert}`);
    this.upsertMany = c.prepare(`${insert} ${values(ROWS_PER_INSERT)} ${upsert}`);
    this.appendOne = c.prepare(`${insert} ${values(1)}`);
    this.appendMany = c.prepare(`${insert} ${values(ROWS_PER_INSERT)}`);
    this.rowsIn = c.prepare('SELECT step, value, timestamp FROM metric_points WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step').raw(true);
    // Sealing reads the tail as one blob gathered by an aggregate: about three times faster than
    // bringing its rows into JavaScript one array per row. The subquery's ORDER BY reaches the
    // aggregate and is served by the primary key (one inside the call would sort in a temporary
    // B-tree).
    c.aggregate<TailRows>('fathom_pack_points', {
      start: () => ({ steps: [], values: [], timestamps: [] }),
      step: ((rows: TailRows, step: number, value: number | null, timestamp: number) => {
        rows.steps.push(step);
        rows.values.push(fromSql(value));
        rows.timestamps.push(timestamp);
      }) as (rows: TailRows) => void,
      result: (rows) => packPoints(rows.steps, rows.values, rows.timestamps),
    });
    this.packedRows = c
      .prepare('SELECT fathom_pack_points(step, value, timestamp) FROM (SELECT step, value, timestamp FROM metric_points WHERE series_id = ? ORDER BY step)')
      .pluck();
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

  /**
   * The series' points in [start, end]: the overlapping chunks trimmed to it, then the rows,
   * copied straight into typed arrays sized from the chunks' counts and the tail's (no object
   * per point, one chunk's blob in memory at a time).
   */
  read(seriesId: number, tailCount: number, start: number, end: number): MetricColumns {
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
   * Hands the whole series to `visit` in step order, a chunk (then the tail) at a time, in
   * columns reused from one call to the next: what recomputing aggregates needs, without
   * allocating the whole history.
   */
  forEachBlock(seriesId: number, tailCount: number, visit: (columns: MetricColumns) => void): void {
    let block = allocateColumns(Math.max(MAX_CHUNK_POINTS, tailCount));
    for (const chunk of this.chunksIn.iterate({ id: seriesId, start: 0, end: MAX_STEP }) as Iterable<ChunkRow>) {
      if (chunk.count > block.steps.length) block = allocateColumns(chunk.count);
      copyFromChunk(chunk.points, chunk.count, 0, chunk.count, block, 0);
      visit(sliceColumns(block, chunk.count));
    }
    let n = 0;
    for (const row of this.rowsIn.iterate(seriesId, 0, MAX_STEP) as Iterable<PointRow>) {
      block.steps[n] = row[0];
      block.values[n] = fromSql(row[1]);
      block.timestamps[n] = row[2];
      n++;
    }
    if (n > 0) visit(sliceColumns(block, n));
  }

  /**
   * Stores a batch of one series (distinct steps, in step order; `lastStep` is the series' last
   * stored step, -1 for a new one), keeping the invariants above: points at or below
   * `sealed_through` go into chunks, the others into the tail, which is sealed into chunks once
   * it holds CHUNK_POINTS points; DIRECT_POINTS new points or more go straight into chunks.
   * Returns the series' new layout, and whether a stored point was replaced.
   */
  write(seriesId: number, layout: SeriesLayout, lastStep: number, batch: readonly MetricPoint[]): SeriesLayout & { replaced: boolean } {
    const { sealedThrough } = layout;
    const { below, late, fresh } = placeBatch(batch, sealedThrough, lastStep);
    let replaced = this.writeIntoChunks(seriesId, below);
    // Points between the seal and the last step may replace rows; the rest are past every row.
    let tailCount = layout.tailCount;
    for (const point of late) {
      if (this.pointExists.get(seriesId, point.step) === undefined) tailCount++;
      else replaced = true;
    }
    this.insertRows(seriesId, late, true);
    if (fresh.length >= DIRECT_POINTS || tailCount + fresh.length >= CHUNK_POINTS) {
      return { ...this.seal(seriesId, { sealedThrough, tailCount }, fresh), replaced };
    }
    this.insertRows(seriesId, fresh, false);
    return { sealedThrough, tailCount: tailCount + fresh.length, replaced };
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
      // The points up to the next chunk's first step go into this one: at least points[i].
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
   * Seals the tail with `fresh` (points past every stored one, in step order): the tail's rows
   * and the new points become chunks of CHUNK_POINTS, written straight from the batch. What is
   * left stays or goes in as rows, unless the batch brought DIRECT_POINTS points or more: then
   * it all goes into chunks, the last one short, and a short last chunk with no rows after it
   * is filled first.
   */
  private seal(seriesId: number, layout: SeriesLayout, fresh: readonly MetricPoint[]): SeriesLayout {
    const direct = fresh.length >= DIRECT_POINTS;
    const last = direct && layout.tailCount === 0 && layout.sealedThrough !== null ? (this.chunkAtOrBefore.get(seriesId, layout.sealedThrough) as ChunkRow) : undefined;
    const open = last && last.count < CHUNK_POINTS ? last : undefined;
    const packed = layout.tailCount === 0 ? undefined : (this.packedRows.get(seriesId) as Buffer);
    const before = open ? open.count : packed ? pointsInBlob(packed) : 0;
    const columns = allocateColumns(before + fresh.length);
    if (open) copyFromChunk(open.points, open.count, 0, open.count, columns, 0);
    if (packed) copyFromChunk(packed, before, 0, before, columns, 0);
    copyFromPoints(fresh, columns, before);
    const total = columns.steps.length;
    const sealed = direct ? total : total - (total % CHUNK_POINTS);
    if (open) this.deleteChunk.run(seriesId, open.first_step);
    for (let from = 0; from < sealed; from += CHUNK_POINTS) this.writeChunk(seriesId, columns, from, Math.min(sealed, from + CHUNK_POINTS));
    const sealedThrough = columns.steps[sealed - 1] as number;
    if (packed) this.deleteRowsThrough.run(seriesId, sealedThrough);
    this.insertRows(seriesId, fresh.slice(Math.max(0, sealed - before)), false);
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
}
