import { inject, injectable } from 'tsyringe';
import type { Comparison, Goal } from '../../../domain/comparison.js';
import { InvalidArgumentError, NotFoundError } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { countsInExperimentView } from '../../../domain/experiment-view.js';
import type { RunId } from '../../../domain/run.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';
import { checkIdList, MAX_COMPARED_RUNS, RunComparisons } from './run-comparisons.js';

export interface CompareExperimentsInput {
  experimentIds: readonly ExperimentId[];
  /**
   * Restricts the comparison to these runs of those experiments. Runs named here are compared
   * whatever their lifecycle stage: the trash hides runs from what a view gathers by itself, not
   * from what a user asks for by id.
   */
  runIds?: readonly RunId[];
  goals?: Record<string, Goal>;
}

export const MAX_COMPARED_EXPERIMENTS = 50;

@injectable()
export class CompareExperiments {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(RunComparisons) private readonly comparisons: RunComparisons,
  ) {}

  /**
   * Compares the runs of 1-50 experiments (parameter diff, best and worst per metric): the runs
   * each experiment's views count (`countsInExperimentView`: an active experiment's runs in the
   * trash are left out), or exactly the `runIds` asked for.
   * @throws NotFoundError, InvalidArgumentError
   */
  async execute(input: CompareExperimentsInput): Promise<Comparison> {
    const ids = checkIdList(input.experimentIds, '/ids', MAX_COMPARED_EXPERIMENTS);
    const experiments = await this.experiments.getMany(ids);
    const missing = ids.find((id) => !experiments.some((e) => e.id === id));
    if (missing !== undefined) throw new NotFoundError('experiment', missing);
    const runs = await this.runs.listAllByExperiments(ids);
    if (input.runIds === undefined) {
      const byId = new Map(experiments.map((e) => [e.id, e]));
      const viewed = runs.filter((r) => {
        const experiment = byId.get(r.experimentId);
        return experiment !== undefined && countsInExperimentView(r, experiment);
      });
      return this.comparisons.compare(experiments, viewed, input.goals);
    }
    const wanted = checkIdList(input.runIds, '/runIds', MAX_COMPARED_RUNS);
    const present = new Set(runs.map((r) => r.id));
    const outside = wanted.filter((id) => !present.has(id));
    if (outside.length > 0) {
      throw InvalidArgumentError.field('/runIds', `not runs of the compared experiments: ${outside.join(', ')}`);
    }
    const keep = new Set(wanted);
    return this.comparisons.compare(
      experiments,
      runs.filter((r) => keep.has(r.id)),
      input.goals,
    );
  }
}
