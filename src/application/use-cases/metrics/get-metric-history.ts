import { inject, injectable } from 'tsyringe';
import { Issues } from '../../../domain/errors.js';
import type { MetricPoint, StepRange } from '../../../domain/metric.js';
import type { RunId } from '../../../domain/run.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

export interface MetricHistory {
  key: string;
  points: MetricPoint[];
}

@injectable()
export class GetMetricHistory {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
  ) {}

  /** One key's points in step order, within an inclusive step range. @throws NotFoundError (run), InvalidArgumentError */
  async execute(runId: RunId, key: string, range: StepRange = {}): Promise<MetricHistory> {
    const issues = new Issues();
    for (const field of ['startStep', 'endStep'] as const) {
      const value = range[field];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) issues.add(`/${field}`, 'must be an integer ≥ 0');
    }
    if (issues.empty && range.startStep !== undefined && range.endStep !== undefined && range.startStep > range.endStep) {
      issues.add('/endStep', 'must not be below startStep');
    }
    issues.throwIfAny();
    await this.runs.get(runId);
    return { key, points: await this.metrics.history(runId, key, range) };
  }
}
