import type { Artifact } from '../../../domain/artifact.js';
import { NotFoundError, PayloadTooLargeError } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import type { MetricDraft, MetricSummary } from '../../../domain/metric.js';
import type { RunId } from '../../../domain/run.js';
import type { ContentDigest } from '../../ports/content-digest.js';
import { DEFAULT_EXPERIMENT_ID } from '../experiments/ensure-default-experiment.js';
import { COUNTED_KINDS, takeCensus, versionMarkDifferences, type StoreCounts } from './store-census.js';
import {
  describeArtifact,
  eachConcurrently,
  experimentPages,
  historyWindows,
  IN_FLIGHT,
  OLDEST_FIRST,
  POINTS_PER_BATCH,
  runBatches,
  type StorePorts,
} from './store-walk.js';

/** The copy cannot go on: the target is not empty, or the source holds a blob that is not what its record says. */
export class StoreCopyError extends Error {}

export type CopyPhase = 'census' | 'users' | 'experiments' | 'runs' | 'metrics' | 'artifacts' | 'verify';

export interface CopyProgress {
  phase: CopyPhase;
  /**
   * The phase's numbers so far: what the census counted in the source, what a copying phase
   * copied, what the verification counted (and read back) in the target.
   */
  done: Readonly<Partial<StoreCounts>>;
  /** True on the phase's last report. */
  finished: boolean;
}

export interface CopyReport {
  /** What the source held when the copy started. */
  source: StoreCounts;
  /** What re-reading the target found once the copy was done. */
  target: StoreCounts;
  /** The kinds whose counts differ. */
  mismatches: (keyof StoreCounts)[];
  /**
   * What re-reading the target found wrong: blobs that do not hash to their records, short
   * histories, artifact names the target would number on differently.
   */
  problems: string[];
  /** True when the target holds as much of everything as the source, all of it readable and intact. */
  verified: boolean;
}

/**
 * Copies a whole store into an empty one through the ports, so it works between any two record
 * stores (SQLite, PostgreSQL, memory) and blob stores (files, S3), then verifies the target by
 * reading it back. The source is only read.
 *
 * Users and their API tokens come first, as they are (tokens as their secrets' hashes, revoked
 * ones and last uses included), so every token that worked on the source works on the copy.
 *
 * Everything is copied as it is, ids and dates included: experiments of every lifecycle stage
 * with their tags and properties; runs with every field, parents created first (or linked once
 * every run exists), with their parameters and datasets; each metric history whole, with steps,
 * timestamps and NaN values, in bounded batches; artifact records with their own versions, and
 * each blob they point at streamed across once, its SHA-256 checked against the record; then
 * each experiment's version marks (how high each name's versions went, deleted ones included),
 * so the target numbers the next upload of a name as the source would, never reusing a number
 * the source gave.
 *
 * Aggregates are not copied but recomputed by the target from the points (a mean can differ in
 * its last digits where the source's points were logged out of step order).
 *
 * Nothing else may write to either store meanwhile; a copy that stops half way leaves a partial
 * target, to be emptied before trying again.
 */
export class CopyStore {
  constructor(
    private readonly source: StorePorts,
    private readonly target: StorePorts,
    private readonly digest: ContentDigest,
  ) {}

  async execute(options: { onProgress?: (progress: CopyProgress) => void } = {}): Promise<CopyReport> {
    const report = (phase: CopyPhase, done: Readonly<Partial<StoreCounts>>, finished = false): void =>
      options.onProgress?.({ phase, done: { ...done }, finished });
    await this.requireEmptyTarget();
    const census = await takeCensus(this.source, { onProgress: (counts) => report('census', counts) });
    report('census', census.counts, true);
    await this.copyUsers((done, finished) => report('users', done, finished));
    const experimentIds = await this.copyExperiments((done, finished) => report('experiments', done, finished));
    await this.copyRuns(experimentIds, (done, finished) => report('runs', done, finished));
    await this.copyMetrics(experimentIds, (done, finished) => report('metrics', done, finished));
    await this.copyArtifacts(experimentIds, census.versionMarks, (done, finished) => report('artifacts', done, finished));
    const check = await takeCensus(this.target, { thorough: { digest: this.digest }, onProgress: (counts) => report('verify', counts) });
    report('verify', check.counts, true);
    const mismatches = COUNTED_KINDS.filter((kind) => census.counts[kind] !== check.counts[kind]);
    const problems = [...check.problems, ...versionMarkDifferences(census.versionMarks, check.versionMarks)];
    return {
      source: census.counts,
      target: check.counts,
      mismatches,
      problems,
      verified: mismatches.length === 0 && problems.length === 0,
    };
  }

  /** A target that holds anything would mix two stores' records (and ids may collide). */
  private async requireEmptyTarget(): Promise<void> {
    const [user] = await this.target.access.listUsers();
    if (user) throw new StoreCopyError(`the target is not empty: it holds user '${user.name}'. Copy into an empty store: a new database, or a new data directory`);
    const [held] = await this.target.experiments.list({ filter: { lifecycle: 'all' }, order: OLDEST_FIRST, page: { limit: 1 } });
    if (!held) return;
    const started = held.id === DEFAULT_EXPERIMENT_ID ? ', which a server creates when it starts (copy before starting one on the target)' : '';
    throw new StoreCopyError(
      `the target is not empty: it holds experiment '${held.name}' (id ${held.id})${started}. Copy into an empty store: a new database, or a new data directory`,
    );
  }

  private async copyUsers(progress: Progress): Promise<void> {
    const users = await this.source.access.listUsers();
    for (const user of users) await this.target.access.addUser(user);
    const tokens = await this.source.access.listTokens();
    for (const token of tokens) await this.target.access.addToken(token);
    progress({ users: users.length, tokens: tokens.length }, true);
  }

  private async copyExperiments(progress: Progress): Promise<ExperimentId[]> {
    const ids: ExperimentId[] = [];
    for await (const page of experimentPages(this.source.experiments)) {
      for (const experiment of page) {
        await this.target.experiments.create(experiment);
        ids.push(experiment.id);
      }
      progress({ experiments: ids.length });
    }
    progress({ experiments: ids.length }, true);
    return ids;
  }

  /**
   * Runs with their parameters (in the same write, as a run is created) and datasets, a few at
   * a time. A run waits for its parent's creation when that has started; a run whose parent is
   * not there yet (in an experiment copied later, or started later) is created without it and
   * linked once every run exists.
   */
  private async copyRuns(experimentIds: readonly ExperimentId[], progress: Progress): Promise<void> {
    const done = { runs: 0, parameters: 0, runInputs: 0 };
    /** Runs of earlier batches, all stored. */
    const copied = new Set<RunId>();
    const unlinked: { runId: RunId; parentRunId: RunId }[] = [];
    for await (const { runs, ids } of runBatches(this.source.runs, experimentIds)) {
      const [parameters, inputs] = await Promise.all([this.source.parameters.listForRuns(ids), this.source.runInputs.listForRuns(ids)]);
      /** Runs of this batch whose creation has started, settled once stored. */
      const started = new Map<RunId, Promise<void>>();
      await eachConcurrently(runs, IN_FLIGHT, async (run) => {
        const held = parameters.get(run.id) ?? [];
        const { parentRunId } = run;
        let creation: Promise<void>;
        if (parentRunId === undefined || copied.has(parentRunId)) creation = this.target.runs.create(run, held);
        else if (started.has(parentRunId)) creation = (started.get(parentRunId) as Promise<void>).then(() => this.target.runs.create(run, held));
        else {
          const { parentRunId: _later, ...orphan } = run;
          unlinked.push({ runId: run.id, parentRunId });
          creation = this.target.runs.create(orphan, held);
        }
        started.set(run.id, creation);
        await creation;
        const datasets = inputs.get(run.id) ?? [];
        if (datasets.length > 0) await this.target.runInputs.add(run.id, datasets);
        done.runs++;
        done.parameters += held.length;
        done.runInputs += datasets.length;
      });
      for (const id of ids) copied.add(id);
      progress(done);
    }
    for (const { runId, parentRunId } of unlinked) await this.target.runs.update(runId, (run) => ({ ...run, parentRunId }));
    progress(done, true);
  }

  /** Each run's histories whole, a few runs at a time. */
  private async copyMetrics(experimentIds: readonly ExperimentId[], progress: Progress): Promise<void> {
    const done = { metricSeries: 0, metricPoints: 0 };
    for await (const { ids } of runBatches(this.source.runs, experimentIds)) {
      const summaries = await this.source.metrics.summaries(ids);
      await eachConcurrently(ids, IN_FLIGHT, (runId) => this.copyHistories(runId, summaries.get(runId) ?? [], done));
      progress(done);
    }
    progress(done, true);
  }

  /**
   * A run's histories window by window, its keys packed into appends of at most
   * POINTS_PER_BATCH points with their steps given, so the target keeps steps and timestamps
   * as they were.
   */
  private async copyHistories(runId: RunId, series: readonly MetricSummary[], done: { metricSeries: number; metricPoints: number }): Promise<void> {
    let pending: MetricDraft[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await this.target.metrics.append(runId, batch);
      done.metricPoints += batch.length;
    };
    for (const summary of series) {
      const { key } = summary;
      for await (const { steps, values, timestamps } of historyWindows(this.source.metrics, runId, summary)) {
        for (let i = 0; i < steps.length; i++) {
          pending.push({ key, value: values[i] as number, step: steps[i] as number, timestamp: timestamps[i] as number });
          if (pending.length === POINTS_PER_BATCH) await flush();
        }
      }
      done.metricSeries++;
    }
    await flush();
  }

  /**
   * Artifact records with their versions as they were, each after its blob: a blob shared by
   * several records is copied once. A few of either at a time. Then each experiment's version
   * marks, as the census read them: creating the records raised the target's to the versions
   * that still exist; these carry how far beyond them the source's went.
   */
  private async copyArtifacts(
    experimentIds: readonly ExperimentId[],
    versionMarks: ReadonlyMap<ExperimentId, ReadonlyMap<string, string>>,
    progress: Progress,
  ): Promise<void> {
    const done = { artifacts: 0, blobs: 0, blobBytes: 0, versionMarks: 0 };
    const copied = new Set<string>();
    for await (const { ids } of runBatches(this.source.runs, experimentIds)) {
      const held = await this.source.artifacts.listForRuns(ids);
      const artifacts = ids.flatMap((runId) => held.get(runId) ?? []);
      const blobs = new Map<string, Artifact>();
      for (const artifact of artifacts) if (!copied.has(artifact.path) && !blobs.has(artifact.path)) blobs.set(artifact.path, artifact);
      await eachConcurrently([...blobs.values()], IN_FLIGHT, async (artifact) => {
        await this.copyBlob(artifact);
        copied.add(artifact.path);
        done.blobs++;
        done.blobBytes += artifact.size;
      });
      await eachConcurrently(artifacts, IN_FLIGHT, async (artifact) => {
        await this.target.artifacts.create(artifact);
        done.artifacts++;
      });
      progress(done);
    }
    await eachConcurrently([...versionMarks], IN_FLIGHT, async ([experimentId, marks]) => {
      await this.target.artifacts.raiseVersionMarks(experimentId, marks);
      done.versionMarks += marks.size;
    });
    progress(done, true);
  }

  /**
   * Streams a blob from the source into the target, which hashes it on the way: what it stored
   * must be exactly what the record says (address, SHA-256, size), or the copy stops, leaving
   * no stray blob it made.
   */
  private async copyBlob(artifact: Artifact): Promise<void> {
    let content;
    try {
      content = await this.source.blobs.get(artifact.path);
    } catch (error) {
      if (error instanceof NotFoundError) throw new StoreCopyError(`the source has no blob for ${describeArtifact(artifact)} (${artifact.path})`);
      throw error;
    }
    let stored;
    try {
      // Never more than the record says: a blob that grew is refused as soon as it passes that.
      stored = await this.target.blobs.put(content, { maxBytes: artifact.size });
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        throw new StoreCopyError(`the source's blob of ${describeArtifact(artifact)} (${artifact.path}) holds more than the ${artifact.size} bytes its record says`);
      }
      throw error;
    }
    if (stored.key === artifact.path && stored.sha256 === artifact.sha256 && stored.size === artifact.size) return;
    if (stored.created) await this.target.blobs.delete(stored.key);
    throw new StoreCopyError(
      `the source's blob of ${describeArtifact(artifact)} (${artifact.path}) holds ${stored.size} bytes with SHA-256 ${stored.sha256}, ` +
        `where its record says ${artifact.size} bytes with SHA-256 ${artifact.sha256}: it was changed or damaged where the source keeps it`,
    );
  }
}

type Progress = (done: Readonly<Partial<StoreCounts>>, finished?: boolean) => void;
