import type { ExperimentId } from '../../domain/experiment.js';
import type { Parameter } from '../../domain/parameter.js';
import type { ParameterValueCount } from '../../domain/parameter-space.js';
import type { RunId } from '../../domain/run.js';

/** Parameters are write-once per (run, key); the store enforces it atomically. */
export interface ParameterRepository {
  /**
   * Adds parameters to a run, all or nothing. A key already held with the same value is a
   * no-op; with another value the whole batch is refused.
   * @returns how many parameters were new.
   * @throws NotFoundError when the run does not exist; ConflictError naming the key and both values.
   */
  add(runId: RunId, parameters: readonly Parameter[]): Promise<number>;
  /** Per run, its parameters sorted by key. Runs without parameters map to []. */
  listForRuns(runIds: readonly RunId[]): Promise<Map<RunId, Parameter[]>>;
  /**
   * Each (key, value) held by the runs a view of the experiment counts, with how many of those
   * runs hold it; any order. Those runs are the ones `countsInExperimentView` (domain) names: the
   * experiment's runs in its own lifecycle stage, so an active experiment's runs in the trash are
   * left out until restored, and a deleted experiment's (all deleted with it) are all counted.
   * The experiment's stage is read in the same snapshot as the counts. An unknown experiment
   * counts nothing.
   */
  valueCounts(experimentId: ExperimentId): Promise<ParameterValueCount[]>;
}
