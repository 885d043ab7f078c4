import { inject, injectable } from 'tsyringe';
import { Issues } from '../../../domain/errors.js';
import { pointsOf, type MetricPoint } from '../../../domain/metric.js';
import type { RunId } from '../../../domain/run.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

export interface PointsPageRequest {
  /** The first step to return (default 0). */
  fromStep?: number;
  /** At most this many points; every remaining point when absent. */
  limit?: number;
}

export interface PointsPage {
  /** In step order. */
  points: MetricPoint[];
  /** Where the next page starts, when points remain. */
  nextStep?: number;
}

@injectable()
export class ReadMetricPoints {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
  ) {}

  /**
   * Every point of one key, not downsampled, a page at a time in step order (MLflow's
   * get-history). An unknown key has no points. @throws NotFoundError (run), InvalidArgumentError
   */
  async execute(runId: RunId, key: string, page: PointsPageRequest = {}): Promise<PointsPage> {
    const issues = new Issues();
    const fromStep = page.fromStep ?? 0;
    if (!Number.isSafeInteger(fromStep) || fromStep < 0) issues.add('/fromStep', 'must be an integer ≥ 0');
    if (page.limit !== undefined && (!Number.isSafeInteger(page.limit) || page.limit < 1)) issues.add('/limit', 'must be a whole number ≥ 1');
    issues.throwIfAny();
    await this.runs.get(runId);
    const columns = await this.metrics.history(runId, key, { startStep: fromStep });
    const count = columns.steps.length;
    const end = page.limit === undefined ? count : Math.min(count, page.limit);
    const points = pointsOf(key, columns, Array.from({ length: end }, (_, i) => i));
    const next = columns.steps[end];
    return next === undefined ? { points } : { points, nextStep: next };
  }
}
