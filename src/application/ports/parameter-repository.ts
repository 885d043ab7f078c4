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
  /** Each (key, value) held by the experiment's runs, with how many runs hold it; any order. */
  valueCounts(experimentId: ExperimentId): Promise<ParameterValueCount[]>;
}
