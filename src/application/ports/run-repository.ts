import type { ExperimentId, LifecycleStage } from '../../domain/experiment.js';
import type { Parameter } from '../../domain/parameter.js';
import type { Run, RunId } from '../../domain/run.js';

/** Runs as stored; their parameters, metrics and artifacts live behind their own ports. */
export interface RunRepository {
  /**
   * Creates a run with its first parameters in one atomic write. An active run is refused while
   * its experiment is deleted, checked in the same write: a run started as its experiment is
   * being deleted elsewhere is either refused or moved to the trash with the experiment's other
   * runs, never left active in a deleted experiment. A deleted run may be created there (a copied
   * store holds such runs).
   * @throws NotFoundError when the experiment (or the parent run) does not exist; ConflictError
   *   (`assertExperimentTakesRuns`) when the run is active and its experiment deleted.
   */
  create(run: Run, parameters: readonly Parameter[]): Promise<void>;
  /** @throws NotFoundError */
  get(id: RunId): Promise<Run>;
  /** Several at once, in the order asked; unknown ids are left out. */
  getMany(ids: readonly RunId[]): Promise<Run[]>;
  /** Every run of these experiments, newest first (startedAt descending, then id descending). */
  listAllByExperiments(experimentIds: readonly ExperimentId[]): Promise<Run[]>;
  /** Runs whose parentRunId is this run, newest first. */
  listChildren(parentRunId: RunId): Promise<Run[]>;
  /**
   * Changes a run atomically: `change` receives the current record and its experiment's
   * lifecycle stage inside the store's transaction (or lock) and returns the new one (name,
   * status, tags, completedAt, lifecycleStage, parentRunId), or throws to leave it untouched. Two
   * concurrent finishes can therefore never both succeed, and a run cannot be restored into an
   * experiment deleted at the same moment. A new parentRunId must name an existing run, checked in
   * the same step; the store does not look for cycles (the caller does).
   * @returns the stored result. @throws NotFoundError (the run, or the new parent, which leaves
   * the run untouched); whatever `change` throws.
   */
  update(id: RunId, change: (current: Run, experiment: { lifecycleStage: LifecycleStage }) => Run): Promise<Run>;
  /**
   * Removes the run with its parameters, metrics and artifact records; its children lose their
   * parent link. Returns the blob keys its artifacts referenced.
   * @throws NotFoundError
   */
  delete(id: RunId): Promise<string[]>;
}
