import { inject, injectable } from 'tsyringe';
import { newExperiment, type Experiment, type NewExperimentInput } from '../../../domain/experiment.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { IdGenerator } from '../../ports/id-generator.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class CreateExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Ids) private readonly ids: IdGenerator,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /** @throws InvalidArgumentError; AlreadyExistsError when an active experiment has the name. */
  async execute(input: NewExperimentInput): Promise<Experiment> {
    const experiment = newExperiment(this.ids.next(), input, this.clock.now());
    await this.experiments.create(experiment);
    return experiment;
  }
}
