import { describe, expect, it } from 'vitest';
import type { MetricRepository } from '../../../src/application/ports/metric-repository.js';
import type { ParameterRepository } from '../../../src/application/ports/parameter-repository.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { ListExperimentArtifacts } from '../../../src/application/use-cases/artifacts/list-experiment-artifacts.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { ListExperiments } from '../../../src/application/use-cases/experiments/list-experiments.js';
import { CreateRun } from '../../../src/application/use-cases/runs/create-run.js';
import { DeleteRun } from '../../../src/application/use-cases/runs/delete-run.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { ListChildRuns } from '../../../src/application/use-cases/runs/list-child-runs.js';
import { ListRuns } from '../../../src/application/use-cases/runs/list-runs.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { anUpload, blobFiles, rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

describe('starting a run', () => {
  it('returns it running, started now, with its parameters typed and no end', async () => {
    const experiment = await anExperiment(fathom());
    const run = await fathom()
      .use(CreateRun)
      .execute(experiment.id, { name: 'trial 1', tags: { gpu: 'a100' }, parameters: [{ key: 'optimizer', value: 'adam' }, { key: 'amp', value: true }] }, ANONYMOUS);
    expect(run).toEqual({
      id: expect.any(String),
      experimentId: experiment.id,
      name: 'trial 1',
      status: 'running',
      tags: { gpu: 'a100' },
      createdBy: 'anonymous',
      startedAt: START,
      lifecycleStage: 'active',
      parameters: [
        { key: 'amp', value: true, type: 'boolean' },
        { key: 'optimizer', value: 'adam', type: 'string' },
      ],
      metrics: [],
      artifacts: [],
      inputs: [],
    });
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
  });

  it('keeps a given start time', async () => {
    const run = await aRun(fathom(), { startedAt: START - 60_000 });
    expect(run.startedAt).toBe(START - 60_000);
  });

  it('is a NotFoundError in an unknown experiment', async () => {
    const error = await rejectionOf(fathom().use(CreateRun).execute('nope', {}, ANONYMOUS), NotFoundError);
    expect(error).toMatchObject({ entity: 'experiment', id: 'nope' });
  });

  it('refuses bad input, naming every field, and starts nothing', async () => {
    const experiment = await anExperiment(fathom());
    const error = await rejectionOf(
      fathom().use(CreateRun).execute(experiment.id, { name: 'n'.repeat(257), tags: { 'bad*key': 'v' }, parameters: [{ key: 'lr', value: null }] }, ANONYMOUS),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual(['/name', '/tags/bad*key', '/parameters/0/value']);
    expect((await fathom().use(ListRuns).execute(experiment.id)).runs).toEqual([]);
  });

  it('refuses a parent that names no run, at /parentRunId, and starts nothing', async () => {
    const experiment = await anExperiment(fathom());
    const error = await rejectionOf(fathom().use(CreateRun).execute(experiment.id, { parentRunId: 'ghost' }, ANONYMOUS), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/parentRunId', message: "names no existing run ('ghost')" }]);
    expect((await fathom().use(ListRuns).execute(experiment.id)).runs).toEqual([]);
  });
});

describe('child runs', () => {
  it('name their parent and are listed under it, newest first, without grandchildren', async () => {
    const experiment = await anExperiment(fathom());
    const parent = await aRun(fathom(), { experimentId: experiment.id, name: 'sweep' });
    const first = await aRun(fathom(), { experimentId: experiment.id, parentRunId: parent.id });
    fathom().clock.advance(1_000);
    const second = await aRun(fathom(), { experimentId: experiment.id, parentRunId: parent.id });
    await aRun(fathom(), { experimentId: experiment.id, parentRunId: first.id });
    await aRun(fathom(), { experimentId: experiment.id });

    expect(first.parentRunId).toBe(parent.id);
    const children = await fathom().use(ListChildRuns).execute(parent.id);
    expect(children.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(await fathom().use(ListChildRuns).execute(second.id)).toEqual([]);
  });

  it('is a NotFoundError for an unknown parent', async () => {
    await rejectionOf(fathom().use(ListChildRuns).execute('nope'), NotFoundError);
  });
});

describe("listing an experiment's runs", () => {
  it('shows them newest first with their parameters, latest metrics and artifacts', async () => {
    const experiment = await anExperiment(fathom());
    const older = await aRun(fathom(), { experimentId: experiment.id, params: { lr: 0.1 } });
    fathom().clock.advance(1_000);
    const newer = await aRun(fathom(), { experimentId: experiment.id, metrics: [{ key: 'acc', value: 0.5 }, { key: 'acc', value: 0.75 }] });
    await aRun(fathom());
    const page = await fathom().use(ListRuns).execute(experiment.id);
    expect(page.runs.map((r) => r.id)).toEqual([newer.id, older.id]);
    expect(page.runs[0]?.metrics).toEqual([{ key: 'acc', value: 0.75, step: 1, timestamp: START + 1_000 }]);
    expect(page.runs[1]?.parameters).toEqual([{ key: 'lr', value: 0.1, type: 'number' }]);
    expect(page).not.toHaveProperty('nextPageToken');
  });

  it('orders by start time, not by creation', async () => {
    const experiment = await anExperiment(fathom());
    const backdated = await aRun(fathom(), { experimentId: experiment.id, startedAt: START - 10_000 });
    const now = await aRun(fathom(), { experimentId: experiment.id });
    expect((await fathom().use(ListRuns).execute(experiment.id)).runs.map((r) => r.id)).toEqual([now.id, backdated.id]);
  });

  it('is a NotFoundError for an unknown experiment', async () => {
    await rejectionOf(fathom().use(ListRuns).execute('nope'), NotFoundError);
  });

  it('counts in the experiment summaries', async () => {
    const experiment = await anExperiment(fathom());
    await aRun(fathom(), { experimentId: experiment.id });
    const [summary] = (await fathom().use(ListExperiments).execute()).experiments;
    expect(summary?.runCount).toBe(1);
  });
});

describe('finishing a run', () => {
  it('sets completedAt and a duration in seconds when it completes', async () => {
    const run = await aRun(fathom());
    fathom().clock.advance(90_500);
    const done = await fathom().use(UpdateRun).execute(run.id, { status: 'completed' });
    expect(done).toMatchObject({ status: 'completed', completedAt: START + 90_500, duration: 90.5 });
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(done);
  });

  it('sets them when it fails too', async () => {
    const run = await aRun(fathom());
    fathom().clock.advance(250);
    expect(await fathom().use(UpdateRun).execute(run.id, { status: 'failed' })).toMatchObject({ status: 'failed', duration: 0.25 });
  });

  it.each([
    ['completed', 'running'],
    ['completed', 'failed'],
    ['failed', 'running'],
    ['failed', 'completed'],
  ] as const)('never moves a %s run to %s, and leaves it as it was', async (from, to) => {
    const run = await aRun(fathom());
    fathom().clock.advance(1_000);
    const finished = await fathom().use(UpdateRun).execute(run.id, { status: from });
    fathom().clock.advance(1_000);
    const error = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { status: to, name: 'renamed' }), ConflictError);
    expect(error.message).toContain('never reopened');
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(finished);
  });

  it('still renames and re-tags a finished run', async () => {
    const run = await aRun(fathom(), { tags: { a: '1', b: '2' } });
    await fathom().use(UpdateRun).execute(run.id, { status: 'completed' });
    const renamed = await fathom().use(UpdateRun).execute(run.id, { name: 'best', tags: { a: null, c: '3' } });
    expect(renamed).toMatchObject({ name: 'best', tags: { b: '2', c: '3' }, status: 'completed' });
  });

  it('refuses bad changes by field', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { name: 'bad\u0000', tags: { '': 'x' } }), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/name', '/tags/']);
    expect((await fathom().use(GetRun).execute(run.id)).status).toBe('running');
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(fathom().use(UpdateRun).execute('nope', { status: 'completed' }), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'nope' });
  });
});

describe('deleting a run', () => {
  it('removes it with its metrics, parameters and artifact records, and frees its blobs', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id, params: { lr: 0.1 }, metrics: [{ key: 'loss', value: 1 }] });
    const other = await aRun(fathom(), { experimentId: experiment.id, params: { lr: 0.2 } });
    await fathom().use(UploadArtifact).execute(run.id, anUpload('weights'));

    await fathom().use(DeleteRun).execute(run.id, ANONYMOUS);

    await rejectionOf(fathom().use(GetRun).execute(run.id), NotFoundError);
    expect((await fathom().use(ListRuns).execute(experiment.id)).runs.map((r) => r.id)).toEqual([other.id]);
    expect((await fathom().use<MetricRepository>(TOKENS.Metrics).summaries([run.id])).get(run.id)).toEqual([]);
    expect((await fathom().use<ParameterRepository>(TOKENS.Parameters).listForRuns([run.id])).get(run.id)).toEqual([]);
    expect(await fathom().use(ListExperimentArtifacts).execute(experiment.id)).toEqual([]);
    expect(await blobFiles(fathom())).toEqual([]);
    expect((await fathom().use(GetRun).execute(other.id)).parameters).toEqual([{ key: 'lr', value: 0.2, type: 'number' }]);
  });

  it("keeps a blob another run's artifact shares", async () => {
    const run = await aRun(fathom());
    const other = await aRun(fathom());
    const artifact = await fathom().use(UploadArtifact).execute(run.id, anUpload('shared'));
    await fathom().use(UploadArtifact).execute(other.id, anUpload('shared'));
    await fathom().use(DeleteRun).execute(run.id, ANONYMOUS);
    expect(await blobFiles(fathom())).toEqual([artifact.path]);
  });

  it('detaches its children, which live on', async () => {
    const experiment = await anExperiment(fathom());
    const parent = await aRun(fathom(), { experimentId: experiment.id });
    const child = await aRun(fathom(), { experimentId: experiment.id, parentRunId: parent.id });
    await fathom().use(DeleteRun).execute(parent.id, ANONYMOUS);
    const orphan = await fathom().use(GetRun).execute(child.id);
    expect(orphan).not.toHaveProperty('parentRunId');
    expect(orphan.id).toBe(child.id);
  });

  it('is a NotFoundError for an unknown run', async () => {
    await rejectionOf(fathom().use(DeleteRun).execute('nope', ANONYMOUS), NotFoundError);
  });
});

describe('reading a run', () => {
  it('is a NotFoundError for an unknown id', async () => {
    const error = await rejectionOf(fathom().use(GetRun).execute('nope'), NotFoundError);
    expect(error.message).toBe("run 'nope' does not exist");
  });
});
