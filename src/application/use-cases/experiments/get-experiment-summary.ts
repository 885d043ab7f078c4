import { inject, injectable } from 'tsyringe';
import { NotFoundError } from '../../../domain/errors.js';
import type { ExperimentId, ExperimentOrder, ExperimentSummary } from '../../../domain/experiment.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

/** Any order: the list is narrowed to one experiment. */
const ANY_ORDER: ExperimentOrder = { field: 'createdAt', descending: false };

@injectable()
export class GetExperimentSummary {
  constructor(@inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository) {}

  /**
   * The experiment as the list gives it (its record and run count), active or deleted, without
   * reading its runs: the list narrowed to this id, so `runCount` has the list's meaning.
   * @throws NotFoundError
   */
  async execute(id: ExperimentId): Promise<ExperimentSummary> {
    const [summary] = await this.experiments.list({ filter: { ids: [id], lifecycle: 'all' }, order: ANY_ORDER, page: { limit: 1 } });
    if (!summary) throw new NotFoundError('experiment', id);
    return summary;
  }
}
