import { inject, injectable } from 'tsyringe';
import type { ExperimentChanges, ExperimentId } from '../../../domain/experiment.js';
import { ExperimentViews, type ExperimentView } from '../../experiment-views.js';
import { ChangeExperiment } from './change-experiment.js';

@injectable()
export class UpdateExperiment {
  constructor(
    @inject(ChangeExperiment) private readonly change: ChangeExperiment,
    @inject(ExperimentViews) private readonly views: ExperimentViews,
  ) {}

  /** Renames, re-describes, re-labels or sets properties; bumps updatedAt; answers the experiment with its runs. @throws NotFoundError, InvalidArgumentError, AlreadyExistsError */
  async execute(id: ExperimentId, changes: ExperimentChanges): Promise<ExperimentView> {
    return this.views.of(await this.change.execute(id, changes));
  }
}
