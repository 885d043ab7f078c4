import { inject, injectable } from 'tsyringe';
import type { ExperimentId } from '../../../domain/experiment.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { checkLimit, decodePageToken, fetchPage } from '../../page-token.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

export interface RunPage {
  runs: RunView[];
  nextPageToken?: string;
}

@injectable()
export class ListRuns {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /** An experiment's runs, newest first, a page at a time. @throws NotFoundError, InvalidArgumentError */
  async execute(experimentId: ExperimentId, options: { limit?: number; pageToken?: string } = {}): Promise<RunPage> {
    const limit = checkLimit(options.limit, 100, 1000);
    await this.experiments.get(experimentId);
    const query = JSON.stringify(['runs', experimentId]);
    const page = await fetchPage(
      limit,
      decodePageToken(options.pageToken, query, 'number'),
      query,
      (n, after) => this.runs.listByExperiment(experimentId, { limit: n, ...(after ? { after } : {}) }),
      (run) => ({ value: run.startedAt, id: run.id }),
    );
    const runs = await this.views.of(page.items);
    return { runs, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  }
}
