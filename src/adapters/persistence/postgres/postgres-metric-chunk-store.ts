import type { MetricColumns, MetricPoint } from '../../../domain/metric.js';
import { CHUNK_POINTS, allocateColumns, chunkParts, copyFromChunk, copyFromPoints, decodeChunk, firstIndexAbove, mergePoints, placeBatch } from '../shared/metric-chunks.js';
import type { SeriesLayout } from '../shared/metric-series.js';
import type { Sql } from './postgres-database.js';
import { numbers } from './postgres-arrays.js';
import { PACKED_ROWS, unpackRows } from './postgres-metric-sql.js';
import { MetricWrite } from './postgres-metric-write.js';

/**
 * Where the points of metric series go in PostgreSQL: chunks (`metric_chunks`, the shared chunk
 * format) followed by a tail of rows (`metric_points`), under the SQLite store's invariants
 * (docs/storage.md): a series' chunks never overlap and are ordered by step, the last one ends at
 * `sealed_through`; every row is past `sealed_through` and `tail_count` says how many there are;
 * each step is stored once. Points at or below the seal go into the chunk holding their step
 * (split past MAX_CHUNK_POINTS), and the tail is sealed into chunks of CHUNK_POINTS once it holds
 * that many, as there.
 *
 * One placement rule differs. A batch bringing DIRECT_POINTS new points of a series or more goes
 * straight into chunks, and SQLite first fills a short last chunk by rewriting it. Here such a
 * batch becomes a short chunk of its own, and the short chunks past the last full one (the open
 * chunks, fewer than CHUNK_POINTS points together) are merged into full ones by the batch that
 * brings them to CHUNK_POINTS: a point is written twice, where refilling rewrote it about five
 * times at 100 points per batch (a chunk is a compressed, TOASTed value: rewriting one costs its
 * size), which halved ingest. A history still reads as about one chunk per CHUNK_POINTS points,
 * plus a few short ones.
 *
 * The shape of the work differs too, since every statement costs a round trip: what an append
 * must read (its open chunks, a tail it seals) is read ahead by the statement that locks its
 * series (prefetchJoins), what it writes goes in one statement (MetricWrite), and only points landing
 * at or below the last step need one more read (READ_FOR_WRITE). What a statement carries stays
 * bounded whatever the series' size: points below the seal reaching more than GROUP_CHUNKS chunks
 * are staged a group of chunks at a time (stageInGroups).
 */

/**
 * New points of one series in one batch from which they go into a chunk rather than the tail.
 * Lower than SQLite's 64: here a tail row costs about what a chunk row does (an insert, its index
 * entry, a foreign key check, ~8 µs of server time) and is later read and deleted, while a short
 * chunk is one row whatever its size until merged. Measured (one client, 2-core VM): 20 keys × 50
 * points per append took 3.5 times less server time than through the tail; at 10 points per key
 * rows and chunks cost the same.
 */
export const DIRECT_POINTS = 16;

/** An open chunk; its points are read only when the batch may merge the open chunks. */
interface OpenChunk {
  firstStep: number;
  count: number;
  points: Buffer | null;
}

/** What prefetchJoins read for a series. */
export interface Prefetched {
  /** The open chunks, by first step, when the batch may go into chunks after them. */
  open: OpenChunk[];
  /** The tail, when the batch may seal it. */
  tail: MetricColumns | undefined;
}

/**
 * Joins reading ahead, for a locked series `s` and the number of drafts its batch brings (`n`, an
 * upper bound of its new points), what staging may need: the open chunks' first steps and counts
 * (with their points when they may be merged), and the tail when it may be sealed; the columns
 * are PREFETCHED. They cost nothing to a batch that needs neither: their conditions on `s` and
 * `n` are checked before any row is read.
 */
export const prefetchJoins = (s: string, n: string): string => `
  LEFT JOIN LATERAL (
    SELECT min(c.first_step) AS first_step, array_agg(c.first_step::float8 ORDER BY c.first_step) AS first_steps,
      array_agg(c.count ORDER BY c.first_step) AS counts, sum(c.count) AS total
    FROM metric_chunks c
    WHERE ${s}.tail_count = 0 AND ${s}.sealed_through IS NOT NULL AND ${n} >= ${DIRECT_POINTS} AND c.series_id = ${s}.id
      AND c.first_step > coalesce((SELECT max(f.first_step) FROM metric_chunks f WHERE f.series_id = ${s}.id AND f.count >= ${CHUNK_POINTS}), -1)
  ) oc ON true
  LEFT JOIN LATERAL (
    SELECT string_agg(c.points, '' ORDER BY c.first_step) AS points FROM metric_chunks c
    WHERE oc.total + ${n} >= ${CHUNK_POINTS} AND c.series_id = ${s}.id AND c.first_step >= oc.first_step
  ) op ON true
  LEFT JOIN LATERAL (
    SELECT ${PACKED_ROWS} AS points FROM metric_points p
    WHERE ${s}.tail_count > 0 AND (${n} >= ${DIRECT_POINTS} OR ${s}.tail_count + ${n} >= ${CHUNK_POINTS}) AND p.series_id = ${s}.id
  ) tp ON true`;

export const PREFETCHED = 'oc.first_steps, oc.counts, op.points, tp.points';

/** The PREFETCHED columns of a row. */
export type PrefetchedColumns = [firstSteps: number[] | null, counts: number[] | null, openPoints: Buffer | null, tail: Buffer | null];

export function prefetched([firstSteps, counts, openPoints, tail]: PrefetchedColumns): Prefetched {
  const open: OpenChunk[] = [];
  let offset = 0;
  (firstSteps ?? []).forEach((firstStep, i) => {
    const count = (counts as number[])[i] as number;
    const bytes = count * 3 * Float64Array.BYTES_PER_ELEMENT;
    open.push({ firstStep, count, points: openPoints && openPoints.subarray(offset, offset + bytes) });
    offset += bytes;
  });
  return { open, tail: tail ? unpackRows(tail) : undefined };
}

/** prefetchJoins again, for series whose lock did not read them in a current snapshot. */
const PREFETCH = `
  SELECT s.id, ${PREFETCHED} FROM unnest($1::bigint[], $2::integer[]) AS k (id, n) JOIN metric_series s ON s.id = k.id
  ${prefetchJoins('s', 'k.n')}`;

/** Reads ahead for the series `ids` (their batches bring `drafts` points at most). */
export async function prefetch(sql: Sql, ids: readonly number[], drafts: readonly number[]): Promise<Map<number, Prefetched>> {
  const { rows } = await sql.query<[number, ...PrefetchedColumns]>({ name: 'fathom_metric_prefetch', text: PREFETCH, values: [numbers(ids), numbers(drafts)], rowMode: 'array' });
  return new Map(rows.map(([id, ...columns]) => [id, prefetched(columns)]));
}

/** One series' part of an append: its stored layout, what was read ahead for it, its points. */
export interface SeriesBatch {
  id: number;
  layout: SeriesLayout;
  /** The series' last stored step; -1 for a series with no points yet. */
  lastStep: number;
  prefetched: Prefetched;
  /** Distinct steps, in step order. */
  points: readonly MetricPoint[];
}

export interface StagedSeries extends SeriesLayout {
  /** Whether a stored point was replaced: the aggregates must then be recomputed. */
  replaced: boolean;
}

interface ChunkRow {
  firstStep: number;
  count: number;
  points: Buffer;
}

const TARGET_CHUNK = 0;
const STORED_ROW = 1;

/**
 * What points at or below a series' last step need: the chunks that those at or below the seal
 * go into (the last one starting at or before the point's step, or the first one for a step
 * before every chunk), and which of the others have a row (a replacement, or a gap filled).
 */
const READ_FOR_WRITE = `
  SELECT ${TARGET_CHUNK} AS kind, c.series_id, c.first_step, c.count, c.points FROM metric_chunks c
  WHERE (c.series_id, c.first_step) IN (
    SELECT t.series_id, coalesce(
      (SELECT max(first_step) FROM metric_chunks WHERE series_id = t.series_id AND first_step <= t.step),
      (SELECT min(first_step) FROM metric_chunks WHERE series_id = t.series_id))
    FROM unnest($1::bigint[], $2::bigint[]) AS t (series_id, step))
  UNION ALL
  SELECT ${STORED_ROW}, p.series_id, p.step, NULL, NULL FROM metric_points p
  WHERE (p.series_id, p.step) IN (SELECT * FROM unnest($3::bigint[], $4::bigint[]))`;

/**
 * The most chunks points below the seal may reach for their reads and writes to go with the rest
 * of the batch (a chunk is at most MAX_CHUNK_POINTS points, 48 kB). A batch whose points below
 * the seal may reach more (it brings more of them) reads and writes them GROUP_CHUNKS target
 * chunks at a time, in statements of their own, so that re-logging scattered steps of a series of
 * millions of points never holds much of it at once: SQLite's store goes chunk by chunk too.
 */
export const GROUP_CHUNKS = 64;

/** The chunks points at or below the seal go into (see READ_FOR_WRITE), by first step. */
const TARGETS = `
  SELECT DISTINCT t.series_id, coalesce(
    (SELECT max(first_step) FROM metric_chunks WHERE series_id = t.series_id AND first_step <= t.step),
    (SELECT min(first_step) FROM metric_chunks WHERE series_id = t.series_id))
  FROM unnest($1::bigint[], $2::bigint[]) AS t (series_id, step)`;

/** What READ_FOR_WRITE found for one series. */
interface Found {
  /** Chunks receiving points at or below the seal, by first step. */
  targets: ChunkRow[];
  storedSteps: Set<number>;
}

/** One series' batch split by where its points go. */
interface Plan {
  batch: SeriesBatch;
  /** At or below the seal: into chunks. */
  below: readonly MetricPoint[];
  /** Past the seal, at or below the last step: into the tail, maybe replacing rows. */
  late: readonly MetricPoint[];
  /** Past the last step. */
  fresh: readonly MetricPoint[];
  direct: boolean;
  /** Whether the batch may seal the tail (then its rows are at hand). */
  sealsTail: boolean;
  /** Whether the batch goes into chunks after the open ones (then they are at hand). */
  followsOpen: boolean;
  /** Whether points below the seal, staged already (stageInGroups), replaced stored ones. */
  replaced: boolean;
}

/**
 * Plans the storing of `batches` (one per series, distinct series) into `write`: returns each
 * series' new layout in the order of `batches`, and whether a stored point was replaced. Reads
 * only for points at or below a series' last step, all in one statement, unless they may reach
 * more than GROUP_CHUNKS chunks: then those below the seal are read and written first, in groups.
 */
export async function stagePoints(sql: Sql, batches: readonly SeriesBatch[], write: MetricWrite): Promise<StagedSeries[]> {
  let plans = batches.map(planOf);
  if (plans.reduce((n, plan) => n + plan.below.length, 0) > GROUP_CHUNKS) plans = await stageInGroups(sql, plans);
  const found = await readForWrite(sql, plans);
  return plans.map((plan) => stage(plan, found.get(plan.batch.id), write));
}

/**
 * Writes the points below the seal of `plans` into their chunks, GROUP_CHUNKS target chunks at a
 * time: each group is one read (READ_FOR_WRITE) and one write. Returns the plans left to stage,
 * without those points. Groups never share a chunk, and a group's writes change no chunk a later
 * group reads: a chunk written splits within its own steps, or moves its first step down when it
 * is the series' first.
 */
async function stageInGroups(sql: Sql, plans: readonly Plan[]): Promise<Plan[]> {
  const ids: number[] = [];
  const steps: number[] = [];
  for (const { batch, below } of plans) {
    for (const point of below) {
      ids.push(batch.id);
      steps.push(point.step);
    }
  }
  const { rows } = await sql.query<[number, number]>({ name: 'fathom_metric_targets', text: TARGETS, values: [ids, steps].map(numbers), rowMode: 'array' });
  const targets = new Map<number, number[]>();
  for (const [seriesId, firstStep] of rows) {
    const list = targets.get(seriesId);
    if (list) list.push(firstStep);
    else targets.set(seriesId, [firstStep]);
  }
  const replaced = new Set<number>();
  let group: Plan[] = [];
  let chunks = 0;
  const flush = async () => {
    const found = await readForWrite(sql, group);
    const write = new MetricWrite();
    for (const { batch, below } of group) {
      if (stageIntoChunks(batch.id, below, (found.get(batch.id) as Found).targets, write)) replaced.add(batch.id);
    }
    await write.run(sql);
    group = [];
    chunks = 0;
  };
  for (const plan of plans) {
    const firstSteps = (targets.get(plan.batch.id) ?? []).sort((a, b) => a - b);
    // Each target's points: those before the next target (the first one also takes any before it).
    let from = 0;
    for (let t = 0; t < firstSteps.length; ) {
      const take = Math.min(GROUP_CHUNKS - chunks, firstSteps.length - t);
      t += take;
      const to = t < firstSteps.length ? firstIndexAbove(plan.below, (firstSteps[t] as number) - 1) : plan.below.length;
      group.push({ ...plan, below: plan.below.slice(from, to), late: [] });
      chunks += take;
      from = to;
      if (chunks === GROUP_CHUNKS) await flush();
    }
  }
  if (chunks > 0) await flush();
  return plans.map((plan) => (plan.below.length === 0 ? plan : { ...plan, below: [], replaced: replaced.has(plan.batch.id) }));
}

function planOf(batch: SeriesBatch): Plan {
  const { points, layout, lastStep } = batch;
  const { below, late, fresh } = placeBatch(points, layout.sealedThrough, lastStep);
  const direct = fresh.length >= DIRECT_POINTS;
  // prefetchJoins read what these need: their conditions hold whenever these do (a batch's
  // drafts are at least its points).
  return {
    batch,
    below,
    late,
    fresh,
    direct,
    // The tail after this batch holds at most tailCount + late.length rows.
    sealsTail: layout.tailCount > 0 && (direct || layout.tailCount + late.length + fresh.length >= CHUNK_POINTS),
    // Open chunks that points below the seal go into are left as they are (no chunk is written twice).
    followsOpen: direct && layout.tailCount === 0 && layout.sealedThrough !== null && below.length === 0,
    replaced: false,
  };
}

async function readForWrite(sql: Sql, plans: readonly Plan[]): Promise<Map<number, Found>> {
  const targetIds: number[] = [];
  const targetSteps: number[] = [];
  const rowIds: number[] = [];
  const rowSteps: number[] = [];
  for (const { batch, below, late, sealsTail } of plans) {
    for (const point of below) {
      targetIds.push(batch.id);
      targetSteps.push(point.step);
    }
    // A tail at hand says which rows exist.
    if (sealsTail) continue;
    for (const point of late) {
      rowIds.push(batch.id);
      rowSteps.push(point.step);
    }
  }
  const found = new Map<number, Found>();
  if (targetIds.length + rowIds.length === 0) return found;
  const values = [targetIds, targetSteps, rowIds, rowSteps].map(numbers);
  const { rows } = await sql.query<[number, number, number, number | null, Buffer | null]>({ name: 'fathom_metric_read_for_write', text: READ_FOR_WRITE, values, rowMode: 'array' });
  for (const [kind, seriesId, step, count, points] of rows) {
    let entry = found.get(seriesId);
    if (!entry) found.set(seriesId, (entry = { targets: [], storedSteps: new Set() }));
    if (kind === STORED_ROW) entry.storedSteps.add(step);
    else entry.targets.push({ firstStep: step, count: count as number, points: points as Buffer });
  }
  for (const entry of found.values()) entry.targets.sort((a, b) => a.firstStep - b.firstStep);
  return found;
}

function stage(plan: Plan, found: Found | undefined, write: MetricWrite): StagedSeries {
  const { batch, below, late, fresh, direct } = plan;
  const { id, layout, prefetched } = batch;
  let replaced = plan.replaced || (below.length > 0 && stageIntoChunks(id, below, (found as Found).targets, write));
  // Points between the seal and the last step may replace rows; the rest are past every row.
  let tailCount = layout.tailCount;
  let tail: MetricColumns | undefined;
  if (plan.sealsTail) {
    const merge = mergePoints(prefetched.tail as MetricColumns, late);
    tail = merge.merged;
    replaced ||= merge.replaced;
    tailCount = tail.steps.length;
  } else {
    for (const point of late) {
      if (found?.storedSteps.has(point.step)) replaced = true;
      else tailCount++;
    }
  }
  if (!direct && tailCount + fresh.length < CHUNK_POINTS) {
    write.putRows(id, late, fresh);
    return { sealedThrough: layout.sealedThrough, tailCount: tailCount + fresh.length, replaced };
  }
  if (tailCount === 0) {
    const sealedThrough = stageFresh(id, plan.followsOpen ? prefetched.open : [], fresh, write);
    return { sealedThrough, tailCount: 0, replaced };
  }
  // Sealing: the tail (with the late points), then the fresh points, become chunks of
  // CHUNK_POINTS; what is left stays rows, unless the batch is direct: then it all goes into
  // chunks, the last one short.
  const columns = allocateColumns(tailCount + fresh.length);
  columns.steps.set((tail as MetricColumns).steps);
  columns.values.set((tail as MetricColumns).values);
  columns.timestamps.set((tail as MetricColumns).timestamps);
  copyFromPoints(fresh, columns, tailCount);
  const total = columns.steps.length;
  const sealed = direct ? total : total - (total % CHUNK_POINTS);
  for (let from = 0; from < sealed; from += CHUNK_POINTS) write.putChunk(id, columns, from, Math.min(sealed, from + CHUNK_POINTS));
  const sealedThrough = columns.steps[sealed - 1] as number;
  write.deleteRowsThrough(id, sealedThrough);
  write.putRows(
    id,
    late.filter((p) => p.step > sealedThrough),
    fresh.slice(Math.max(0, sealed - tailCount)),
  );
  return { sealedThrough, tailCount: total - sealed, replaced };
}

/**
 * Stages a direct batch's fresh points of a series without a tail: as a short chunk of their own
 * (and full ones before it, for CHUNK_POINTS points or more), or, when they bring the open chunks
 * to CHUNK_POINTS, merged with them into full chunks and a short last one. Returns the new seal.
 */
function stageFresh(seriesId: number, open: readonly OpenChunk[], fresh: readonly MetricPoint[], write: MetricWrite): number {
  const pointsIn = (chunks: readonly OpenChunk[]) => chunks.reduce((n, chunk) => n + chunk.count, 0);
  const merged = pointsIn(open) + fresh.length >= CHUNK_POINTS ? open : [];
  const columns = allocateColumns(pointsIn(merged) + fresh.length);
  let n = 0;
  for (const chunk of merged) {
    copyFromChunk(chunk.points as Buffer, chunk.count, 0, chunk.count, columns, n);
    n += chunk.count;
  }
  copyFromPoints(fresh, columns, n);
  const firstSteps = new Set<number>();
  for (let from = 0; from < columns.steps.length; from += CHUNK_POINTS) {
    write.putChunk(seriesId, columns, from, Math.min(columns.steps.length, from + CHUNK_POINTS));
    firstSteps.add(columns.steps[from] as number);
  }
  for (const chunk of merged) if (!firstSteps.has(chunk.firstStep)) write.deleteChunk(seriesId, chunk.firstStep);
  return columns.steps[columns.steps.length - 1] as number;
}

/**
 * Stages points at or below the seal (in step order) into the chunks `targets` (read for them,
 * in step order): each point into the last target starting at or before its step, or the first
 * one. A chunk is merged and written again, split if it grew past MAX_CHUNK_POINTS; its row goes
 * when no part keeps its first step (a point before every chunk moves it). Says whether a stored
 * point was replaced.
 */
function stageIntoChunks(seriesId: number, points: readonly MetricPoint[], targets: readonly ChunkRow[], write: MetricWrite): boolean {
  let replaced = false;
  let t = 0;
  for (let i = 0; i < points.length; ) {
    const step = (points[i] as MetricPoint).step;
    while (t + 1 < targets.length && (targets[t + 1] as ChunkRow).firstStep <= step) t++;
    const chunk = targets[t] as ChunkRow;
    const next = targets[t + 1]?.firstStep ?? Infinity;
    let j = i;
    while (j < points.length && (points[j] as MetricPoint).step < next) j++;
    const merge = mergePoints(decodeChunk(chunk.points, chunk.count), points.slice(i, j));
    replaced ||= merge.replaced;
    const parts = chunkParts(merge.merged.steps.length);
    for (const [from, to] of parts) write.putChunk(seriesId, merge.merged, from, to);
    if (!parts.some(([from]) => merge.merged.steps[from] === chunk.firstStep)) write.deleteChunk(seriesId, chunk.firstStep);
    i = j;
  }
  return replaced;
}
