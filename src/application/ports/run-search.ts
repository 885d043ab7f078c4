import type { ExperimentId } from '../../domain/experiment.js';
import type { SortPosition } from '../../domain/search/evaluate.js';
import type { Filter, OrderTerm } from '../../domain/search/filter.js';

export interface RunSearchQuery {
  /** Runs of these experiments, whatever their lifecycle stage. When absent: every active run. */
  experimentIds?: readonly ExperimentId[];
  /** Only runs for which the filter is true (see the domain's search/evaluate.ts). */
  filter?: Filter;
  /** At least one term. Ties are broken by run id, in the direction of the last term. */
  orderBy: readonly OrderTerm[];
  /** Only runs sorted strictly after this position (keyset paging: no repeats, no skips). */
  after?: SortPosition;
  limit: number;
}

/**
 * Searching runs by the filter language. One primitive, so that every store implements one
 * meaning: `sortKeysOf`, `comparePositions` and `matches` in the domain define it, and stores
 * either call them (memory) or compile the same rules to their query language (SQL).
 */
export interface RunSearch {
  /** The ids of the matching runs in order, each with its sort keys (for the next page's cursor). */
  search(query: RunSearchQuery): Promise<SortPosition[]>;
}
