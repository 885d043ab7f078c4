import { inject, injectable } from 'tsyringe';
import { toMetricDrafts, type MetricInput } from '../../../domain/metric.js';
import { assertWritable, type RunId } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class LogMetrics {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /** Logs these points to that run, all or nothing. @throws NotFoundError, InvalidArgumentError, ConflictError (deleted run) */
  async execute(runId: RunId, points: readonly MetricInput[]): Promise<{ count: number }> {
    const run = await this.runs.get(runId);
    assertWritable(run);
    const drafts = toMetricDrafts(points, this.clock.now());
    return { count: await this.metrics.append(run.id, drafts) };
  }
}
