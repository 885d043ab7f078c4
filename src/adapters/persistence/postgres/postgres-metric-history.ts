import type { MetricColumns } from '../../../domain/metric.js';
import { allocateColumns, chunkSpan, copyFromChunk, decodeChunk, sliceColumns } from '../shared/metric-chunks.js';
import type { Sql } from './postgres-database.js';
import { numbers } from './postgres-arrays.js';
import { PACKED_ROWS, unpackRows } from './postgres-metric-sql.js';

/**
 * Reads of metric histories (chunks, then the tail's rows, see postgres-metric-chunk-store.ts).
 * A history is one statement, so one snapshot: the chunks and the tail always agree; whole series
 * are read page by page inside a write that holds their locks, so nothing changes them between
 * pages. Blobs come as hex text: pg 8 decodes every field of a binary-format result as UTF-8
 * text, which mangles bytes, so the binary result format cannot carry them (hex costs about
 * 250 ms per million points).
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

/**
 * Recomputing reads whole series a page at a time: at most PAGE_CHUNKS chunks (each at most
 * MAX_CHUNK_POINTS points) per statement, however long the series.
 */
const PAGE_CHUNKS = 64;

/**
 * The next page of the chunks of series $1, in (series, first step) order after ($2, $3); with
 * $4, the series' tails too, packed (each fewer than CHUNK_POINTS rows, so bounded as well).
 */
const SERIES_PAGE = `
  (SELECT c.series_id, false AS packed, c.first_step AS at, c.count, c.points FROM metric_chunks c
   WHERE c.series_id = ANY($1::bigint[]) AND (c.series_id, c.first_step) > ($2::bigint, $3::bigint)
   ORDER BY c.series_id, c.first_step LIMIT ${PAGE_CHUNKS})
  UNION ALL
  SELECT p.series_id, true, min(p.step), count(*)::integer, ${PACKED_ROWS} FROM metric_points p
  WHERE $4::boolean AND p.series_id = ANY($1::bigint[]) GROUP BY p.series_id`;

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
 * recomputing aggregates needs. The chunks are read a page at a time (keyset), in the caller's
 * transaction, so the memory held stays bounded however long the series; the tails, read with
 * the first page, are visited last.
 */
export async function forEachBlock(sql: Sql, seriesIds: readonly number[], visit: (seriesId: number, columns: MetricColumns) => void): Promise<void> {
  const ids = numbers(seriesIds);
  const tails: [number, Buffer][] = [];
  let after: [seriesId: number, firstStep: number] = [-1, -1];
  for (let first = true; ; first = false) {
    const { rows } = await sql.query<[number, ...BlockRow]>({ name: 'fathom_metric_series_page', text: SERIES_PAGE, values: [ids, ...after, first], rowMode: 'array' });
    const chunks: [number, number, number, Buffer][] = [];
    for (const [seriesId, packed, at, count, points] of rows) {
      if (packed) tails.push([seriesId, points]);
      else chunks.push([seriesId, at, count, points]);
    }
    // In (series, step) order, which a UNION ALL does not promise to keep.
    chunks.sort(([a, stepA], [b, stepB]) => a - b || stepA - stepB);
    for (const [seriesId, , count, points] of chunks) visit(seriesId, decodeChunk(points, count));
    const last = chunks[chunks.length - 1];
    if (chunks.length < PAGE_CHUNKS || !last) break;
    after = [last[0], last[1]];
  }
  for (const [seriesId, packed] of tails) visit(seriesId, unpackRows(packed));
}
