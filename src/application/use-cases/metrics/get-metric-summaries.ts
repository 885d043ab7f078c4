import { inject, injectable } from 'tsyringe';
import type { MetricSummary } from '../../../domain/metric.js';
import type { RunId } from '../../../domain/run.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class GetMetricSummaries {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
  ) {}

  /** Per key: last point, min, max, mean, count, first and last step. @throws NotFoundError */
  async execute(runId: RunId): Promise<MetricSummary[]> {
    await this.runs.get(runId);
    return (await this.metrics.summaries([runId])).get(runId) ?? [];
  }
}
