import type { Artifact } from '../../../domain/artifact.js';
import type { Experiment, ExperimentId, ExperimentOrder } from '../../../domain/experiment.js';
import { MAX_STEP, type MetricColumns, type MetricSummary } from '../../../domain/metric.js';
import type { Cursor } from '../../../domain/paging.js';
import type { Run, RunId } from '../../../domain/run.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
import type { RunInputRepository } from '../../ports/run-input-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';

/**
 * A whole store as its ports show it: what copying a store and counting one walk through, so
 * either works between any record store and any blob store.
 */
export interface StorePorts {
  experiments: ExperimentRepository;
  runs: RunRepository;
  parameters: ParameterRepository;
  metrics: MetricRepository;
  artifacts: ArtifactRepository;
  runInputs: RunInputRepository;
  access: AccessRepository;
  blobs: BlobStore;
}

/** Oldest first, ties by id: an order every store gives the same way, with keyset paging. */
export const OLDEST_FIRST: ExperimentOrder = { field: 'createdAt', descending: false };
const EXPERIMENT_PAGE = 500;
/** Runs handed to the batch reads (`listForRuns`, `summaries`) at once: few round trips, small answers. */
const RUN_BATCH = 100;
/** What one history read aims at, and the most one metric append carries: bounded memory either way. */
export const POINTS_PER_BATCH = 10_000;

/** Every experiment, whatever its lifecycle stage, oldest first, a page at a time. */
export async function* experimentPages(experiments: ExperimentRepository): AsyncGenerator<Experiment[]> {
  let after: Cursor | undefined;
  for (;;) {
    const page = await experiments.list({ filter: { lifecycle: 'all' }, order: OLDEST_FIRST, page: { limit: EXPERIMENT_PAGE, ...(after ? { after } : {}) } });
    // A summary also counts its runs: the record is the rest.
    if (page.length > 0) yield page.map(({ runCount: _runCount, ...experiment }) => experiment);
    const last = page[page.length - 1];
    if (!last || page.length < EXPERIMENT_PAGE) return;
    after = { value: last.createdAt, id: last.id };
  }
}

/**
 * Every run of these experiments in batches, each experiment's oldest first: a parent run
 * almost always started before its children, so it comes first.
 */
export async function* runBatches(runs: RunRepository, experimentIds: readonly ExperimentId[]): AsyncGenerator<{ runs: Run[]; ids: RunId[] }> {
  for (const experimentId of experimentIds) {
    const all = (await runs.listAllByExperiments([experimentId])).reverse();
    for (let i = 0; i < all.length; i += RUN_BATCH) {
      const batch = all.slice(i, i + RUN_BATCH);
      yield { runs: batch, ids: batch.map((run) => run.id) };
    }
  }
}

/**
 * One key's whole history as consecutive windows of steps, in step order, each of about
 * POINTS_PER_BATCH points, so a history of ten million points never sits in memory whole.
 *
 * The port reads by step range, not by count, so each window's width is a guess: the series'
 * average density to start with, then the density the last window met (at most doubling, so
 * an empty stretch cannot make the next window huge at once). Steps spread evenly (the usual
 * 0, 1, 2, … and even timestamps as steps) give windows of the aimed size; a long sparse
 * stretch followed by a dense one can give one window of a few times that.
 */
export async function* historyWindows(metrics: MetricRepository, runId: RunId, series: MetricSummary): AsyncGenerator<MetricColumns> {
  const { key, firstStep, lastStep, count } = series;
  let width = Math.min(MAX_STEP, Math.max(1, Math.floor((POINTS_PER_BATCH * (lastStep - firstStep + 1)) / Math.max(count, 1))));
  let start = firstStep;
  while (start <= lastStep) {
    // Compared as a difference: `start + width` may pass the largest exact integer.
    const end = width > lastStep - start ? lastStep : start + width - 1;
    const columns = await metrics.history(runId, key, { startStep: start, endStep: end });
    const seen = columns.steps.length;
    if (seen > 0) yield columns;
    width = Math.min(MAX_STEP, seen === 0 ? width * 2 : Math.max(1, Math.min(width * 2, Math.floor((width * POINTS_PER_BATCH) / seen))));
    start = end + 1;
  }
}

/**
 * Calls a copy or a census keeps in flight at once: a remote store's round trips overlap (and a
 * local store's writes commit together), well within a pool of connections, and a local disk is
 * not thrashed by blobs.
 */
export const IN_FLIGHT = 4;

/**
 * Runs `work` over every item, at most `limit` at a time. After a failure no new item starts;
 * the first failure rejects once the items under way have settled.
 */
export async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/** An artifact version as a user finds it in the UI: for messages. */
export function describeArtifact(artifact: Artifact): string {
  return `artifact '${artifact.name}' version ${artifact.version} of run ${artifact.runId}`;
}
