import { InvalidArgumentError, Issues } from './errors.js';
import { checkKey } from './keys.js';
import type { Millis } from './time.js';

/** One point of a metric's history. A point logged again at the same step replaces the earlier one. */
export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  timestamp: Millis;
}

/** A point as clients send it: the step may be left to the server, the value may be "NaN"/"Infinity". */
export interface MetricInput {
  key: string;
  value: unknown;
  step?: unknown;
  timestamp?: Millis;
}

/** A validated point whose step the store assigns when the client left it out. */
export interface MetricDraft {
  key: string;
  value: number;
  step?: number;
  timestamp: Millis;
}

export const MAX_METRICS_PER_REQUEST = 10_000;
export const MAX_STEP = Number.MAX_SAFE_INTEGER;

const SPECIAL_VALUES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function parseMetricValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && Object.hasOwn(SPECIAL_VALUES, value)) return SPECIAL_VALUES[value];
  return undefined;
}

/** Validates a batch; throws InvalidArgumentError naming every bad point and field. */
export function toMetricDrafts(inputs: readonly MetricInput[], now: Millis, basePath = '/metrics'): MetricDraft[] {
  const issues = new Issues();
  if (inputs.length === 0) issues.add(basePath, 'must hold at least one point');
  if (inputs.length > MAX_METRICS_PER_REQUEST) {
    issues.add(basePath, `must hold at most ${MAX_METRICS_PER_REQUEST} points`);
    issues.throwIfAny();
  }
  const drafts: MetricDraft[] = [];
  inputs.forEach((input, i) => {
    const path = `${basePath}/${i}`;
    checkKey(input.key, `${path}/key`, issues);
    const value = parseMetricValue(input.value);
    if (value === undefined) {
      issues.add(`${path}/value`, 'must be a finite number or one of "NaN", "Infinity", "-Infinity"');
    }
    const step = input.step;
    if (step !== undefined && (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0)) {
      issues.add(`${path}/step`, `must be an integer from 0 to ${MAX_STEP}`);
    }
    if (input.timestamp !== undefined && !Number.isFinite(input.timestamp)) {
      issues.add(`${path}/timestamp`, 'must be an ISO-8601 date-time');
    }
    if (value !== undefined) {
      const draft: MetricDraft = { key: input.key, value, timestamp: input.timestamp ?? now };
      if (typeof step === 'number') draft.step = step;
      drafts.push(draft);
    }
  });
  issues.throwIfAny();
  return drafts;
}

/**
 * Gives every draft a step: a draft without one gets its key's last step + 1 (0 for a new key),
 * counting the points earlier in the same batch. Stores call this inside their write transaction,
 * with the last steps they hold, so concurrent writers never get the same step.
 */
export function assignSteps(drafts: readonly MetricDraft[], lastStepOf: (key: string) => number | undefined): MetricPoint[] {
  const last = new Map<string, number | undefined>();
  return drafts.map((draft) => {
    const previous = last.has(draft.key) ? last.get(draft.key) : lastStepOf(draft.key);
    const step = draft.step ?? (previous === undefined ? 0 : previous + 1);
    if (step > MAX_STEP) throw InvalidArgumentError.field('/step', `'${draft.key}' has reached the last step (${MAX_STEP}); give steps explicitly`);
    last.set(draft.key, previous === undefined ? step : Math.max(previous, step));
    return { key: draft.key, value: draft.value, step, timestamp: draft.timestamp };
  });
}

/**
 * A batch's points per key, one per step (the later point at a step wins), in step order: the
 * order every store adds a batch up in, since a float sum depends on its order and searches
 * compare means exactly. Batches almost always log increasing steps per key, so that case costs
 * one pass and no extra map.
 */
export function byKeyInStepOrder(points: readonly MetricPoint[]): Map<string, MetricPoint[]> {
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

/** Running aggregates of one (run, key), kept on write so views never scan histories. */
export interface MetricSummary {
  key: string;
  /** The point at the highest step. */
  last: { value: number; step: number; timestamp: Millis };
  /** Over the values that are not NaN; NaN when every value is NaN. */
  min: number;
  max: number;
  mean: number;
  count: number;
  firstStep: number;
  lastStep: number;
}

/** Accumulates a complete history (any order): what stores recompute after a replacement. */
export function accumulateAll(points: Iterable<MetricPoint>): MetricAccumulator | undefined {
  let acc: MetricAccumulator | undefined;
  for (const p of points) acc = accumulate(acc, p);
  return acc;
}

/** The incremental form of `summarize`: what a store keeps per (run, key). */
export interface MetricAccumulator {
  lastValue: number;
  lastStep: number;
  lastTimestamp: Millis;
  firstStep: number;
  min: number;
  max: number;
  sum: number;
  /** Points whose value is not NaN: the denominator of the mean. */
  numericCount: number;
  count: number;
}

export function accumulate(acc: MetricAccumulator | undefined, p: MetricPoint): MetricAccumulator {
  const numeric = !Number.isNaN(p.value);
  if (acc === undefined) {
    return {
      lastValue: p.value,
      lastStep: p.step,
      lastTimestamp: p.timestamp,
      firstStep: p.step,
      min: numeric ? p.value : NaN,
      max: numeric ? p.value : NaN,
      sum: numeric ? p.value : 0,
      numericCount: numeric ? 1 : 0,
      count: 1,
    };
  }
  const next = { ...acc, count: acc.count + 1 };
  if (p.step >= acc.lastStep) {
    next.lastStep = p.step;
    next.lastValue = p.value;
    next.lastTimestamp = p.timestamp;
  }
  next.firstStep = Math.min(acc.firstStep, p.step);
  if (numeric) {
    next.min = acc.numericCount === 0 ? p.value : Math.min(acc.min, p.value);
    next.max = acc.numericCount === 0 ? p.value : Math.max(acc.max, p.value);
    next.sum = acc.sum + p.value;
    next.numericCount = acc.numericCount + 1;
  }
  return next;
}

/**
 * `accumulate` over a batch, without an intermediate object per point: what stores call on
 * their write path. The given accumulator is not changed.
 */
export function accumulateBatch(acc: MetricAccumulator | undefined, points: readonly MetricPoint[]): MetricAccumulator | undefined {
  if (points.length === 0) return acc;
  const next = acc ? { ...acc } : accumulate(undefined, points[0] as MetricPoint);
  for (let i = acc ? 0 : 1; i < points.length; i++) {
    const p = points[i] as MetricPoint;
    next.count++;
    if (p.step >= next.lastStep) {
      next.lastStep = p.step;
      next.lastValue = p.value;
      next.lastTimestamp = p.timestamp;
    }
    if (p.step < next.firstStep) next.firstStep = p.step;
    if (!Number.isNaN(p.value)) {
      if (next.numericCount === 0) {
        next.min = p.value;
        next.max = p.value;
      } else {
        if (p.value < next.min) next.min = p.value;
        if (p.value > next.max) next.max = p.value;
      }
      next.sum += p.value;
      next.numericCount++;
    }
  }
  return next;
}

export function toSummary(key: string, acc: MetricAccumulator): MetricSummary {
  return {
    key,
    last: { value: acc.lastValue, step: acc.lastStep, timestamp: acc.lastTimestamp },
    min: acc.min,
    max: acc.max,
    mean: acc.numericCount === 0 ? NaN : acc.sum / acc.numericCount,
    count: acc.count,
    firstStep: acc.firstStep,
    lastStep: acc.lastStep,
  };
}

/** The latest point of a key, as a run view shows it. */
export function latestPoint(summary: MetricSummary): MetricPoint {
  return { key: summary.key, ...summary.last };
}

export interface StepRange {
  startStep?: number;
  endStep?: number;
}

/**
 * A stretch of one key's history in columns, in step order: what stores hand to charts, so a
 * million-point series is three typed arrays rather than a million objects.
 */
export interface MetricColumns {
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}

export const EMPTY_COLUMNS: MetricColumns = Object.freeze({
  steps: new Float64Array(0),
  values: new Float64Array(0),
  timestamps: new Float64Array(0),
});

export function columnsOf(points: readonly MetricPoint[]): MetricColumns {
  const columns = { steps: new Float64Array(points.length), values: new Float64Array(points.length), timestamps: new Float64Array(points.length) };
  points.forEach((p, i) => {
    columns.steps[i] = p.step;
    columns.values[i] = p.value;
    columns.timestamps[i] = p.timestamp;
  });
  return columns;
}

/** The points at `indexes`, as columns: what a chart of many series is sent, without an object per point. */
export function columnsAt(columns: MetricColumns, indexes: readonly number[]): MetricColumns {
  const n = indexes.length;
  const chosen = { steps: new Float64Array(n), values: new Float64Array(n), timestamps: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    const i = indexes[j] as number;
    chosen.steps[j] = columns.steps[i] as number;
    chosen.values[j] = columns.values[i] as number;
    chosen.timestamps[j] = columns.timestamps[i] as number;
  }
  return chosen;
}

/** The points at `indexes` (all of them when omitted), as objects. */
export function pointsOf(key: string, columns: MetricColumns, indexes?: readonly number[]): MetricPoint[] {
  const at = (i: number): MetricPoint => ({ key, value: columns.values[i] as number, step: columns.steps[i] as number, timestamp: columns.timestamps[i] as number });
  return indexes ? indexes.map(at) : Array.from({ length: columns.steps.length }, (_, i) => at(i));
}
