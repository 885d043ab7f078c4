import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { AccessRepository } from '../../../src/application/ports/access-repository.js';
import type { ArtifactRepository, NewArtifact } from '../../../src/application/ports/artifact-repository.js';
import type { ExperimentRepository } from '../../../src/application/ports/experiment-repository.js';
import type { MetricRepository } from '../../../src/application/ports/metric-repository.js';
import type { ParameterRepository } from '../../../src/application/ports/parameter-repository.js';
import type { RunRepository } from '../../../src/application/ports/run-repository.js';
import type { RunInputRepository } from '../../../src/application/ports/run-input-repository.js';
import type { RunSearch } from '../../../src/application/ports/run-search.js';
import type { Artifact } from '../../../src/domain/artifact.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import type { Experiment, ExperimentFilter, ExperimentOrder, ExperimentSummary } from '../../../src/domain/experiment.js';
import { pointsOf, type MetricDraft, type MetricPoint } from '../../../src/domain/metric.js';
import type { Cursor, PageRequest } from '../../../src/domain/paging.js';
import type { Parameter, ParameterValue } from '../../../src/domain/parameter.js';
import type { Run } from '../../../src/domain/run.js';

/** Builders and helpers shared by the repository contract suites. */
/** Every repository over one database, as a store adapter provides them. */
export interface RepositoryStore {
  experiments: ExperimentRepository;
  runs: RunRepository;
  parameters: ParameterRepository;
  metrics: MetricRepository;
  artifacts: ArtifactRepository;
  runInputs: RunInputRepository;
  runSearch: RunSearch;
  access: AccessRepository;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Builders: plain domain records, valid by default, overridable field by field.
// ---------------------------------------------------------------------------------------------

export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0, 123);
let sequence = 0;

export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}${String(sequence).padStart(8, '0')}`;
}

export function anExperiment(overrides: Partial<Experiment> = {}): Experiment {
  const id = overrides.id ?? uniqueId('exp-');
  return { id, name: `experiment ${id}`, tags: [], properties: {}, createdBy: 'ada', createdAt: T0, updatedAt: T0, lifecycleStage: 'active', ...overrides };
}

export function aRun(experimentId: string, overrides: Partial<Run> = {}): Run {
  const id = overrides.id ?? uniqueId('run-');
  return { id, experimentId, status: 'running', tags: {}, createdBy: 'ada', startedAt: T0, lifecycleStage: 'active', ...overrides };
}

/** A content address, as the blob store would give for this text. */
export function blobKey(content: string): string {
  const hex = createHash('sha256').update(content).digest('hex');
  return `sha256/${hex.slice(0, 2)}/${hex}`;
}

export function anArtifact(run: Run, overrides: Partial<NewArtifact> = {}): NewArtifact {
  const id = overrides.id ?? uniqueId('art-');
  const path = overrides.path ?? blobKey(id);
  return {
    id,
    runId: run.id,
    experimentId: run.experimentId,
    name: 'model.pt',
    type: 'model',
    path,
    size: 1234,
    sha256: path.split('/')[2] as string,
    tags: [],
    contentType: 'application/octet-stream',
    metadata: {},
    uploadedAt: T0,
    ...overrides,
  };
}

export function param(key: string, value: ParameterValue): Parameter {
  return { key, value, type: typeof value as Parameter['type'] };
}

export function draft(key: string, value: number, step?: number, timestamp = T0): MetricDraft {
  return step === undefined ? { key, value, timestamp } : { key, value, step, timestamp };
}

export const idsOf = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Walks keyset pages of `limit` until a short page; fails on a page that is too long or paging that never ends. */
export async function allPages<T>(limit: number, fetch: (page: PageRequest) => Promise<T[]>, cursorOf: (item: T) => Cursor): Promise<T[][]> {
  const pages: T[][] = [];
  let after: Cursor | undefined;
  for (let n = 0; n < 100; n++) {
    const items = await fetch({ limit, ...(after ? { after } : {}) });
    expect(items.length).toBeLessThanOrEqual(limit);
    pages.push(items);
    if (items.length < limit) return pages;
    after = cursorOf(items[items.length - 1] as T);
  }
  throw new Error('paging never ended: is page.after ignored?');
}

/** The settled results of racing calls: how many won, and why the others lost. */
export async function race<T>(calls: readonly Promise<T>[]): Promise<{ won: T[]; lost: unknown[] }> {
  const results = await Promise.allSettled(calls);
  return {
    won: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    lost: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}


export async function givenExperiment(store: RepositoryStore, overrides: Partial<Experiment> = {}): Promise<Experiment> {
  const experiment = anExperiment(overrides);
  await store.experiments.create(experiment);
  return experiment;
}

export async function givenRun(store: RepositoryStore, experimentId: string, overrides: Partial<Run> = {}, parameters: Parameter[] = []): Promise<Run> {
  const run = aRun(experimentId, overrides);
  await store.runs.create(run, parameters);
  return run;
}

export async function givenArtifact(store: RepositoryStore, run: Run, overrides: Partial<NewArtifact> = {}): Promise<Artifact> {
  return store.artifacts.create(anArtifact(run, overrides));
}

/** Soft-deletes (or restores) an experiment the way the use cases do: through update. */
export async function moveExperiment(store: RepositoryStore, id: string, lifecycleStage: Experiment['lifecycleStage']): Promise<Experiment> {
  return store.experiments.update(id, (e) => ({ ...e, lifecycleStage }));
}

export const BY_CREATED: ExperimentOrder = { field: 'createdAt', descending: false };

export async function listExperiments(
  store: RepositoryStore,
  filter: Partial<ExperimentFilter> = {},
  order: ExperimentOrder = BY_CREATED,
  page: PageRequest = { limit: 1000 },
): Promise<ExperimentSummary[]> {
  return store.experiments.list({ filter: { lifecycle: 'active', ...filter }, order, page });
}

/**
 * What a run holds behind the other ports. The ports do not say what they give for a run that
 * does not exist, so a missing entry or a NotFoundError both count as holding nothing.
 */
export async function holdings(store: RepositoryStore, runId: string) {
  const orNothing = (error: unknown): MetricPoint[] => {
    if (error instanceof NotFoundError) return [];
    throw error;
  };
  return {
    parameters: (await store.parameters.listForRuns([runId])).get(runId) ?? [],
    metrics: (await store.metrics.summaries([runId])).get(runId) ?? [],
    history: await store.metrics.history(runId, 'loss', {}).then((columns) => pointsOf('loss', columns)).catch(orNothing),
    artifacts: (await store.artifacts.listForRuns([runId])).get(runId) ?? [],
  };
}

export const NOTHING = { parameters: [], metrics: [], history: [], artifacts: [] };

/** A run with a parameter, a `loss` point and an artifact at `blob`. */
export async function givenFullRun(store: RepositoryStore, experimentId: string, blob: string, overrides: Partial<Run> = {}): Promise<Run> {
  const run = await givenRun(store, experimentId, overrides, [param('lr', 0.1)]);
  await store.metrics.append(run.id, [draft('loss', 0.5, 0)]);
  await givenArtifact(store, run, { path: blob });
  return run;
}

// ---------------------------------------------------------------------------------------------
