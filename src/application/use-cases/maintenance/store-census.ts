import { contentAddress, nextVersion, type Artifact } from '../../../domain/artifact.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { ContentDigest } from '../../ports/content-digest.js';
import { describeArtifact, eachConcurrently, experimentPages, historyWindows, IN_FLIGHT, runBatches, type StorePorts } from './store-walk.js';

/** How much of each kind a store holds, as its ports show it. */
export interface StoreCounts {
  experiments: number;
  runs: number;
  parameters: number;
  runInputs: number;
  /** One per (run, metric key). */
  metricSeries: number;
  metricPoints: number;
  /** Artifact records: every version of every name. */
  artifacts: number;
  /** Distinct blobs the artifact records point at (several records may share one). */
  blobs: number;
  /** Their total size. */
  blobBytes: number;
  /**
   * Version marks: one per (experiment, artifact name) whose versions were ever numbered, how
   * high they went, whether its records still exist or not.
   */
  versionMarks: number;
  users: number;
  /** API tokens, revoked ones included. */
  tokens: number;
}

export const COUNTED_KINDS: readonly (keyof StoreCounts)[] = [
  'experiments',
  'runs',
  'parameters',
  'runInputs',
  'metricSeries',
  'metricPoints',
  'artifacts',
  'blobs',
  'blobBytes',
  'versionMarks',
  'users',
  'tokens',
];

export function noCounts(): StoreCounts {
  return { experiments: 0, runs: 0, parameters: 0, runInputs: 0, metricSeries: 0, metricPoints: 0, artifacts: 0, blobs: 0, blobBytes: 0, versionMarks: 0, users: 0, tokens: 0 };
}

export interface Census {
  counts: StoreCounts;
  /** Every experiment, oldest first. */
  experimentIds: ExperimentId[];
  /**
   * Each experiment's version marks, for the experiments that have any: one entry per name, far
   * fewer than the records or points a store holds, so kept whole.
   */
  versionMarks: Map<ExperimentId, Map<string, string>>;
  /** What a thorough census found wrong: at most MAX_PROBLEMS of them, then how many more. */
  problems: string[];
}

export interface CensusOptions {
  /**
   * Reads every metric history through (counting the points it gives, not the aggregates) and
   * every blob's bytes, checking each against its records: the re-reading that verifies a copy.
   * Without it, points are the aggregates' counts and blobs are not read.
   */
  thorough?: { digest: ContentDigest };
  /**
   * Called after each batch of runs with the counts so far, then (thorough) after each blob read
   * back, with `blobs` and `blobBytes` counting what has been read.
   */
  onProgress?: (counts: Readonly<StoreCounts>) => void;
}

const MAX_PROBLEMS = 50;

/**
 * Counts everything a store holds, through its ports. A thorough census also re-reads it: each
 * history point by point, and each blob its records point at, streamed through a digest that
 * must give the SHA-256 and size the records promise.
 */
export async function takeCensus(store: StorePorts, options: CensusOptions = {}): Promise<Census> {
  const counts = noCounts();
  const experimentIds: ExperimentId[] = [];
  const problems = new Problems();
  /** Per distinct blob, the first record pointing at it: what the others and the bytes must match. */
  const blobs = new Map<string, RecordedBlob>();
  for await (const page of experimentPages(store.experiments)) {
    for (const experiment of page) experimentIds.push(experiment.id);
  }
  counts.experiments = experimentIds.length;
  counts.users = (await store.access.listUsers()).length;
  counts.tokens = (await store.access.listTokens()).length;
  const versionMarks = new Map<ExperimentId, Map<string, string>>();
  await eachConcurrently(experimentIds, IN_FLIGHT, async (experimentId) => {
    const marks = await store.artifacts.versionMarks(experimentId);
    if (marks.size > 0) versionMarks.set(experimentId, marks);
    counts.versionMarks += marks.size;
  });
  for await (const { runs, ids } of runBatches(store.runs, experimentIds)) {
    const [parameters, inputs, summaries, artifacts] = await Promise.all([
      store.parameters.listForRuns(ids),
      store.runInputs.listForRuns(ids),
      store.metrics.summaries(ids),
      store.artifacts.listForRuns(ids),
    ]);
    counts.runs += runs.length;
    for (const runId of ids) {
      counts.parameters += parameters.get(runId)?.length ?? 0;
      counts.runInputs += inputs.get(runId)?.length ?? 0;
      for (const series of summaries.get(runId) ?? []) {
        counts.metricSeries++;
        if (!options.thorough) counts.metricPoints += series.count;
      }
      for (const artifact of artifacts.get(runId) ?? []) {
        counts.artifacts++;
        const first = blobs.get(artifact.path);
        if (!first) blobs.set(artifact.path, recorded(artifact));
        else if (first.sha256 !== artifact.sha256 || first.size !== artifact.size) {
          problems.add(`${describeArtifact(artifact)} and ${first.artifact} point at the same blob ${artifact.path} but record different content`);
        }
      }
    }
    if (options.thorough) {
      await eachConcurrently(ids, IN_FLIGHT, async (runId) => {
        for (const series of summaries.get(runId) ?? []) {
          let read = 0;
          for await (const columns of historyWindows(store.metrics, runId, series)) read += columns.steps.length;
          counts.metricPoints += read;
          if (read !== series.count) problems.add(`run ${runId}: the history of '${series.key}' gives ${read} points where its aggregates count ${series.count}`);
        }
      });
    }
    options.onProgress?.(counts);
  }
  counts.blobs = blobs.size;
  for (const blob of blobs.values()) counts.blobBytes += blob.size;
  if (options.thorough) {
    const read = { ...counts, blobs: 0, blobBytes: 0, versionMarks: 0 };
    await checkBlobs(store, [...blobs.values()], options.thorough.digest, problems, (blob) => {
      read.blobs++;
      read.blobBytes += blob.size;
      options.onProgress?.(read);
    });
  }
  return { counts, experimentIds, versionMarks, problems: problems.list() };
}

/**
 * Where a copy's version marks differ from its source's, as the next automatic version each
 * store would give: at most MAX_PROBLEMS of them, then how many more.
 */
export function versionMarkDifferences(
  source: ReadonlyMap<ExperimentId, ReadonlyMap<string, string>>,
  target: ReadonlyMap<ExperimentId, ReadonlyMap<string, string>>,
): string[] {
  const problems = new Problems();
  const next = (mark: string | undefined): string => nextVersion(mark === undefined ? [] : [mark]);
  for (const experimentId of new Set([...source.keys(), ...target.keys()])) {
    const there = source.get(experimentId) ?? new Map<string, string>();
    const here = target.get(experimentId) ?? new Map<string, string>();
    for (const name of new Set([...there.keys(), ...here.keys()])) {
      if (there.get(name) === here.get(name)) continue;
      problems.add(
        `the next automatic version of artifact '${name}' in experiment ${experimentId} would be ${next(there.get(name))} in the source ` +
          `but ${next(here.get(name))} in the target`,
      );
    }
  }
  return problems.list();
}

/** A blob as the first record pointing at it describes it: kept per blob, so without the record's metadata. */
interface RecordedBlob {
  path: string;
  sha256: string;
  size: number;
  artifact: string;
}

function recorded(artifact: Artifact): RecordedBlob {
  return { path: artifact.path, sha256: artifact.sha256, size: artifact.size, artifact: describeArtifact(artifact) };
}

/** Streams every blob through the digest: its bytes must hash to its address and to what its records say. */
async function checkBlobs(
  store: StorePorts,
  blobs: readonly RecordedBlob[],
  digest: ContentDigest,
  problems: Problems,
  onRead: (blob: RecordedBlob) => void,
): Promise<void> {
  await eachConcurrently(blobs, IN_FLIGHT, async (blob) => {
    let found;
    try {
      found = await digest.digest(await store.blobs.get(blob.path));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      problems.add(`the blob of ${blob.artifact} is missing (${blob.path})`);
      return;
    } finally {
      onRead(blob);
    }
    if (found.sha256 !== blob.sha256 || contentAddress(found.sha256) !== blob.path || found.size !== blob.size) {
      problems.add(
        `the blob of ${blob.artifact} (${blob.path}) holds ${found.size} bytes with SHA-256 ${found.sha256}, ` +
          `where its record says ${blob.size} bytes with SHA-256 ${blob.sha256}`,
      );
    }
  });
}

/** A bounded list of what went wrong: a store with a million bad points is not a million lines. */
class Problems {
  private readonly kept: string[] = [];
  private more = 0;

  add(problem: string): void {
    if (this.kept.length < MAX_PROBLEMS) this.kept.push(problem);
    else this.more++;
  }

  list(): string[] {
    return this.more > 0 ? [...this.kept, `… and ${this.more} more`] : [...this.kept];
  }
}
