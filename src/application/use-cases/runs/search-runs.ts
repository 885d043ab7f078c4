import { inject, injectable } from 'tsyringe';
import { Issues } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { sortKeyKinds } from '../../../domain/search/evaluate.js';
import { parseFilter, parseOrderBy, type OrderTerm } from '../../../domain/search/filter.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import type { RunSearch } from '../../ports/run-search.js';
import { checkLimit, decodeSearchToken, encodeSearchToken } from '../../page-token.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

export interface RunSearchInput {
  /** Runs of these experiments; all active runs when absent. */
  experimentIds?: readonly ExperimentId[];
  /** The filter language: `params.lr < 0.01 and metrics.acc >= 0.9`. */
  filter?: string;
  /** Sort terms such as `metrics.acc desc`; newest first (`startedAt desc`) when absent. */
  orderBy?: readonly string[];
  limit?: number;
  pageToken?: string;
}

export interface RunPage {
  runs: RunView[];
  nextPageToken?: string;
}

export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 10_000;
export const MAX_SEARCH_EXPERIMENTS = 100;
const NEWEST_FIRST: OrderTerm[] = [{ field: { kind: 'attribute', name: 'startedAt' }, descending: true }];

@injectable()
export class SearchRuns {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.RunSearch) private readonly search: RunSearch,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /**
   * Runs matching a filter, in a stable order, a page at a time: pages never repeat or skip a
   * run (ties are broken by run id), and each run comes with its parameters and latest metrics,
   * so a table needs one request per page.
   * @throws InvalidArgumentError (filter, orderBy, limit, pageToken), NotFoundError (experiment)
   */
  async execute(input: RunSearchInput = {}): Promise<RunPage> {
    const issues = new Issues();
    const limit = checkLimit(input.limit, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, issues);
    const experimentIds = input.experimentIds && [...new Set(input.experimentIds)];
    if (experimentIds && experimentIds.length > MAX_SEARCH_EXPERIMENTS) {
      issues.add('/experimentIds', `must hold at most ${MAX_SEARCH_EXPERIMENTS} experiments`);
    }
    // Every bad field in one answer: the filter's and the order's errors too.
    const filter = issues.collect(() => parseFilter(input.filter ?? ''));
    const parsedOrder = issues.collect(() => parseOrderBy(input.orderBy ?? [])) ?? [];
    issues.throwIfAny();
    const orderBy = parsedOrder.length > 0 ? parsedOrder : NEWEST_FIRST;
    for (const id of experimentIds ?? []) await this.experiments.get(id);

    const query = JSON.stringify(['runs', experimentIds ?? null, filter ?? null, orderBy]);
    const kinds = orderBy.flatMap((term) => sortKeyKinds(term.field));
    const after = decodeSearchToken(input.pageToken, query, kinds);
    const positions = await this.search.search({
      ...(experimentIds ? { experimentIds } : {}),
      ...(filter ? { filter } : {}),
      orderBy,
      ...(after ? { after } : {}),
      limit: limit + 1,
    });
    const page = positions.slice(0, limit);
    const runs = await this.views.of(await this.runs.getMany(page.map((p) => p.id)));
    const last = page[page.length - 1];
    if (positions.length <= limit || !last) return { runs };
    return { runs, nextPageToken: encodeSearchToken(last, query) };
  }
}
