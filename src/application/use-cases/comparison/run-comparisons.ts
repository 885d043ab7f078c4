import { inject, injectable } from 'tsyringe';
import { compareRuns, type Comparison, type Goal, type RunComparison } from '../../../domain/comparison.js';
import { Issues } from '../../../domain/errors.js';
import type { Experiment } from '../../../domain/experiment.js';
import type { ParameterValue } from '../../../domain/parameter.js';
import type { Run } from '../../../domain/run.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
import { TOKENS } from '../../tokens.js';

export const MAX_COMPARED_RUNS = 1_000;

/** Gathers what a comparison needs (parameters and latest metrics) in one query per port. */
@injectable()
export class RunComparisons {
  constructor(
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
  ) {}

  async compare(experiments: readonly Experiment[], runs: readonly Run[], goals: Record<string, Goal> = {}): Promise<Comparison> {
    checkGoals(goals);
    const ids = runs.map((r) => r.id);
    const [parameters, summaries] = await Promise.all([this.parameters.listForRuns(ids), this.metrics.summaries(ids)]);
    const names = new Map(experiments.map((e) => [e.id, e.name]));
    const compared: RunComparison[] = runs.map((run) => {
      const params: Record<string, ParameterValue> = {};
      for (const p of parameters.get(run.id) ?? []) params[p.key] = p.value;
      const latest: Record<string, number> = {};
      for (const s of summaries.get(run.id) ?? []) latest[s.key] = s.last.value;
      const row: RunComparison = {
        runId: run.id,
        experimentId: run.experimentId,
        experimentName: names.get(run.experimentId) ?? '',
        status: run.status,
        parameters: params,
        metrics: latest,
      };
      if (run.name !== undefined) row.runName = run.name;
      return row;
    });
    return compareRuns(
      experiments.map((e) => e.id),
      compared,
      goals,
    );
  }
}

function checkGoals(goals: Record<string, Goal>): void {
  const issues = new Issues();
  for (const [key, goal] of Object.entries(goals)) {
    if (goal !== 'min' && goal !== 'max') issues.add(`/goals/${key}`, 'must be min or max');
  }
  issues.throwIfAny();
}

/** Checks a list of ids: 1..max entries, no blanks; returns them without repeats, in order. */
export function checkIdList(ids: readonly string[], path: string, max: number): string[] {
  const unique = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  const issues = new Issues();
  if (unique.length < 1 || unique.length > max) issues.add(path, `must name 1 to ${max} distinct ids`);
  issues.throwIfAny();
  return unique;
}
