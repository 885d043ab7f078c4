import { inject, injectable } from 'tsyringe';
import { creatorOf, type Principal } from '../../../domain/access.js';
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

  /**
   * The creator is the actor; only with authentication off (the anonymous actor) does the input's
   * `createdBy` count. @throws InvalidArgumentError; AlreadyExistsError when an active experiment has the name.
   */
  async execute(input: NewExperimentInput, actor: Principal): Promise<Experiment> {
    const { createdBy: claimed, ...rest } = input;
    const createdBy = creatorOf(actor, claimed);
    const experiment = newExperiment(this.ids.next(), createdBy === undefined ? rest : { ...rest, createdBy }, this.clock.now());
    await this.experiments.create(experiment);
    return experiment;
  }
}
