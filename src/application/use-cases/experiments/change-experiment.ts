import { inject, injectable } from 'tsyringe';
import { applyExperimentChanges, type Experiment, type ExperimentChanges, type ExperimentId } from '../../../domain/experiment.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ChangeExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Renames, re-describes, re-labels or sets properties; bumps updatedAt. Returns the record
   * alone, without its runs. @throws NotFoundError, InvalidArgumentError, AlreadyExistsError
   */
  async execute(id: ExperimentId, changes: ExperimentChanges): Promise<Experiment> {
    const now = this.clock.now();
    return this.experiments.update(id, (current) => applyExperimentChanges(current, changes, now));
  }
}
