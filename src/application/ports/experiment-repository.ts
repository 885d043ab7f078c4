import type { Experiment, ExperimentFilter, ExperimentId, ExperimentOrder, ExperimentSummary } from '../../domain/experiment.js';
import type { PageRequest } from '../../domain/paging.js';

export interface ExperimentListQuery {
  filter: ExperimentFilter;
  order: ExperimentOrder;
  page: PageRequest;
}

/**
 * Experiments. Names are unique among active experiments; the store enforces it atomically.
 */
export interface ExperimentRepository {
  /** @throws AlreadyExistsError when an active experiment already has this name, or the id is taken. */
  create(experiment: Experiment): Promise<void>;
  /** @throws NotFoundError */
  get(id: ExperimentId): Promise<Experiment>;
  /**
   * The experiment with exactly this name: the active one, else the most recently updated
   * deleted one (names are unique among active experiments only). Undefined when none.
   */
  findByName(name: string): Promise<Experiment | undefined>;
  /** Several at once, in the order asked; unknown ids are left out. */
  getMany(ids: readonly ExperimentId[]): Promise<Experiment[]>;
  /**
   * At most `page.limit` summaries matching the filter, in the given order with the id as
   * tie-break (ascending ids for ascending orders, descending for descending), after `page.after`.
   * Strings (names, ids) compare by Unicode code point (`compareText`), not by locale. `nameContains` is a
   * case-insensitive substring, Unicode included, with `%` and `_` matched literally. Date bounds
   * are exclusive. An empty tag list filters nothing; an empty `ids` list matches nothing, and
   * unknown ids are left out. `runCount` counts every run of the experiment, whatever its
   * lifecycle (runs in the trash included), and is counted by the store without reading the runs.
   */
  list(query: ExperimentListQuery): Promise<ExperimentSummary[]>;
  /**
   * Changes an experiment atomically: `change` receives the current record inside the store's
   * transaction (or lock) and returns the new one, or throws to leave it untouched. Read, rule
   * check and write are one step, so concurrent changes never overwrite each other. Moving to
   * "deleted" or back to "active" moves the experiment's runs with it: those it takes to the
   * trash get its `deletedBy` (a run already there keeps its own), those it brings back lose theirs.
   * @returns the stored result.
   * @throws NotFoundError; AlreadyExistsError when the result would share an active name;
   *   whatever `change` throws.
   */
  update(id: ExperimentId, change: (current: Experiment) => Experiment): Promise<Experiment>;
  /**
   * Removes the experiment and everything under it for good: runs, parameters, metrics and
   * artifact records. Returns the blob keys its artifacts referenced, so the caller can free
   * the ones nothing references any more.
   * @throws NotFoundError
   */
  purge(id: ExperimentId): Promise<string[]>;
}
