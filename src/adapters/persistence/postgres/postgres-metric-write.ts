import type { MetricAccumulator, MetricColumns, MetricPoint } from '../../../domain/metric.js';
import { encodeChunk } from '../shared/metric-chunks.js';
import { aggregateColumns, toSql, type SeriesLayout } from '../shared/metric-series.js';
import type { Sql } from './postgres-database.js';
import { numbers } from './postgres-arrays.js';

/**
 * Every change of one append, to points, chunks and series rows, sent as one statement of
 * data-modifying CTEs over arrays, so its cost in round trips does not grow with the batch. The
 * parts never touch the same row: chunks deleted are those no chunk written replaces, rows
 * deleted are at or below a new seal and rows written past it. Chunk blobs travel as one binary
 * parameter, cut by offsets on the server: one parameter whatever the number of chunks (pg sends
 * a Buffer as binary; a bytea[] would go as hex text, twice the size).
 *
 * Like every metric statement, a prepared one (named): each connection parses and plans it once.
 * Planned on every append, the statements of an append cost the server about as much again as
 * running them; their generic plans look rows up by primary key per array element.
 */
export class MetricWrite {
  private readonly chunkDeletes = { ids: [] as number[], firstSteps: [] as number[] };
  private readonly rowDeletes = { ids: [] as number[], throughs: [] as number[] };
  private readonly rows = { ids: [] as number[], steps: [] as number[], values: [] as number[], timestamps: [] as number[] };
  private readonly chunks = { ids: [] as number[], firstSteps: [] as number[], lastSteps: [] as number[], counts: [] as number[], offsets: [] as number[] };
  private readonly blobs: Buffer[] = [];
  private blobBytes = 0;
  private readonly series: (number | null)[][] = Array.from({ length: 13 }, () => []);

  deleteChunk(seriesId: number, firstStep: number): void {
    this.chunkDeletes.ids.push(seriesId);
    this.chunkDeletes.firstSteps.push(firstStep);
  }

  /** Points [from, to) of `columns` as a chunk; replaces the series' chunk with the same first step. */
  putChunk(seriesId: number, columns: MetricColumns, from: number, to: number): void {
    const blob = encodeChunk(columns, from, to);
    this.chunks.ids.push(seriesId);
    this.chunks.firstSteps.push(columns.steps[from] as number);
    this.chunks.lastSteps.push(columns.steps[to - 1] as number);
    this.chunks.counts.push(to - from);
    this.chunks.offsets.push(this.blobBytes);
    this.blobs.push(blob);
    this.blobBytes += blob.length;
  }

  deleteRowsThrough(seriesId: number, step: number): void {
    this.rowDeletes.ids.push(seriesId);
    this.rowDeletes.throughs.push(step);
  }

  /** Points as tail rows, replacing rows at their steps. */
  putRows(seriesId: number, ...lists: (readonly MetricPoint[])[]): void {
    for (const points of lists) {
      for (const point of points) {
        this.rows.ids.push(seriesId);
        this.rows.steps.push(point.step);
        this.rows.values.push(point.value);
        this.rows.timestamps.push(point.timestamp);
      }
    }
  }

  /**
   * The series row's aggregates (NaN kept as NULL, see migrations.ts) and layout, with the mean
   * searches compare, divided here as the domain divides (toSummary).
   */
  updateSeries(seriesId: number, acc: MetricAccumulator, layout: SeriesLayout): void {
    const mean = acc.numericCount === 0 ? NaN : acc.sum / acc.numericCount;
    const row = [seriesId, ...aggregateColumns(acc), toSql(mean), layout.sealedThrough, layout.tailCount];
    row.forEach((value, i) => (this.series[i] as (number | null)[]).push(value));
  }

  async run(sql: Sql): Promise<void> {
    const { chunkDeletes, rowDeletes, rows, chunks, series } = this;
    const values = [
      ...[chunkDeletes.ids, chunkDeletes.firstSteps, rowDeletes.ids, rowDeletes.throughs].map(numbers),
      ...[rows.ids, rows.steps, rows.values, rows.timestamps].map(numbers),
      ...series.map(numbers),
      ...[chunks.ids, chunks.firstSteps, chunks.lastSteps, chunks.counts, chunks.offsets].map(numbers),
      Buffer.concat(this.blobs, this.blobBytes),
    ];
    await sql.query({ name: 'fathom_metric_write', text: WRITE, values });
  }
}

const WRITE = `
  WITH chunks_gone AS (
    DELETE FROM metric_chunks c USING unnest($1::bigint[], $2::bigint[]) AS d (series_id, first_step)
    WHERE c.series_id = d.series_id AND c.first_step = d.first_step
  ), rows_sealed AS (
    DELETE FROM metric_points p USING unnest($3::bigint[], $4::bigint[]) AS d (series_id, through)
    WHERE p.series_id = d.series_id AND p.step <= d.through
  ), rows_put AS (
    INSERT INTO metric_points (series_id, step, value, timestamp)
    SELECT * FROM unnest($5::bigint[], $6::bigint[], $7::float8[], $8::bigint[])
    ON CONFLICT (series_id, step) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp
  ), series_put AS (
    UPDATE metric_series s SET last_value = u.last_value, last_step = u.last_step, last_timestamp = u.last_timestamp,
      first_step = u.first_step, min = u.min, max = u.max, sum = u.sum, mean = u.mean, numeric_count = u.numeric_count, count = u.count,
      sealed_through = u.sealed_through, tail_count = u.tail_count
    FROM unnest($9::bigint[], $10::float8[], $11::bigint[], $12::bigint[], $13::bigint[], $14::float8[], $15::float8[], $16::float8[],
      $17::bigint[], $18::bigint[], $19::float8[], $20::bigint[], $21::integer[])
      AS u (id, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count, mean, sealed_through, tail_count)
    WHERE s.id = u.id
  )
  INSERT INTO metric_chunks (series_id, first_step, last_step, count, points)
  SELECT c.series_id, c.first_step, c.last_step, c.count, substring($27::bytea FROM c.byte_offset + 1 FOR c.count * 24)
  FROM unnest($22::bigint[], $23::bigint[], $24::bigint[], $25::integer[], $26::integer[]) AS c (series_id, first_step, last_step, count, byte_offset)
  ON CONFLICT (series_id, first_step) DO UPDATE SET last_step = excluded.last_step, count = excluded.count, points = excluded.points`;
