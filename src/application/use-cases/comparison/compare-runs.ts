import { inject, injectable } from 'tsyringe';
import type { Comparison, Goal } from '../../../domain/comparison.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { RunId } from '../../../domain/run.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';
import { checkIdList, MAX_COMPARED_RUNS, RunComparisons } from './run-comparisons.js';

@injectable()
export class CompareRuns {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(RunComparisons) private readonly comparisons: RunComparisons,
  ) {}

  /** Compares hand-picked runs, from any experiments, in the order given. @throws NotFoundError, InvalidArgumentError */
  async execute(input: { runIds: readonly RunId[]; goals?: Record<string, Goal> }): Promise<Comparison> {
    const ids = checkIdList(input.runIds, '/runIds', MAX_COMPARED_RUNS);
    const runs = await this.runs.getMany(ids);
    const found = new Set(runs.map((r) => r.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw new NotFoundError('run', missing);
    const experimentIds = [...new Set(runs.map((r) => r.experimentId))];
    const experiments = await this.experiments.getMany(experimentIds);
    return this.comparisons.compare(experiments, runs, input.goals);
  }
}
