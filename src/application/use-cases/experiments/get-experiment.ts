import { inject, injectable } from 'tsyringe';
import type { ExperimentId } from '../../../domain/experiment.js';
import { ExperimentViews, type ExperimentView } from '../../experiment-views.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class GetExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(ExperimentViews) private readonly views: ExperimentViews,
  ) {}

  /** The experiment with all its runs, newest first. @throws NotFoundError */
  async execute(id: ExperimentId): Promise<ExperimentView> {
    return this.views.of(await this.experiments.get(id));
  }
}
