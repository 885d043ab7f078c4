import type { MetricColumns } from '../../../domain/metric.js';
import { allocateColumns, chunkSpan, copyFromChunk, decodeChunk, sliceColumns } from '../shared/metric-chunks.js';
import type { Sql } from './postgres-database.js';
import { PACKED_ROWS, numbers } from './postgres-metric-sql.js';

/**
 * Reads of metric histories (chunks, then the tail's rows, see postgres-metric-chunk-store.ts),
 * each one statement, so one snapshot: the chunks and the tail always agree. Blobs come as hex
 * text: pg 8 decodes every field of a binary-format result as UTF-8 text, which mangles bytes, so
 * the binary result format cannot carry them (hex costs about 250 ms per million points).
 */

/**
 * One key's chunks overlapping [$3, $4] (from the one holding $3, the last starting at or before
 * it, to the last starting at or before $4: one range of the primary key) in step order, then the
 * tail's rows in the range, packed.
 */
const HISTORY = `
  SELECT false AS packed, c.first_step AS at, c.count, c.points
  FROM metric_series s JOIN metric_chunks c ON c.series_id = s.id
  WHERE s.run_id = $1 AND s.key = $2 AND c.first_step <= $4 AND c.last_step >= $3
    AND c.first_step >= coalesce((SELECT max(first_step) FROM metric_chunks WHERE series_id = s.id AND first_step <= $3), 0)
  UNION ALL
  SELECT true, min(p.step), count(*)::integer, ${PACKED_ROWS}
  FROM metric_series s JOIN metric_points p ON p.series_id = s.id
  WHERE s.run_id = $1 AND s.key = $2 AND p.step BETWEEN $3 AND $4
  HAVING count(*) > 0
  ORDER BY at`;

/** Whole series: their chunks in step order, then their tails, packed. */
const SERIES = `
  SELECT c.series_id, false AS packed, c.first_step AS at, c.count, c.points FROM metric_chunks c WHERE c.series_id = ANY($1::bigint[])
  UNION ALL
  SELECT p.series_id, true, min(p.step), count(*)::integer, ${PACKED_ROWS} FROM metric_points p WHERE p.series_id = ANY($1::bigint[]) GROUP BY p.series_id
  ORDER BY series_id, at`;

type BlockRow = [packed: boolean, at: number, count: number, points: Buffer];

/**
 * One key's points in [start, end], as columns copied straight from the blobs (no object per
 * point); undefined when the run has no such key.
 */
export async function readHistory(sql: Sql, runId: string, key: string, start: number, end: number): Promise<MetricColumns | undefined> {
  const { rows } = await sql.query<BlockRow>({ name: 'fathom_metric_history', text: HISTORY, values: [runId, key, start, end], rowMode: 'array' });
  if (rows.length === 0) return undefined;
  const columns = allocateColumns(rows.reduce((n, [, , count]) => n + count, 0));
  let n = 0;
  for (const [packed, , count, points] of rows) {
    const blob = packed ? points.swap64() : points;
    const [from, to] = chunkSpan(blob, count, start, end);
    copyFromChunk(blob, count, from, to, columns, n);
    n += to - from;
  }
  return sliceColumns(columns, n);
}

/**
 * Hands each of the series to `visit` in step order, a chunk (then the tail) at a time: what
 * recomputing aggregates needs. The series are read in one statement.
 */
export async function forEachBlock(sql: Sql, seriesIds: readonly number[], visit: (seriesId: number, columns: MetricColumns) => void): Promise<void> {
  const { rows } = await sql.query<[number, ...BlockRow]>({ name: 'fathom_metric_series', text: SERIES, values: [numbers(seriesIds)], rowMode: 'array' });
  for (const [seriesId, packed, , count, points] of rows) visit(seriesId, decodeChunk(packed ? points.swap64() : points, count));
}
