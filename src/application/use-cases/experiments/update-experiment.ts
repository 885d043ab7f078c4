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
    const current = await this.experiments.get(id);
    const next = applyExperimentChanges(current, changes, this.clock.now());
    await this.experiments.update(next);
    return this.views.of(next);
  }
}
