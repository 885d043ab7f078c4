import { inject, injectable } from 'tsyringe';
import type { ExperimentId } from '../../../domain/experiment.js';
import { parameterSpace, type ParameterSpaceEntry } from '../../../domain/parameter-space.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class GetParameterSpace {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
  ) {}

  /**
   * The experiment's parameter space: per key, its type, how many runs hold it, values or range.
   * Over the runs the experiment's views count (`countsInExperimentView`): an active experiment's
   * runs in the trash are left out until restored. The store applies the rule (see the port).
   * @throws NotFoundError
   */
  async execute(experimentId: ExperimentId): Promise<ParameterSpaceEntry[]> {
    await this.experiments.get(experimentId);
    return parameterSpace(await this.parameters.valueCounts(experimentId));
  }
}
