import { Readable } from 'node:stream';
import type { ContentDigest } from '../../../src/application/ports/content-digest.js';
import { sha256Digest } from '../../../src/adapters/system/sha256-digest.js';
import type { RunSearch } from '../../../src/application/ports/run-search.js';
import type { StoreCounts } from '../../../src/application/use-cases/maintenance/store-census.js';
import type { StorePorts } from '../../../src/application/use-cases/maintenance/store-walk.js';
import type { Artifact } from '../../../src/domain/artifact.js';
import type { Experiment } from '../../../src/domain/experiment.js';
import { MAX_STEP, pointsOf, type MetricDraft } from '../../../src/domain/metric.js';
import type { Parameter } from '../../../src/domain/parameter.js';
import type { Run } from '../../../src/domain/run.js';
import { parseFilter, parseOrderBy } from '../../../src/domain/search/filter.js';

/**
 * A store holding every kind of thing in every state, and every read the ports offer over a
 * whole store: what the copy tests (SQLite, PostgreSQL) compare a store and its copy with.
 */

/** The digest the composition root registers: the copy verifies with the real adapter. */
export const SHA256: ContentDigest = sha256Digest;

export interface TestStore extends StorePorts {
  runSearch: RunSearch;
  close(): Promise<void>;
}

export const T0 = Date.UTC(2026, 2, 1, 9, 30, 0, 250);

export function experiment(id: string, overrides: Partial<Experiment> = {}): Experiment {
  return { id, name: `experiment ${id}`, tags: [], properties: {}, createdBy: 'ada', createdAt: T0, updatedAt: T0, lifecycleStage: 'active', ...overrides };
}

export function run(id: string, experimentId: string, overrides: Partial<Run> = {}): Run {
  return { id, experimentId, status: 'running', tags: {}, createdBy: 'ada', startedAt: T0, lifecycleStage: 'active', ...overrides };
}

const param = (key: string, value: Parameter['value']): Parameter => ({ key, value, type: typeof value as Parameter['type'] });

let uploads = 0;

export async function upload(store: TestStore, record: Run, name: string, content: string | Buffer, overrides: Partial<Artifact> = {}): Promise<Artifact> {
  const blob = await store.blobs.put(Readable.from([Buffer.from(content)]), { maxBytes: 1 << 30 });
  return store.artifacts.create({
    id: `artifact-${++uploads}`,
    runId: record.id,
    experimentId: record.experimentId,
    name,
    type: 'model',
    path: blob.key,
    size: blob.size,
    sha256: blob.sha256,
    tags: [],
    contentType: 'application/octet-stream',
    metadata: {},
    uploadedAt: T0,
    ...overrides,
  });
}

/** Everything a user can tell about a store and its projects: the rich case the copy must carry whole. */
export async function givenRichStore(store: TestStore): Promise<void> {
  const properties: Record<string, string> = { 'mlflow.note.content': '# Notes\nligne 2 — ✓', owner: 'Zoë 🚀', empty: '' };
  Object.defineProperty(properties, '__proto__', { value: 'not a prototype', enumerable: true, writable: true, configurable: true });
  // Users and tokens in every state: labelled or not, used, revoked.
  await store.access.addUser({ name: 'zoë', role: 'admin', createdAt: T0 - 20 });
  await store.access.addUser({ name: 'ada', role: 'writer', createdAt: T0 - 19 });
  await store.access.addToken({ id: 'tok-zoe-1', userName: 'zoë', label: 'laptop', secretHash: 'a1'.repeat(32), createdAt: T0 - 18, lastUsedAt: T0 });
  await store.access.addToken({ id: 'tok-ada-1', userName: 'ada', secretHash: 'b2'.repeat(32), createdAt: T0 - 17, revokedAt: T0 - 1 });
  await store.access.addToken({ id: 'tok-ada-2', userName: 'ada', label: 'CI', secretHash: 'c3'.repeat(32), createdAt: T0 - 16 });
  await store.experiments.create(experiment('0', { name: 'Default', createdBy: 'fathom', createdAt: T0 - 10 }));
  await store.experiments.create(
    experiment('vision', { name: 'Vision ✨ 視覚', description: 'ResNet sweeps', tags: ['cv', 'résumé'], properties, createdBy: 'zoë', updatedAt: T0 + 5 }),
  );
  // A deleted experiment may share its name with an active one.
  await store.experiments.create(experiment('old', { name: 'baseline', lifecycleStage: 'deleted', deletedBy: 'zoë', createdAt: T0 + 1, updatedAt: T0 + 9 }));
  await store.experiments.create(experiment('new', { name: 'baseline', createdAt: T0 + 2 }));

  // A run whose parent starts later (same experiment) and one whose parent lives in an
  // experiment created after its own: both parents come after their children in the walk.
  await store.runs.create(run('late-parent', 'vision', { startedAt: T0 + 500, name: 'sweep', status: 'completed', completedAt: T0 + 9000 }), []);
  await store.runs.create(run('early-child', 'vision', { startedAt: T0 + 100, parentRunId: 'late-parent', tags: { 'mlflow.parentRunId': 'late-parent' } }), []);
  await store.runs.create(run('adopter', 'new', { startedAt: T0 }), []);
  await store.runs.create(run('cross-child', 'vision', { startedAt: T0 + 600, parentRunId: 'adopter', status: 'killed', completedAt: T0 + 700 }), []);
  await store.runs.create(
    run('main', 'vision', {
      startedAt: T0 + 50,
      name: 'résumé run 🚀',
      status: 'failed',
      completedAt: T0 + 61_001,
      createdBy: 'bob',
      tags: { 'mlflow.user': 'bob', note: 'commas, "quotes"; ünïcode', empty: '' },
    }),
    [param('lr', 0.001), param('layers', 50), param('amp', true), param('arch', 'resnet-50 🚀'), param('tiny', 1e-300), param('big', 2 ** 53 - 1)],
  );
  await store.runs.create(run('trashed', 'vision', { startedAt: T0 + 60, lifecycleStage: 'deleted', deletedBy: 'ada' }), [param('lr', 0.1)]);
  await store.runs.create(run('gone-1', 'old', { lifecycleStage: 'deleted', status: 'scheduled' }), [param('lr', 0.001)]);

  await store.runInputs.add('main', [
    {
      name: 'imagenet',
      digest: 'abc123',
      sourceType: 's3',
      source: '{"uri": "s3://data/imagenet"}',
      schema: '{"mlflow_colspec": []}',
      profile: '{"num_rows": 1281167}',
      tags: { 'mlflow.data.context': 'training' },
    },
    { name: 'imagenet', digest: 'def456', sourceType: 'local', source: '/data/val', tags: {} },
  ]);
  await store.runInputs.add('trashed', [{ name: 'données', digest: 'ééé', sourceType: 'http', source: 'https://example.com/d', tags: {} }]);

  // A history longer than one batch, with NaN and infinities, timestamps of their own, and a
  // point logged twice at one step (the later wins).
  const long: MetricDraft[] = Array.from({ length: 23_456 }, (_, step) => ({
    key: 'loss',
    value: step % 997 === 0 ? NaN : step === 5 ? Infinity : step === 6 ? -Infinity : 1 / (step + 1),
    step,
    timestamp: T0 + step * 37,
  }));
  for (let i = 0; i < long.length; i += 5000) await store.metrics.append('main', long.slice(i, i + 5000));
  await store.metrics.append('main', [{ key: 'loss', value: 0.5, step: 23_000, timestamp: T0 - 1 }]);
  // Sparse steps up to the last one there is, and one-point series.
  await store.metrics.append('main', [
    { key: 'sparse', value: 1, step: 0, timestamp: T0 },
    { key: 'sparse', value: 2, step: 1_000_000_000_000, timestamp: T0 },
    { key: 'sparse', value: 3, step: MAX_STEP, timestamp: T0 },
    { key: 'accuracy 🎯', value: 0.93, step: 7, timestamp: T0 + 3 },
  ]);
  await store.metrics.append('trashed', [{ key: 'nan only', value: NaN, step: 0, timestamp: T0 }]);
  await store.metrics.append('gone-1', [{ key: 'loss', value: 0.25, step: 3, timestamp: T0 }]);

  // Versions of one name (numbered and named), one blob shared by several records across runs
  // and experiments, an empty artifact, a path-like Unicode name with metadata.
  await upload(store, await store.runs.get('main'), 'model', 'weights v1', { uploadedAt: T0 });
  await upload(store, await store.runs.get('main'), 'model', 'weights v2', { uploadedAt: T0 + 1 });
  await upload(store, await store.runs.get('main'), 'model', 'weights v1', { version: 'prod', uploadedAt: T0 + 2, tags: ['release'] });
  await upload(store, await store.runs.get('late-parent'), 'model', 'weights v1', { uploadedAt: T0 + 3 });
  await upload(store, await store.runs.get('gone-1'), 'model', 'weights v1', { uploadedAt: T0 + 4 });
  await upload(store, await store.runs.get('main'), 'empty.txt', '', { type: 'other', contentType: 'text/plain' });
  await upload(store, await store.runs.get('main'), 'résultats/figure 1.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]), {
    type: 'figure',
    contentType: 'image/png',
    metadata: { width: 640, nested: { ok: true, list: [1, 'deux'] } },
  });
  // Numbers that went higher than the versions left: model.pt had versions 1 to 5, and 4 and 5
  // were deleted (with the name in the trashed run); scratch.bin has no version left at all.
  for (let version = 1; version <= 5; version++) {
    await upload(store, await store.runs.get(version <= 3 ? 'main' : 'trashed'), 'model.pt', 'weights v1', { uploadedAt: T0 + 10 + version });
  }
  await upload(store, await store.runs.get('trashed'), 'scratch.bin', 'weights v2');
  await store.artifacts.deleteByName('trashed', 'model.pt');
  await store.artifacts.deleteByName('trashed', 'scratch.bin');
}

/** What every read of the ports gives, for the whole store: equal for the source and its copy. */
export async function everything(store: TestStore) {
  const experiments = await store.experiments.list({ filter: { lifecycle: 'all' }, order: { field: 'name', descending: false }, page: { limit: 100 } });
  const experimentIds = experiments.map((e) => e.id);
  const runs = await store.runs.listAllByExperiments(experimentIds);
  const runIds = runs.map((r) => r.id);
  const summaries = await store.metrics.summaries(runIds);
  const histories = [];
  for (const [runId, series] of summaries) {
    for (const { key } of series) histories.push({ runId, key, points: pointsOf(key, await store.metrics.history(runId, key, {})) });
  }
  const artifacts = await store.artifacts.listForRuns(runIds);
  const blobs = new Map<string, string>();
  for (const artifact of [...artifacts.values()].flat()) blobs.set(artifact.path, (await readAll(await store.blobs.get(artifact.path))).toString('base64'));
  return {
    users: await store.access.listUsers(),
    tokens: await store.access.listTokens(),
    experiments,
    byName: await Promise.all(experiments.map((e) => store.experiments.findByName(e.name))),
    getMany: await store.experiments.getMany(experimentIds),
    runs,
    each: await Promise.all(runIds.map(async (id) => ({ run: await store.runs.get(id), children: await store.runs.listChildren(id) }))),
    parameters: await store.parameters.listForRuns(runIds),
    valueCounts: await Promise.all(experimentIds.map(async (id) => (await store.parameters.valueCounts(id)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))),
    runInputs: await store.runInputs.listForRuns(runIds),
    summaries,
    histories,
    artifacts,
    byExperiment: await Promise.all(experimentIds.map((id) => store.artifacts.listByExperiment(id, {}))),
    newest: await Promise.all(runIds.map((id) => store.artifacts.find(id, 'model'))),
    versionMarks: await Promise.all(experimentIds.map((id) => store.artifacts.versionMarks(id))),
    blobs,
    search: await store.runSearch.search({
      experimentIds,
      filter: parseFilter("metrics.loss < 1 or params.lr = '0.001'"),
      orderBy: parseOrderBy(['metrics.loss desc', 'startedAt']),
      limit: 100,
    }),
  };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** What givenRichStore puts in a store, as a census counts it. */
export const RICH_COUNTS: StoreCounts = {
  experiments: 4,
  runs: 7,
  parameters: 8,
  runInputs: 3,
  metricSeries: 5,
  metricPoints: 23_456 + 3 + 1 + 1 + 1,
  artifacts: 10,
  blobs: 4,
  blobBytes: 'weights v1'.length + 'weights v2'.length + 0 + 6,
  // vision: model, model.pt, scratch.bin, empty.txt, résultats/figure 1.png; old: model.
  versionMarks: 6,
  users: 2,
  tokens: 3,
};
