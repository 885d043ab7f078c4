import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
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
import { assertLittleEndian } from '../shared/metric-chunks.js';
import { accumulatorOf, HistoryAccumulator, type AggregateColumns, type SeriesLayout } from '../shared/metric-series.js';
import type { PostgresDatabase, Sql } from './postgres-database.js';
import { PREFETCHED, prefetch, prefetched, prefetchJoins, stagePoints, type Prefetched, type PrefetchedColumns } from './postgres-metric-chunk-store.js';
import { forEachBlock, readHistory } from './postgres-metric-history.js';
import { numbers } from './postgres-arrays.js';
import { MetricWrite } from './postgres-metric-write.js';
import { storable } from './postgres-text.js';

/** A metric_series row as the lock reads it. */
interface Series {
  id: number;
  key: string;
  /** Undefined while the series has no point (a row created by this append). */
  acc: MetricAccumulator | undefined;
  layout: SeriesLayout;
  /** What staging its points needs; undefined until read in a current snapshot. */
  prefetched: Prefetched | undefined;
}

type SeriesRow = [id: number, key: string, sealedThrough: number | null, tailCount: number, ...aggregates: AggregateColumns];
const SERIES_COLUMNS = ['id', 'key', 'sealed_through', 'tail_count', 'last_value', 'last_step', 'last_timestamp', 'first_step', 'min', 'max', 'sum', 'numeric_count', 'count'];
const seriesColumns = (prefix = '') => SERIES_COLUMNS.map((column) => prefix + column).join(', ');

type LockedRow = [...SeriesRow, current: boolean, ...PrefetchedColumns];

/**
 * Locks the run against deletion (FOR KEY SHARE: updates of the run go on), then the series rows
 * of the batch's keys ($2, each bringing $3 drafts), all of them in key order, by one upsert: a
 * missing row is created (a created row says count 0), an existing one is locked by DO UPDATE,
 * whose WHERE false keeps it from writing a row version (PostgreSQL locks a conflicting row
 * before it tests that condition). The upsert finds and locks the latest version of every row,
 * also one another append created after this statement's snapshot, so concurrent appends on any
 * server take the rows they share in one order and never deadlock on them. (A plain SELECT …
 * FOR UPDATE skips rows its snapshot cannot see: locked by a second statement, such a row would
 * be locked after rows of higher keys.)
 *
 * Returns the rows and, read ahead in the same round trip, what staging their points needs (see
 * prefetchJoins). The rows the upsert locked are read again FOR NO KEY UPDATE (the mode it took,
 * so nothing is locked twice), which gives their latest version; what is read ahead comes from
 * the statement's snapshot, current only when no append to the series committed in between, that
 * is when the row version locked is the one the snapshot sees (every append writes its series
 * rows). `current` says so; otherwise staging reads again, after the lock. A row created since
 * the snapshot is in neither part: READ_CREATED_ELSEWHERE reads it.
 */
const LOCK_SERIES = `
  WITH created AS (
    INSERT INTO metric_series (run_id, key, last_step, last_timestamp, first_step, numeric_count, count)
    SELECT r.id, k.key, 0, 0, 0, 0, 0
    FROM (SELECT id FROM runs WHERE id = $1 FOR KEY SHARE) r, unnest($2::text[]) AS k (key)
    ORDER BY k.key COLLATE "C"
    ON CONFLICT (run_id, key) DO UPDATE SET count = metric_series.count WHERE false
    RETURNING ${seriesColumns()}
  ), locked AS (
    SELECT ${seriesColumns()}, xmin FROM metric_series WHERE run_id = $1 AND key = ANY($2::text[]) FOR NO KEY UPDATE
  )
  SELECT ${seriesColumns()}, true AS current, NULL::float8[], NULL::integer[], NULL::bytea, NULL::bytea FROM created
  UNION ALL
  SELECT ${seriesColumns('l.')}, l.xmin = (SELECT m.xmin FROM metric_series m WHERE m.id = l.id), ${PREFETCHED}
  FROM locked l JOIN unnest($2::text[], $3::integer[]) AS k (key, n) ON k.key = l.key
  ${prefetchJoins('l', 'k.n')}`;

/**
 * Rows another append created after LOCK_SERIES took its snapshot, which it locked but could not
 * read: read in a new snapshot, which sees them as they stay while this transaction holds them.
 */
const READ_CREATED_ELSEWHERE = `SELECT ${seriesColumns()} FROM metric_series WHERE run_id = $1 AND key = ANY($2::text[])`;

const SUMMARIES = `
  SELECT run_id, key, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count
  FROM metric_series WHERE run_id = ANY($1::text[]) ORDER BY run_id, key`;

/**
 * Metric histories in PostgreSQL, and one `metric_series` row per (run, key) holding the latest
 * point and the running aggregates, updated in the same transaction as the points: the SQLite
 * store's layout (see postgres-metric-chunk-store.ts), with appends shaped for a database a round
 * trip away. An append is BEGIN, the lock (which also reads ahead what placing the points needs),
 * one statement writing everything, COMMIT: four round trips whatever the batch. Points at or
 * below a series' last step add a read; replacing stored points adds a read of the series (a page
 * of chunks per statement) and an update. Appends to one series, from any number of servers, queue on its row lock, so steps are
 * assigned and aggregates added up one batch at a time.
 */
export class PostgresMetricRepository implements MetricRepository {
  constructor(private readonly db: PostgresDatabase) {
    assertLittleEndian();
  }

  append(runId: string, drafts: readonly MetricDraft[]): Promise<number> {
    return this.db.write(async (sql) => {
      const series = await lockSeries(sql, runId, drafts);
      const points = assignSteps(drafts, (key) => series.get(key)?.acc?.lastStep);
      const batches = [...byKeyInStepOrder(points)].map(([key, batch]) => ({ series: series.get(key) as Series, batch }));
      const write = new MetricWrite();
      const staged = await stagePoints(
        sql,
        batches.map(({ series: s, batch }) => ({ id: s.id, layout: s.layout, lastStep: s.acc ? s.acc.lastStep : -1, prefetched: s.prefetched as Prefetched, points: batch })),
        write,
      );
      // A replacement may have removed the min or the max: such series are recomputed from their
      // whole history once written. Otherwise the batch adds up onto the aggregates.
      const recompute = new Map<number, SeriesLayout>();
      batches.forEach(({ series: s, batch }, i) => {
        const { replaced, ...layout } = staged[i] as (typeof staged)[number];
        if (replaced) recompute.set(s.id, layout);
        else write.updateSeries(s.id, accumulateBatch(s.acc, batch) as MetricAccumulator, layout);
      });
      await write.run(sql);
      if (recompute.size > 0) await this.recompute(sql, recompute);
      return points.length;
    });
  }

  async summaries(runIds: readonly string[]): Promise<Map<string, MetricSummary[]>> {
    const result = new Map<string, MetricSummary[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return result;
    type Row = [runId: string, key: string, ...aggregates: AggregateColumns];
    const { rows } = await this.db.read((sql) => sql.query<Row>({ name: 'fathom_metric_summaries', text: SUMMARIES, values: [runIds], rowMode: 'array' }));
    for (const [runId, key, ...aggregates] of rows) result.get(runId)?.push(toSummary(key, accumulatorOf(aggregates)));
    return result;
  }

  async history(runId: string, key: string, range: StepRange): Promise<MetricColumns> {
    // A run or key no row can hold has no points (see postgres-text.ts), as on the other stores.
    if (!storable(runId) || !storable(key)) return EMPTY_COLUMNS;
    const columns = await this.db.read((sql) => readHistory(sql, runId, key, range.startStep ?? 0, range.endStep ?? MAX_STEP));
    return columns ?? EMPTY_COLUMNS;
  }

  /**
   * The aggregates of whole series, a chunk at a time (read a page of chunks at a time), as
   * appends add them up; saved with the series' new layouts.
   */
  private async recompute(sql: Sql, layouts: Map<number, SeriesLayout>): Promise<void> {
    const history = new HistoryAccumulator();
    const accs = new Map<number, MetricAccumulator | undefined>();
    await forEachBlock(sql, [...layouts.keys()], (seriesId, columns) => {
      accs.set(seriesId, history.add(accs.get(seriesId), columns));
    });
    const write = new MetricWrite();
    for (const [seriesId, layout] of layouts) write.updateSeries(seriesId, accs.get(seriesId) as MetricAccumulator, layout);
    await write.run(sql);
  }
}

async function lockSeries(sql: Sql, runId: string, drafts: readonly MetricDraft[]): Promise<Map<string, Series>> {
  const draftsPerKey = new Map<string, number>();
  for (const { key } of drafts) draftsPerKey.set(key, (draftsPerKey.get(key) ?? 0) + 1);
  const keys = [...draftsPerKey.keys()];
  if (keys.length === 0) {
    const { rowCount } = await sql.query('SELECT 1 FROM runs WHERE id = $1', [runId]);
    if (rowCount === 0) throw new NotFoundError('run', runId);
    return new Map();
  }
  const series = new Map<string, Series>();
  const add = (row: SeriesRow, read: Prefetched | undefined) => {
    const [id, key, sealedThrough, tailCount, ...aggregates] = row;
    const acc = accumulatorOf(aggregates);
    series.set(key, { id, key, acc: acc.count === 0 ? undefined : acc, layout: { sealedThrough, tailCount }, prefetched: read });
  };
  const locked = await sql.query<LockedRow>({ name: 'fathom_metric_lock', text: LOCK_SERIES, values: [runId, keys, numbers([...draftsPerKey.values()])], rowMode: 'array' });
  for (const row of locked.rows) {
    const current = row[SERIES_COLUMNS.length] as boolean;
    add(row.slice(0, SERIES_COLUMNS.length) as SeriesRow, current ? prefetched(row.slice(SERIES_COLUMNS.length + 1) as PrefetchedColumns) : undefined);
  }
  if (series.size < keys.length) {
    const missing = keys.filter((key) => !series.has(key));
    const created = await sql.query<SeriesRow>({ name: 'fathom_metric_read_created', text: READ_CREATED_ELSEWHERE, values: [runId, missing], rowMode: 'array' });
    for (const row of created.rows) add(row, undefined);
    // Still missing: there is no run (or it was deleted meanwhile, with its series).
    if (series.size < keys.length) throw new NotFoundError('run', runId);
  }
  const unread = [...series.values()].filter((s) => s.prefetched === undefined);
  if (unread.length > 0) {
    const read = await prefetch(sql, unread.map((s) => s.id), unread.map((s) => draftsPerKey.get(s.key) as number));
    for (const s of unread) s.prefetched = read.get(s.id) as Prefetched;
  }
  return series;
}

