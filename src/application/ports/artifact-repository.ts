import type { Artifact, ArtifactFilter } from '../../domain/artifact.js';
import type { ExperimentId } from '../../domain/experiment.js';
import type { RunId } from '../../domain/run.js';

/** The artifact record to store; the version is numbered by the store when absent. */
export type NewArtifact = Omit<Artifact, 'version'> & { version?: string };

/**
 * Per artifact name, the highest whole-number version ever recorded in an experiment (its "mark"),
 * as a whole number in text ("1", "2", …, up to 63 digits, no leading zero): what automatic
 * numbering counts on from.
 */
export type VersionMarks = ReadonlyMap<string, string>;

/**
 * Artifact records. Versions are per (experiment, name): numbered "1", "2", … by the store,
 * atomically, unless the caller gives one, which must then be unused.
 *
 * Numbering is one more than the highest whole-number version ever recorded for that name in
 * the experiment, including versions whose records are gone (`deleteByName`, a run's deletion):
 * a number the store gave never names other content later. A version the caller gives only has
 * to be unused now, so a deleted one may be given again by hand.
 * Purging the experiment forgets its numbers with it.
 *
 * That memory (the version marks) is readable and can be carried to another store
 * (`versionMarks`, `raiseVersionMarks`), so that a copied store numbers on as the original would.
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
  /**
   * Removes every version of a name in a run (the name exactly: not `model/…` under `model`, nor
   * the name in another run), in one write; with `below`, also every name under `name/` (a whole
   * directory, as MLflow clients delete one). Returns the distinct blob keys the removed records
   * pointed at, for the caller to free those nothing else references; empty when the run holds
   * no such name.
   * @throws NotFoundError when the run does not exist.
   */
  deleteByName(runId: RunId, name: string, options?: { below?: boolean }): Promise<string[]>;
  /** Which of these blob keys some artifact record still points at (one query for all). */
  referencedBlobs(blobKeys: readonly string[]): Promise<Set<string>>;
  /**
   * An experiment's version marks: for every name that ever had a whole-number version, the
   * highest one, whether its records still exist or not (deleted by name, or with their run).
   * Names that only ever had other versions ("prod") are absent; so is everything of an unknown
   * experiment (an empty map).
   */
  versionMarks(experimentId: ExperimentId): Promise<Map<string, string>>;
  /**
   * Raises an experiment's version marks to at least the given ones, in one write: each name's
   * mark becomes the higher of its own and the given one (compared as numbers), never lower, and
   * names not given keep theirs. The next automatic version of a name is then past its mark, as
   * if versions up to it had been recorded and deleted. What copying a store carries across, so
   * that a number the original gave never names other content in the copy.
   * @throws NotFoundError when the experiment does not exist; InvalidArgumentError when a mark
   * is not a whole-number version. Either way nothing is raised.
   */
  raiseVersionMarks(experimentId: ExperimentId, marks: VersionMarks): Promise<void>;
}
