import { inject, injectable } from 'tsyringe';
import {
  checkMaxPoints,
  DEFAULT_MAX_POINTS,
  DOWNSAMPLE_METHODS,
  downsampleColumns,
  MAX_MAX_POINTS,
  type DownsampleMethod,
} from '../../../domain/downsample.js';
import { InvalidArgumentError, Issues } from '../../../domain/errors.js';
import type { MetricColumns, MetricPoint, StepRange } from '../../../domain/metric.js';
import type { RunId } from '../../../domain/run.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

export interface MetricHistory {
  key: string;
  /** In step order: every point of the range, or a downsampled selection of them. */
  points: MetricPoint[];
  /** Points in the range before downsampling. */
  total: number;
  /** Points returned. */
  returned: number;
  method: DownsampleMethod;
}

export interface HistoryQuery extends StepRange {
  /** At most this many points (default 1,000); see `downsample`. */
  maxPoints?: number;
  /** minmax (default), lttb, or none for every point. */
  method?: DownsampleMethod;
}

@injectable()
export class GetMetricHistory {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
  ) {}

  /**
   * One key's points in step order, within an inclusive step range, downsampled to at most
   * `maxPoints` so a chart never has to draw (or download) a whole long history. The first and
   * last points and the range's minimum and maximum are always kept.
   * @throws NotFoundError (run), InvalidArgumentError
   */
  async execute(runId: RunId, key: string, query: HistoryQuery = {}): Promise<MetricHistory> {
    const issues = new Issues();
    const checked = checkHistoryQuery(query, issues);
    issues.throwIfAny();
    await this.runs.get(runId);
    const columns = await this.metrics.history(runId, key, checked.range);
    if (checked.method === 'none') assertFewEnough(columns.steps.length);
    return chartOf(key, columns, checked);
  }
}

export interface CheckedHistoryQuery {
  range: StepRange;
  maxPoints: number;
  method: DownsampleMethod;
}

/** Validates a history query into `issues`; the defaults filled in. */
export function checkHistoryQuery(query: HistoryQuery, issues: Issues): CheckedHistoryQuery {
  for (const field of ['startStep', 'endStep'] as const) {
    const value = query[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) issues.add(`/${field}`, 'must be an integer ≥ 0');
  }
  if (issues.empty && query.startStep !== undefined && query.endStep !== undefined && query.startStep > query.endStep) {
    issues.add('/endStep', 'must not be below startStep');
  }
  const maxPoints = query.maxPoints ?? DEFAULT_MAX_POINTS;
  checkMaxPoints(maxPoints, issues);
  const method = query.method ?? 'minmax';
  if (!DOWNSAMPLE_METHODS.includes(method)) issues.add('/method', `must be one of ${DOWNSAMPLE_METHODS.join(', ')}`);
  const range: StepRange = {};
  if (query.startStep !== undefined) range.startStep = query.startStep;
  if (query.endStep !== undefined) range.endStep = query.endStep;
  return { range, maxPoints, method };
}

/** Every point of a long series is a response of tens of megabytes, built in memory: refused. */
export function assertFewEnough(total: number): void {
  if (total <= MAX_MAX_POINTS) return;
  throw InvalidArgumentError.field(
    '/method',
    `'none' returns at most ${MAX_MAX_POINTS} points and this range holds ${total}: narrow it with startStep and endStep, or downsample`,
  );
}

export function chartOf(key: string, columns: MetricColumns, query: CheckedHistoryQuery): MetricHistory {
  const points = downsampleColumns(key, columns, query.maxPoints, query.method);
  return { key, points, total: columns.steps.length, returned: points.length, method: query.method };
}
