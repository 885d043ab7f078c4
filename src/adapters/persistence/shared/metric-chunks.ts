import { endianness } from 'node:os';
import type { MetricColumns, MetricPoint } from '../../../domain/metric.js';

/**
 * The blob format of `metric_chunks.points` and the column work on it: `count` Float64 steps,
 * then `count` values (NaN stored as NaN), then `count` timestamps, little-endian. Shared by the
 * SQL stores, so a chunk means the same bytes in both, with the placement rules their chunk
 * stores share (where a batch's points go, how a grown chunk is split).
 */

/** Points per sealed chunk. */
export const CHUNK_POINTS = 1024;
/** A chunk grown past this by late points is split into chunks of about CHUNK_POINTS. */
export const MAX_CHUNK_POINTS = 2 * CHUNK_POINTS;

const BYTES = Float64Array.BYTES_PER_ELEMENT;

/** Chunks are written and read as the machine's Float64Array bytes: they must be little-endian. */
export function assertLittleEndian(arch = endianness()): void {
  if (arch !== 'LE') {
    throw new Error(`the SQLite metric store keeps points as little-endian Float64 columns, and this machine is ${arch === 'BE' ? 'big' : arch}-endian: use another store`);
  }
}

export function allocateColumns(n: number): MetricColumns {
  return { steps: new Float64Array(n), values: new Float64Array(n), timestamps: new Float64Array(n) };
}

export function sliceColumns(columns: MetricColumns, n: number): MetricColumns {
  if (n === columns.steps.length) return columns;
  return { steps: columns.steps.subarray(0, n), values: columns.values.subarray(0, n), timestamps: columns.timestamps.subarray(0, n) };
}

/** Points [from, to) of `columns` as one chunk blob. */
export function encodeChunk(columns: MetricColumns, from: number, to: number): Buffer {
  const n = to - from;
  const packed = new Float64Array(3 * n);
  packed.set(columns.steps.subarray(from, to), 0);
  packed.set(columns.values.subarray(from, to), n);
  packed.set(columns.timestamps.subarray(from, to), 2 * n);
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}

/** Points gathered as plain arrays (in step order) as one chunk blob. */
export function packPoints(steps: readonly number[], values: readonly number[], timestamps: readonly number[]): Buffer {
  const n = steps.length;
  const packed = new Float64Array(3 * n);
  packed.set(steps, 0);
  packed.set(values, n);
  packed.set(timestamps, 2 * n);
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}

/** How many points a chunk blob holds. */
export const pointsInBlob = (blob: Buffer): number => blob.length / (3 * BYTES);

/** The chunk's points as columns of their own. */
export function decodeChunk(blob: Buffer, count: number): MetricColumns {
  const columns = allocateColumns(count);
  copyFromChunk(blob, count, 0, count, columns, 0);
  return columns;
}

/** The chunk's points within the inclusive step range, as [from, to) indexes: binary searches on its steps. */
export function chunkSpan(blob: Buffer, count: number, startStep: number, endStep: number): [number, number] {
  const from = firstIndex(blob, count, (step) => step >= startStep);
  return [from, Math.max(from, firstIndex(blob, count, (step) => step > endStep))];
}

/** The first index whose step passes `test` (count when none); `test` must be monotonic in the step. */
function firstIndex(blob: Buffer, count: number, test: (step: number) => boolean): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(blob.readDoubleLE(mid * BYTES))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Copies the chunk's points [from, to) into `target` at index `at`, as bytes: the blob's Buffer
 * need not be 8-byte aligned, so no Float64Array view is made on it.
 */
export function copyFromChunk(blob: Buffer, count: number, from: number, to: number, target: MetricColumns, at: number): void {
  const n = to - from;
  if (n <= 0) return;
  // Plain Uint8Array views on both sides: Buffer#subarray is several times slower here.
  const copy = (column: Float64Array, section: number) => {
    const source = new Uint8Array(blob.buffer, blob.byteOffset + (section * count + from) * BYTES, n * BYTES);
    new Uint8Array(column.buffer, column.byteOffset + at * BYTES, n * BYTES).set(source);
  };
  copy(target.steps, 0);
  copy(target.values, 1);
  copy(target.timestamps, 2);
}

/** Copies `points` into `target` from index `at`. */
export function copyFromPoints(points: readonly MetricPoint[], target: MetricColumns, at: number): void {
  points.forEach((point, i) => {
    target.steps[at + i] = point.step;
    target.values[at + i] = point.value;
    target.timestamps[at + i] = point.timestamp;
  });
}

/**
 * Where the points of a batch of one series (distinct steps, in step order) go, given the last
 * step its chunks hold (`sealedThrough`, null while it has none) and its last stored step
 * (`lastStep`, -1 for a new series): `below` the seal into chunks, `late` ones (past the seal, at
 * or below the last step) into the tail, where they may replace rows, and `fresh` ones past every
 * stored point.
 */
export function placeBatch(points: readonly MetricPoint[], sealedThrough: number | null, lastStep: number): { below: MetricPoint[]; late: MetricPoint[]; fresh: MetricPoint[] } {
  const sealedEnd = sealedThrough === null ? 0 : firstIndexAbove(points, sealedThrough);
  const freshStart = firstIndexAbove(points, lastStep);
  return { below: points.slice(0, sealedEnd), late: points.slice(sealedEnd, freshStart), fresh: points.slice(freshStart) };
}

/** The index of the first point (in step order) past `step`. */
export function firstIndexAbove(points: readonly MetricPoint[], step: number): number {
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
 * `points` (distinct steps, in step order) merged into `columns` (in step order): a point at a
 * step the columns hold replaces it. Says whether any did.
 */
export function mergePoints(columns: MetricColumns, points: readonly MetricPoint[]): { merged: MetricColumns; replaced: boolean } {
  const merged = allocateColumns(columns.steps.length + points.length);
  let i = 0;
  let j = 0;
  let n = 0;
  let replaced = false;
  const take = (step: number, value: number, timestamp: number) => {
    merged.steps[n] = step;
    merged.values[n] = value;
    merged.timestamps[n] = timestamp;
    n++;
  };
  while (i < columns.steps.length || j < points.length) {
    const stored = i < columns.steps.length ? (columns.steps[i] as number) : Infinity;
    const point = points[j];
    if (point === undefined || stored < point.step) {
      take(stored, columns.values[i] as number, columns.timestamps[i] as number);
      i++;
      continue;
    }
    if (stored === point.step) {
      replaced = true;
      i++;
    }
    take(point.step, point.value, point.timestamp);
    j++;
  }
  return { merged: sliceColumns(merged, n), replaced };
}

/**
 * How a chunk of `count` points is written: whole up to MAX_CHUNK_POINTS, else split into equal
 * parts of CHUNK_POINTS to MAX_CHUNK_POINTS - 1 points, as [from, to) index pairs.
 */
export function chunkParts(count: number): [number, number][] {
  if (count <= MAX_CHUNK_POINTS) return [[0, count]];
  const parts = Math.floor(count / CHUNK_POINTS);
  return Array.from({ length: parts }, (_, k) => [Math.floor((k * count) / parts), Math.floor(((k + 1) * count) / parts)]);
}
