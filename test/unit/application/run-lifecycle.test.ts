import { describe, expect, it } from 'vitest';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetExperiment } from '../../../src/application/use-cases/experiments/get-experiment.js';
import { RestoreExperiment } from '../../../src/application/use-cases/experiments/restore-experiment.js';
import { GetMetricSummaries } from '../../../src/application/use-cases/metrics/get-metric-summaries.js';
import { LogMetrics } from '../../../src/application/use-cases/metrics/log-metrics.js';
import { LogParameters } from '../../../src/application/use-cases/parameters/log-parameters.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { ListRuns } from '../../../src/application/use-cases/runs/list-runs.js';
import { LogRunBatch } from '../../../src/application/use-cases/runs/log-run-batch.js';
import { LogRunInputs } from '../../../src/application/use-cases/runs/log-run-inputs.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../src/application/use-cases/runs/restore-run.js';
import { SearchRuns } from '../../../src/application/use-cases/runs/search-runs.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

describe('run statuses through UpdateRun', () => {
  it('a run may wait as scheduled and then be killed, which ends it now', async () => {
    const run = await aRun(fathom());
    const scheduled = await fathom().use(UpdateRun).execute(run.id, { status: 'scheduled' });
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled).not.toHaveProperty('completedAt');
    fathom().clock.advance(2_500);
    const killed = await fathom().use(UpdateRun).execute(run.id, { status: 'killed' });
    expect(killed).toMatchObject({ status: 'killed', completedAt: START + 2_500, duration: 2.5 });
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(killed);
  });

  it('refuses to move a finished run without reopen (ConflictError) and stores nothing', async () => {
    const run = await aRun(fathom());
    const killed = await fathom().use(UpdateRun).execute(run.id, { status: 'killed' });
    for (const status of ['running', 'scheduled', 'completed', 'failed'] as const) {
      const error = await rejectionOf(fathom().use(UpdateRun).execute(run.id, { status, name: 'renamed' }), ConflictError);
      expect(error.message).toContain('is killed');
    }
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(killed);
  });

  it('with reopen, takes a finished run back to running: the stored run has no completedAt or duration', async () => {
    const run = await aRun(fathom());
    fathom().clock.advance(1_000);
    await fathom().use(UpdateRun).execute(run.id, { status: 'completed' });
    const resumed = await fathom().use(UpdateRun).execute(run.id, { status: 'running', reopen: true });
    expect(resumed.status).toBe('running');
    expect(resumed).not.toHaveProperty('completedAt');
    expect(resumed).not.toHaveProperty('duration');
    const stored = await fathom().use(GetRun).execute(run.id);
    expect(stored).toEqual(resumed);
    expect(stored).not.toHaveProperty('completedAt');
    // Search sees the reopened run as running, without an end.
    const { runs } = await fathom().use(SearchRuns).execute({ filter: `id = '${run.id}' and status = 'running'` });
    expect(runs.map((r) => r.id)).toEqual([run.id]);
    expect((await fathom().use(SearchRuns).execute({ filter: `id = '${run.id}' and completedAt > 0` })).runs).toEqual([]);
  });

  it('with reopen, moves a finished run to another finished status, ending it now or when told', async () => {
    const run = await aRun(fathom());
    fathom().clock.advance(1_000);
    await fathom().use(UpdateRun).execute(run.id, { status: 'failed' });
    fathom().clock.advance(9_000);
    expect(await fathom().use(UpdateRun).execute(run.id, { status: 'completed', reopen: true })).toMatchObject({ status: 'completed', completedAt: START + 10_000, duration: 10 });
    const told = await fathom().use(UpdateRun).execute(run.id, { status: 'killed', reopen: true, completedAt: START + 4_000 });
    expect(told).toMatchObject({ status: 'killed', completedAt: START + 4_000, duration: 4 });
    await rejectionOf(fathom().use(UpdateRun).execute(run.id, { status: 'completed', reopen: true, completedAt: START - 1 }), InvalidArgumentError);
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(told);
  });
});

describe('MarkRunDeleted (the trash)', () => {
  it('keeps the run, readable with everything it holds, as deleted; doing it again changes nothing', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id, name: 'trashed', params: { lr: 0.1 }, metrics: [{ key: 'loss', value: 1 }] });
    const trashed = await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    expect(trashed).toMatchObject({ id: run.id, name: 'trashed', status: 'running', lifecycleStage: 'deleted' });

    const stored = await fathom().use(GetRun).execute(run.id);
    expect(stored).toEqual({ ...run, lifecycleStage: 'deleted', deletedBy: 'anonymous', metrics: stored.metrics });
    expect(stored.metrics.map((m) => [m.key, m.value])).toEqual([['loss', 1]]);
    expect((await fathom().use(GetExperiment).execute(experiment.id)).lifecycleStage).toBe('active');

    expect(await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS)).toEqual(trashed);
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(stored);
  });

  it('leaves the run out of a search over every experiment, but not of its own experiment', async () => {
    const experiment = await anExperiment(fathom());
    const kept = await aRun(fathom(), { experimentId: experiment.id });
    const trashed = await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(MarkRunDeleted).execute(trashed.id, ANONYMOUS);
    expect((await fathom().use(SearchRuns).execute({})).runs.map((r) => r.id)).toEqual([kept.id]);
    const listed = (await fathom().use(ListRuns).execute(experiment.id)).runs;
    expect(listed.map((r) => r.id).sort()).toEqual([kept.id, trashed.id].sort());
    const deleted = await fathom().use(SearchRuns).execute({ experimentIds: [experiment.id], filter: "lifecycleStage = 'deleted'" });
    expect(deleted.runs.map((r) => r.id)).toEqual([trashed.id]);
  });

  it('refuses every write to a trashed run (ConflictError) and stores none of it', async () => {
    const run = await aRun(fathom(), { params: { lr: 0.1 }, metrics: [{ key: 'loss', value: 1 }] });
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    const before = await fathom().use(GetRun).execute(run.id);

    await rejectionOf(fathom().use(LogMetrics).execute(run.id, [{ key: 'loss', value: 2 }]), ConflictError);
    await rejectionOf(fathom().use(LogParameters).execute(run.id, [{ key: 'seed', value: 1 }]), ConflictError);
    await rejectionOf(fathom().use(UpdateRun).execute(run.id, { status: 'completed' }), ConflictError);
    await rejectionOf(fathom().use(UpdateRun).execute(run.id, { tags: { a: 'b' } }), ConflictError);
    await rejectionOf(fathom().use(LogRunBatch).execute(run.id, { tags: { a: 'b' }, metrics: [{ key: 'loss', value: 3 }] }), ConflictError);
    await rejectionOf(fathom().use(LogRunInputs).execute(run.id, [{ name: 'd', digest: 'x', sourceType: 'local', source: '{}' }]), ConflictError);

    expect(await fathom().use(GetRun).execute(run.id)).toEqual(before);
    expect((await fathom().use(GetMetricSummaries).execute(run.id)).map((s) => s.count)).toEqual([1]);
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(fathom().use(MarkRunDeleted).execute('ghost', ANONYMOUS), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'ghost' });
  });
});

describe('RestoreRun', () => {
  it('brings a trashed run back: active, and logging works again', async () => {
    const run = await aRun(fathom(), { name: 'phoenix' });
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    await rejectionOf(fathom().use(LogMetrics).execute(run.id, [{ key: 'loss', value: 1 }]), ConflictError);

    const restored = await fathom().use(RestoreRun).execute(run.id, ANONYMOUS);
    expect(restored).toMatchObject({ id: run.id, name: 'phoenix', lifecycleStage: 'active' });
    await fathom().use(LogMetrics).execute(run.id, [{ key: 'loss', value: 1 }]);
    await fathom().use(LogParameters).execute(run.id, [{ key: 'lr', value: 0.1 }]);
    const stored = await fathom().use(GetRun).execute(run.id);
    expect(stored).toMatchObject({ lifecycleStage: 'active', parameters: [{ key: 'lr', value: 0.1, type: 'number' }] });
    expect(stored.metrics.map((m) => [m.key, m.value])).toEqual([['loss', 1]]);
    expect((await fathom().use(SearchRuns).execute({})).runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('restoring an active run changes nothing', async () => {
    const run = await aRun(fathom());
    const { parameters: _p, metrics: _m, artifacts: _a, inputs: _i, ...record } = run;
    expect(await fathom().use(RestoreRun).execute(run.id, ANONYMOUS)).toEqual(record);
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
  });

  it('is refused while the experiment is deleted (ConflictError), and the run stays deleted', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);

    const error = await rejectionOf(fathom().use(RestoreRun).execute(run.id, ANONYMOUS), ConflictError);
    expect(error.message).toContain('restore the experiment');
    expect((await fathom().use(GetRun).execute(run.id)).lifecycleStage).toBe('deleted');

    // A run deleted with its experiment (never trashed on its own) is refused the same way.
    const other = await aRun(fathom(), { experimentId: (await anExperiment(fathom())).id });
    await fathom().use(DeleteExperiment).execute(other.experimentId, {}, ANONYMOUS);
    await rejectionOf(fathom().use(RestoreRun).execute(other.id, ANONYMOUS), ConflictError);
  });

  it('restoring the experiment brings back all its runs, one trashed before too', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    await fathom().use(RestoreExperiment).execute(experiment.id, ANONYMOUS);
    expect((await fathom().use(GetRun).execute(run.id)).lifecycleStage).toBe('active');
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(fathom().use(RestoreRun).execute('ghost', ANONYMOUS), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'ghost' });
  });
});
