import { inject, injectable } from 'tsyringe';
import { downsampleIndexes, MAX_MAX_POINTS, type DownsampleMethod } from '../../../domain/downsample.js';
import { InvalidArgumentError, Issues, NotFoundError } from '../../../domain/errors.js';
import { columnsAt, type MetricColumns } from '../../../domain/metric.js';
import type { RunId } from '../../../domain/run.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';
import { checkHistoryQuery, type HistoryQuery } from './get-metric-history.js';

export const MAX_SERIES_RUNS = 100;
export const MAX_SERIES_KEYS = 20;

export interface SeriesQuery extends HistoryQuery {
  runIds: readonly RunId[];
  keys: readonly string[];
}

/**
 * One run's series of one key: the points GetMetricHistory would give, as columns. A comparison
 * chart is up to 2,000 series; building an object per point only to take it apart again for the
 * response cost as much as choosing the points.
 */
export interface RunSeries {
  runId: RunId;
  key: string;
  /** In step order: every point of the range, or a downsampled selection of them. */
  columns: MetricColumns;
  /** Points in the range before downsampling. */
  total: number;
  /** Points returned. */
  returned: number;
  method: DownsampleMethod;
}

@injectable()
export class GetMetricSeries {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
  ) {}

  /**
   * What a comparison chart needs in one request: one downsampled series per (run, key), runs
   * in the order asked, keys in the order asked within each run. A run without a key gets an
   * empty series. @throws NotFoundError (a run), InvalidArgumentError
   */
  async execute(query: SeriesQuery): Promise<RunSeries[]> {
    const issues = new Issues();
    const runIds = [...new Set(query.runIds)];
    const keys = [...new Set(query.keys)];
    if (runIds.length === 0 || runIds.length > MAX_SERIES_RUNS) issues.add('/runIds', `must hold 1 to ${MAX_SERIES_RUNS} runs`);
    if (keys.length === 0 || keys.length > MAX_SERIES_KEYS) issues.add('/keys', `must hold 1 to ${MAX_SERIES_KEYS} keys`);
    const checked = checkHistoryQuery(query, issues);
    issues.throwIfAny();
    const found = new Set((await this.runs.getMany(runIds)).map((run) => run.id));
    const missing = runIds.find((id) => !found.has(id));
    if (missing !== undefined) throw new NotFoundError('run', missing);

    const series: RunSeries[] = [];
    let total = 0;
    for (const runId of runIds) {
      for (const key of keys) {
        const columns = await this.metrics.history(runId, key, checked.range);
        total += columns.steps.length;
        if (checked.method === 'none' && total > MAX_MAX_POINTS) {
          throw InvalidArgumentError.field(
            '/method',
            `'none' returns at most ${MAX_MAX_POINTS} points in one request, and these series hold more: ask for fewer runs or keys, narrow the steps, or downsample`,
          );
        }
        const chosen = columnsAt(columns, downsampleIndexes(columns, checked.maxPoints, checked.method));
        series.push({ runId, key, columns: chosen, total: columns.steps.length, returned: chosen.steps.length, method: checked.method });
      }
    }
    return series;
  }
}
