import { inject, injectable } from 'tsyringe';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import { newExperiment, type Experiment } from '../../../domain/experiment.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

export type DefaultExperimentOutcome = 'present' | 'created' | 'name-taken';

@injectable()
export class EnsureDefaultExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Makes sure experiment "0", named "Default", exists: where MLflow clients log when no
   * experiment is set. Run at start-up; several servers doing it at once create it once. An
   * existing "0" is left as it is (renamed or deleted, that was someone's choice). When another
   * active experiment already holds the name, nothing is created and that is reported.
   */
  async execute(): Promise<DefaultExperimentOutcome> {
    if (await this.exists()) return 'present';
    const experiment: Experiment = newExperiment(DEFAULT_EXPERIMENT_ID, { name: DEFAULT_EXPERIMENT_NAME, createdBy: 'fathom' }, this.clock.now());
    try {
      await this.experiments.create(experiment);
      return 'created';
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      // Another server created it in the meantime, or a user's experiment holds the name.
      return (await this.exists()) ? 'present' : 'name-taken';
    }
  }

  private async exists(): Promise<boolean> {
    try {
      await this.experiments.get(DEFAULT_EXPERIMENT_ID);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }
}
