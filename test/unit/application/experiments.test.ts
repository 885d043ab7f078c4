import { describe, expect, it } from 'vitest';
import type { MetricRepository } from '../../../src/application/ports/metric-repository.js';
import type { ParameterRepository } from '../../../src/application/ports/parameter-repository.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { DownloadArtifact } from '../../../src/application/use-cases/artifacts/download-artifact.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { CreateExperiment } from '../../../src/application/use-cases/experiments/create-experiment.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetExperiment } from '../../../src/application/use-cases/experiments/get-experiment.js';
import { ListExperiments, type ListExperimentsInput } from '../../../src/application/use-cases/experiments/list-experiments.js';
import { RestoreExperiment } from '../../../src/application/use-cases/experiments/restore-experiment.js';
import { UpdateExperiment } from '../../../src/application/use-cases/experiments/update-experiment.js';
import { LogMetrics } from '../../../src/application/use-cases/metrics/log-metrics.js';
import { LogParameters } from '../../../src/application/use-cases/parameters/log-parameters.js';
import { CreateRun } from '../../../src/application/use-cases/runs/create-run.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { anUpload, blobFiles, rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

async function names(input: ListExperimentsInput = {}): Promise<string[]> {
  return (await fathom().use(ListExperiments).execute(input)).experiments.map((e) => e.name);
}

describe('creating an experiment', () => {
  it('returns it active, normalised, created now by anonymous, and it can be read back with no runs', async () => {
    const created = await fathom().use(CreateExperiment).execute({ name: ' baseline ', description: 'first try', tags: ['Vision', 'vision', ' CNN'] }, ANONYMOUS);
    expect(created).toMatchObject({
      name: 'baseline',
      description: 'first try',
      tags: ['vision', 'cnn'],
      createdBy: 'anonymous',
      createdAt: START,
      updatedAt: START,
      lifecycleStage: 'active',
    });
    expect(created.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await fathom().use(GetExperiment).execute(created.id)).toEqual({ ...created, runs: [] });
  });

  it('records who created it when told', async () => {
    expect((await anExperiment(fathom(), { createdBy: 'ada' })).createdBy).toBe('ada');
  });

  it('gives every experiment its own id', async () => {
    const a = await anExperiment(fathom());
    const b = await anExperiment(fathom());
    expect(a.id).not.toBe(b.id);
  });

  it('refuses bad input, listing every bad field, and stores nothing', async () => {
    const error = await rejectionOf(fathom().use(CreateExperiment).execute({ name: '  ', tags: ['ok', 'x'.repeat(65)] }, ANONYMOUS), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/name', '/tags/1']);
    expect(await names({ filter: { lifecycle: 'all' } })).toEqual([]);
  });

  it('refuses a name an active experiment already has, surrounding spaces aside', async () => {
    await anExperiment(fathom(), { name: 'mnist' });
    const error = await rejectionOf(anExperiment(fathom(), { name: '  mnist ' }), AlreadyExistsError);
    expect(error.message).toContain("'mnist'");
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(await names()).toEqual(['mnist']);
  });

  it('may reuse the name of a deleted experiment', async () => {
    const old = await anExperiment(fathom(), { name: 'mnist' });
    await fathom().use(DeleteExperiment).execute(old.id, {}, ANONYMOUS);
    const reused = await anExperiment(fathom(), { name: 'mnist' });
    expect(reused.id).not.toBe(old.id);
    expect(await names({ filter: { lifecycle: 'all' } })).toEqual(['mnist', 'mnist']);
  });
});

describe('reading an experiment', () => {
  it('includes its runs, newest first, with their parameters and latest metrics', async () => {
    const experiment = await anExperiment(fathom());
    const older = await aRun(fathom(), { experimentId: experiment.id, name: 'older', params: { lr: 0.1 } });
    fathom().clock.advance(1_000);
    const newer = await aRun(fathom(), { experimentId: experiment.id, name: 'newer', metrics: [{ key: 'loss', value: 2 }, { key: 'loss', value: 1 }] });
    const view = await fathom().use(GetExperiment).execute(experiment.id);
    expect(view.runs.map((r) => r.id)).toEqual([newer.id, older.id]);
    expect(view.runs[0]?.metrics).toEqual([{ key: 'loss', value: 1, step: 1, timestamp: START + 1_000 }]);
    expect(view.runs[1]?.parameters).toEqual([{ key: 'lr', value: 0.1, type: 'number' }]);
  });

  it('is a NotFoundError for an unknown id', async () => {
    const error = await rejectionOf(fathom().use(GetExperiment).execute('nope'), NotFoundError);
    expect(error).toMatchObject({ entity: 'experiment', id: 'nope', code: 'NOT_FOUND' });
    expect(error.message).toBe("experiment 'nope' does not exist");
  });
});

describe('updating an experiment', () => {
  it('renames, re-describes and re-tags it, bumping updatedAt only', async () => {
    const experiment = await anExperiment(fathom(), { name: 'draft', tags: ['a'] });
    fathom().clock.advance(5_000);
    const updated = await fathom().use(UpdateExperiment).execute(experiment.id, { name: 'final', description: 'done', tags: ['B'] });
    expect(updated).toMatchObject({ name: 'final', description: 'done', tags: ['b'], createdAt: START, updatedAt: START + 5_000, runs: [] });
    expect(await fathom().use(GetExperiment).execute(experiment.id)).toEqual(updated);
  });

  it('refuses a name another active experiment has, and keeps the old one', async () => {
    await anExperiment(fathom(), { name: 'taken' });
    const experiment = await anExperiment(fathom(), { name: 'mine' });
    await rejectionOf(fathom().use(UpdateExperiment).execute(experiment.id, { name: 'taken' }), AlreadyExistsError);
    expect((await fathom().use(GetExperiment).execute(experiment.id)).name).toBe('mine');
  });

  it('may keep its own name while changing other fields', async () => {
    const experiment = await anExperiment(fathom(), { name: 'mine' });
    expect(await fathom().use(UpdateExperiment).execute(experiment.id, { name: 'mine', tags: ['x'] })).toMatchObject({ name: 'mine', tags: ['x'] });
  });

  it('may take the name of a deleted experiment', async () => {
    const gone = await anExperiment(fathom(), { name: 'taken' });
    await fathom().use(DeleteExperiment).execute(gone.id, {}, ANONYMOUS);
    const experiment = await anExperiment(fathom(), { name: 'mine' });
    expect((await fathom().use(UpdateExperiment).execute(experiment.id, { name: 'taken' })).name).toBe('taken');
  });

  it('refuses bad changes with the field path and changes nothing', async () => {
    const experiment = await anExperiment(fathom(), { name: 'mine', tags: ['a'] });
    const error = await rejectionOf(fathom().use(UpdateExperiment).execute(experiment.id, { tags: ['fine', ''] }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/tags/1', message: 'must be 1-64 characters' }]);
    expect((await fathom().use(GetExperiment).execute(experiment.id)).tags).toEqual(['a']);
  });

  it('is a NotFoundError for an unknown id', async () => {
    await rejectionOf(fathom().use(UpdateExperiment).execute('nope', { name: 'x' }), NotFoundError);
  });
});

describe('soft-deleting an experiment', () => {
  it('hides it from the default list but keeps it under lifecycle deleted and all', async () => {
    const kept = await anExperiment(fathom(), { name: 'kept' });
    const gone = await anExperiment(fathom(), { name: 'gone' });
    fathom().clock.advance(1_000);
    await fathom().use(DeleteExperiment).execute(gone.id, {}, ANONYMOUS);
    expect(await names()).toEqual(['kept']);
    expect(await names({ filter: { lifecycle: 'deleted' } })).toEqual(['gone']);
    expect((await names({ filter: { lifecycle: 'all' }, orderBy: 'name' }))).toEqual(['gone', 'kept']);
    expect(await fathom().use(GetExperiment).execute(gone.id)).toMatchObject({ lifecycleStage: 'deleted', updatedAt: START + 1_000 });
    expect((await fathom().use(GetExperiment).execute(kept.id)).lifecycleStage).toBe('active');
  });

  it('moves its runs to deleted, and refuses writes to them and new runs in it', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id, metrics: [{ key: 'loss', value: 1 }] });
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    expect((await fathom().use(GetRun).execute(run.id)).lifecycleStage).toBe('deleted');
    expect((await fathom().use(GetExperiment).execute(experiment.id)).runs.map((r) => r.lifecycleStage)).toEqual(['deleted']);
    await rejectionOf(fathom().use(LogMetrics).execute(run.id, [{ key: 'loss', value: 0.5 }]), ConflictError);
    await rejectionOf(fathom().use(LogParameters).execute(run.id, [{ key: 'lr', value: 0.1 }]), ConflictError);
    await rejectionOf(fathom().use(UpdateRun).execute(run.id, { status: 'completed' }), ConflictError);
    await rejectionOf(fathom().use(UploadArtifact).execute(run.id, anUpload('weights')), ConflictError);
    const error = await rejectionOf(fathom().use(CreateRun).execute(experiment.id, {}, ANONYMOUS), ConflictError);
    expect(error.message).toContain('is deleted');
    const view = await fathom().use(GetRun).execute(run.id);
    expect(view).toMatchObject({ status: 'running', metrics: [{ key: 'loss', value: 1 }], parameters: [], artifacts: [] });
    expect(await blobFiles(fathom())).toEqual([]);
  });

  it('is harmless to repeat', async () => {
    const experiment = await anExperiment(fathom());
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    fathom().clock.advance(1_000);
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    expect(await fathom().use(GetExperiment).execute(experiment.id)).toMatchObject({ lifecycleStage: 'deleted', updatedAt: START });
  });

  it('is a NotFoundError for an unknown id', async () => {
    await rejectionOf(fathom().use(DeleteExperiment).execute('nope', {}, ANONYMOUS), NotFoundError);
  });
});

describe('restoring an experiment', () => {
  it('brings it and its runs back, writable again', async () => {
    const experiment = await anExperiment(fathom(), { name: 'back' });
    const run = await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    fathom().clock.advance(2_000);
    const restored = await fathom().use(RestoreExperiment).execute(experiment.id, ANONYMOUS);
    expect(restored).toMatchObject({ lifecycleStage: 'active', updatedAt: START + 2_000 });
    expect(restored.runs.map((r) => [r.id, r.lifecycleStage])).toEqual([[run.id, 'active']]);
    expect(await names()).toEqual(['back']);
    expect(await fathom().use(LogMetrics).execute(run.id, [{ key: 'loss', value: 1 }])).toEqual({ count: 1 });
  });

  it('is a ConflictError when an active experiment took its name, and it stays deleted', async () => {
    const old = await anExperiment(fathom(), { name: 'mnist' });
    await fathom().use(DeleteExperiment).execute(old.id, {}, ANONYMOUS);
    await anExperiment(fathom(), { name: 'mnist' });
    const error = await rejectionOf(fathom().use(RestoreExperiment).execute(old.id, ANONYMOUS), ConflictError);
    expect(error.message).toContain("'mnist'");
    expect(error.code).toBe('CONFLICT');
    expect((await fathom().use(GetExperiment).execute(old.id)).lifecycleStage).toBe('deleted');
  });

  it('leaves an active experiment as it is', async () => {
    const experiment = await anExperiment(fathom());
    fathom().clock.advance(1_000);
    expect(await fathom().use(RestoreExperiment).execute(experiment.id, ANONYMOUS)).toEqual({ ...experiment, runs: [] });
  });

  it('is a NotFoundError for an unknown id', async () => {
    await rejectionOf(fathom().use(RestoreExperiment).execute('nope', ANONYMOUS), NotFoundError);
  });
});

describe('permanently deleting an experiment', () => {
  it('removes it with its runs, parameters, metrics and artifacts for good', async () => {
    const experiment = await anExperiment(fathom(), { name: 'doomed' });
    const run = await aRun(fathom(), { experimentId: experiment.id, params: { lr: 0.1 }, metrics: [{ key: 'loss', value: 1 }] });
    const artifact = await fathom().use(UploadArtifact).execute(run.id, anUpload('only here'));
    await fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ANONYMOUS);

    await rejectionOf(fathom().use(GetExperiment).execute(experiment.id), NotFoundError);
    await rejectionOf(fathom().use(GetRun).execute(run.id), NotFoundError);
    expect(await names({ filter: { lifecycle: 'all' } })).toEqual([]);
    const metrics = fathom().use<MetricRepository>(TOKENS.Metrics);
    const parameters = fathom().use<ParameterRepository>(TOKENS.Parameters);
    expect((await metrics.summaries([run.id])).get(run.id)).toEqual([]);
    expect((await parameters.listForRuns([run.id])).get(run.id)).toEqual([]);
    expect(await blobFiles(fathom())).not.toContain(artifact.path);
    expect(await blobFiles(fathom())).toEqual([]);
  });

  it("keeps a blob that another experiment's artifact shares", async () => {
    const doomed = await aRun(fathom());
    const survivor = await aRun(fathom());
    const shared = await fathom().use(UploadArtifact).execute(doomed.id, anUpload('same bytes'));
    const own = await fathom().use(UploadArtifact).execute(doomed.id, anUpload('unique bytes', { name: 'other.bin' }));
    const kept = await fathom().use(UploadArtifact).execute(survivor.id, anUpload('same bytes'));
    expect(kept.path).toBe(shared.path);

    await fathom().use(DeleteExperiment).execute(doomed.experimentId, { permanent: true }, ANONYMOUS);

    expect(await blobFiles(fathom())).toEqual([shared.path]);
    expect(own.path).not.toBe(shared.path);
    const download = await fathom().use(DownloadArtifact).execute(survivor.id, 'model.bin');
    const chunks: Buffer[] = [];
    for await (const chunk of await download.open()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('same bytes');
  });

  it('frees the name and works on a soft-deleted experiment too', async () => {
    const experiment = await anExperiment(fathom(), { name: 'again' });
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ANONYMOUS);
    await rejectionOf(fathom().use(GetExperiment).execute(experiment.id), NotFoundError);
    await anExperiment(fathom(), { name: 'again' });
    expect(await names({ filter: { lifecycle: 'all' } })).toEqual(['again']);
  });

  it('leaves other experiments and their runs alone', async () => {
    const doomed = await aRun(fathom(), { params: { a: 1 } });
    const other = await aRun(fathom(), { params: { a: 2 } });
    await fathom().use(DeleteExperiment).execute(doomed.experimentId, { permanent: true }, ANONYMOUS);
    expect((await fathom().use(GetRun).execute(other.id)).parameters).toEqual([{ key: 'a', value: 2, type: 'number' }]);
  });

  it('is a NotFoundError for an unknown id', async () => {
    await rejectionOf(fathom().use(DeleteExperiment).execute('nope', { permanent: true }, ANONYMOUS), NotFoundError);
  });
});

describe('listing experiments', () => {
  it('shows summaries with a run count and without runs, newest first by default', async () => {
    const first = await anExperiment(fathom(), { name: 'first' });
    fathom().clock.advance(1_000);
    const second = await anExperiment(fathom(), { name: 'second' });
    await aRun(fathom(), { experimentId: first.id });
    await aRun(fathom(), { experimentId: first.id });
    const page = await fathom().use(ListExperiments).execute();
    expect(page.experiments.map((e) => [e.id, e.runCount])).toEqual([
      [second.id, 0],
      [first.id, 2],
    ]);
    expect(page.experiments[0]).not.toHaveProperty('runs');
    expect(page.experiments[1]).toEqual({ ...first, runCount: 2 });
    expect(page).not.toHaveProperty('nextPageToken');
  });

  it('filters on having all of some tags, case-insensitively', async () => {
    await anExperiment(fathom(), { name: 'both', tags: ['vision', 'prod'] });
    await anExperiment(fathom(), { name: 'one', tags: ['vision'] });
    await anExperiment(fathom(), { name: 'none' });
    expect(await names({ filter: { allTags: ['Vision', ' PROD '] } })).toEqual(['both']);
    expect(await names({ filter: { allTags: ['vision'] }, orderBy: 'name' })).toEqual(['both', 'one']);
  });

  it('filters on having any of some tags', async () => {
    await anExperiment(fathom(), { name: 'nlp', tags: ['nlp'] });
    await anExperiment(fathom(), { name: 'vision', tags: ['vision'] });
    await anExperiment(fathom(), { name: 'audio', tags: ['audio'] });
    expect(await names({ filter: { anyTags: ['NLP', 'vision'] }, orderBy: 'name' })).toEqual(['nlp', 'vision']);
  });

  it('filters on a case-insensitive name substring', async () => {
    await anExperiment(fathom(), { name: 'ResNet-50 sweep' });
    await anExperiment(fathom(), { name: 'resnet-18' });
    await anExperiment(fathom(), { name: 'bert' });
    expect(await names({ filter: { nameContains: 'RESNET' }, orderBy: 'name' })).toEqual(['ResNet-50 sweep', 'resnet-18']);
  });

  it('filters on the creator', async () => {
    await anExperiment(fathom(), { name: 'ada', createdBy: 'ada' });
    await anExperiment(fathom(), { name: 'alan', createdBy: 'alan' });
    await anExperiment(fathom(), { name: 'nobody' });
    expect(await names({ filter: { createdBy: 'ada' } })).toEqual(['ada']);
    expect(await names({ filter: { createdBy: 'anonymous' } })).toEqual(['nobody']);
  });

  it('filters on creation and update times', async () => {
    const hour = 3_600_000;
    await anExperiment(fathom(), { name: 'early' });
    fathom().clock.advance(2 * hour);
    const middle = await anExperiment(fathom(), { name: 'middle' });
    fathom().clock.advance(2 * hour);
    await anExperiment(fathom(), { name: 'late' });
    fathom().clock.advance(2 * hour);
    await fathom().use(UpdateExperiment).execute(middle.id, { description: 'touched' });

    expect(await names({ filter: { createdAfter: START + hour }, orderBy: 'name' })).toEqual(['late', 'middle']);
    expect(await names({ filter: { createdBefore: START + 3 * hour }, orderBy: 'name' })).toEqual(['early', 'middle']);
    expect(await names({ filter: { createdAfter: START + hour, createdBefore: START + 3 * hour } })).toEqual(['middle']);
    expect(await names({ filter: { updatedAfter: START + 5 * hour } })).toEqual(['middle']);
    expect(await names({ filter: { updatedBefore: START + 5 * hour }, orderBy: 'name' })).toEqual(['early', 'late']);
  });

  it('combines filters: every one must hold', async () => {
    await anExperiment(fathom(), { name: 'resnet a', tags: ['vision'], createdBy: 'ada' });
    await anExperiment(fathom(), { name: 'resnet b', tags: ['vision'], createdBy: 'alan' });
    await anExperiment(fathom(), { name: 'bert', tags: ['vision'], createdBy: 'ada' });
    expect(await names({ filter: { nameContains: 'resnet', createdBy: 'ada', anyTags: ['vision'] } })).toEqual(['resnet a']);
  });

  describe('in order', () => {
    // Names, creation and update times each order the three differently.
    async function threeExperiments(): Promise<void> {
      const b = await anExperiment(fathom(), { name: 'bravo' });
      fathom().clock.advance(1_000);
      await anExperiment(fathom(), { name: 'charlie' });
      fathom().clock.advance(1_000);
      await anExperiment(fathom(), { name: 'alpha' });
      fathom().clock.advance(1_000);
      await fathom().use(UpdateExperiment).execute(b.id, { description: 'touched last' });
    }

    it.each([
      ['createdAt', ['bravo', 'charlie', 'alpha']],
      ['-createdAt', ['alpha', 'charlie', 'bravo']],
      ['updatedAt', ['charlie', 'alpha', 'bravo']],
      ['-updatedAt', ['bravo', 'alpha', 'charlie']],
      ['name', ['alpha', 'bravo', 'charlie']],
      ['-name', ['charlie', 'bravo', 'alpha']],
    ])('orders by %s', async (orderBy, expected) => {
      await threeExperiments();
      expect(await names({ orderBy })).toEqual(expected);
    });

    it('defaults to -createdAt', async () => {
      await threeExperiments();
      expect(await names()).toEqual(['alpha', 'charlie', 'bravo']);
    });

    it.each([['size'], ['-'], ['+name'], ['--name']])('refuses orderBy %j', async (orderBy) => {
      const error = await rejectionOf(fathom().use(ListExperiments).execute({ orderBy }), InvalidArgumentError);
      expect(error.issues).toEqual([{ path: '/orderBy', message: 'must be one of createdAt, updatedAt, name, optionally prefixed by -' }]);
    });
  });

  it('refuses an unknown lifecycle', async () => {
    const error = await rejectionOf(
      fathom().use(ListExperiments).execute({ filter: { lifecycle: 'archived' as never } }),
      InvalidArgumentError,
    );
    expect(error.issues).toEqual([{ path: '/lifecycle', message: 'must be active, deleted or all' }]);
  });
});
