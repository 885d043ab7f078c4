import { inject, injectable } from 'tsyringe';
import { applyExperimentChanges, type ExperimentChanges, type ExperimentId } from '../../../domain/experiment.js';
import { ExperimentViews, type ExperimentView } from '../../experiment-views.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class UpdateExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(ExperimentViews) private readonly views: ExperimentViews,
  ) {}

  /** Renames, re-describes or re-tags; bumps updatedAt. @throws NotFoundError, InvalidArgumentError, AlreadyExistsError */
  async execute(id: ExperimentId, changes: ExperimentChanges): Promise<ExperimentView> {
    const now = this.clock.now();
    const next = await this.experiments.update(id, (current) => applyExperimentChanges(current, changes, now));
    return this.views.of(next);
  }
}
