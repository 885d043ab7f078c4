import { inject, injectable } from 'tsyringe';
import type { ExperimentId } from '../../../domain/experiment.js';
import { SearchRuns, type RunPage, type RunSearchInput } from './search-runs.js';

export type { RunPage } from './search-runs.js';

@injectable()
export class ListRuns {
  constructor(@inject(SearchRuns) private readonly search: SearchRuns) {}

  /**
   * An experiment's runs (newest first unless `orderBy` says otherwise), filtered with the
   * search language, a page at a time. @throws NotFoundError, InvalidArgumentError
   */
  async execute(experimentId: ExperimentId, options: Omit<RunSearchInput, 'experimentIds'> = {}): Promise<RunPage> {
    return this.search.execute({ ...options, experimentIds: [experimentId] });
  }
}
