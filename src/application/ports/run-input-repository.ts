import type { RunId } from '../../domain/run.js';
import type { DatasetInput } from '../../domain/run-input.js';

/** The datasets runs used. A run holds each (name, digest) once. */
export interface RunInputRepository {
  /**
   * Records datasets for a run, all or nothing. One the run already holds (same name and
   * digest, also twice in one call) is kept as first recorded.
   * @throws NotFoundError when the run does not exist.
   */
  add(runId: RunId, inputs: readonly DatasetInput[]): Promise<void>;
  /** Per run, its datasets in the order first recorded. Runs without any map to []. */
  listForRuns(runIds: readonly RunId[]): Promise<Map<RunId, DatasetInput[]>>;
}
