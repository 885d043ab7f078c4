import type { Artifact, ArtifactFilter } from '../../domain/artifact.js';
import type { ExperimentId } from '../../domain/experiment.js';
import type { RunId } from '../../domain/run.js';

/** The artifact record to store; the version is numbered by the store when absent. */
export type NewArtifact = Omit<Artifact, 'version'> & { version?: string };

/**
 * Artifact records. Versions are per (experiment, name): numbered "1", "2", … by the store,
 * atomically, unless the caller gives one, which must then be unused.
 */
export interface ArtifactRepository {
  /**
   * @returns the stored record with its version.
   * @throws NotFoundError when the run does not exist; AlreadyExistsError when the given version is taken.
   */
  create(artifact: NewArtifact): Promise<Artifact>;
  /** Per run, every version of every artifact, newest first. */
  listForRuns(runIds: readonly RunId[]): Promise<Map<RunId, Artifact[]>>;
  /** Every version across an experiment's runs, newest first. */
  listByExperiment(experimentId: ExperimentId, filter: ArtifactFilter): Promise<Artifact[]>;
  /** The newest version of a name in a run, or the given version. Undefined when absent. */
  find(runId: RunId, name: string, version?: string): Promise<Artifact | undefined>;
  /** Which of these blob keys some artifact record still points at (one query for all). */
  referencedBlobs(blobKeys: readonly string[]): Promise<Set<string>>;
}
