import { describe, expect, it } from 'vitest';
import { CompareExperiments } from '../../../src/application/use-cases/comparison/compare-experiments.js';
import { CompareRuns } from '../../../src/application/use-cases/comparison/compare-runs.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../src/application/use-cases/runs/restore-run.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

/** Two experiments: a sweep of two runs, and a baseline of one. */
async function twoExperiments() {
  const sweep = await anExperiment(fathom(), { name: 'sweep' });
  const baseline = await anExperiment(fathom(), { name: 'baseline' });
  const fast = await aRun(fathom(), {
    experimentId: sweep.id,
    name: 'fast',
    params: { lr: 0.1, optimizer: 'adam' },
    metrics: [{ key: 'loss', value: 0.9 }, { key: 'loss', value: 0.3 }, { key: 'accuracy', value: 0.81 }],
  });
  fathom().clock.advance(1_000);
  const slow = await aRun(fathom(), {
    experimentId: sweep.id,
    name: 'slow',
    params: { lr: 0.01, optimizer: 'adam' },
    metrics: [{ key: 'loss', value: 0.2 }, { key: 'accuracy', value: 0.86 }],
  });
  fathom().clock.advance(1_000);
  const base = await aRun(fathom(), { experimentId: baseline.id, params: { optimizer: 'sgd' }, metrics: [{ key: 'loss', value: 0.5 }] });
  await fathom().use(UpdateRun).execute(base.id, { status: 'completed' });
  return { sweep, baseline, fast, slow, base };
}

describe('comparing experiments', () => {
  it('lines up every run with its parameters and latest metrics, diffs parameters and ranks metrics', async () => {
    const { sweep, baseline, fast, slow, base } = await twoExperiments();
    const comparison = await fathom().use(CompareExperiments).execute({ experimentIds: [sweep.id, baseline.id] });

    expect(comparison.experimentIds).toEqual([sweep.id, baseline.id]);
    expect(comparison.runs).toEqual([
      {
        runId: slow.id,
        runName: 'slow',
        experimentId: sweep.id,
        experimentName: 'sweep',
        status: 'running',
        parameters: { lr: 0.01, optimizer: 'adam' },
        metrics: { accuracy: 0.86, loss: 0.2 },
      },
      {
        runId: fast.id,
        runName: 'fast',
        experimentId: sweep.id,
        experimentName: 'sweep',
        status: 'running',
        parameters: { lr: 0.1, optimizer: 'adam' },
        metrics: { accuracy: 0.81, loss: 0.3 },
      },
      { runId: base.id, experimentId: baseline.id, experimentName: 'baseline', status: 'completed', parameters: { optimizer: 'sgd' }, metrics: { loss: 0.5 } },
    ]);
    expect(comparison.parameterDiff).toEqual([
      { key: 'lr', values: { [slow.id]: 0.01, [fast.id]: 0.1, [base.id]: null }, isDifferent: true },
      { key: 'optimizer', values: { [slow.id]: 'adam', [fast.id]: 'adam', [base.id]: 'sgd' }, isDifferent: true },
    ]);
    expect(comparison.metricComparison).toEqual([
      {
        metricKey: 'accuracy',
        goal: 'max',
        values: { [slow.id]: 0.86, [fast.id]: 0.81 },
        best: { runId: slow.id, experimentId: sweep.id, value: 0.86 },
        worst: { runId: fast.id, experimentId: sweep.id, value: 0.81 },
      },
      {
        metricKey: 'loss',
        goal: 'min',
        values: { [slow.id]: 0.2, [fast.id]: 0.3, [base.id]: 0.5 },
        best: { runId: slow.id, experimentId: sweep.id, value: 0.2 },
        worst: { runId: base.id, experimentId: baseline.id, value: 0.5 },
      },
    ]);
  });

  it('can be restricted to some of their runs', async () => {
    const { sweep, baseline, fast, base } = await twoExperiments();
    const comparison = await fathom().use(CompareExperiments).execute({ experimentIds: [sweep.id, baseline.id], runIds: [base.id, fast.id] });
    expect(comparison.runs.map((r) => r.runId)).toEqual([fast.id, base.id]);
    expect(comparison.metricComparison.find((m) => m.metricKey === 'loss')?.best?.runId).toBe(fast.id);
  });

  it('refuses runIds outside the compared experiments, naming them', async () => {
    const { sweep, fast, base } = await twoExperiments();
    const stranger = await aRun(fathom());
    const error = await rejectionOf(
      fathom().use(CompareExperiments).execute({ experimentIds: [sweep.id], runIds: [fast.id, base.id, stranger.id] }),
      InvalidArgumentError,
    );
    expect(error.issues).toEqual([{ path: '/runIds', message: `not runs of the compared experiments: ${base.id}, ${stranger.id}` }]);
  });

  it("leaves a run in the trash out of its experiment's comparison, and takes it back once restored", async () => {
    const { sweep, baseline, fast, slow, base } = await twoExperiments();
    const compare = () => fathom().use(CompareExperiments).execute({ experimentIds: [sweep.id, baseline.id] });
    const everything = await compare();

    await fathom().use(MarkRunDeleted).execute(slow.id, ANONYMOUS);
    const withoutSlow = await compare();
    expect(withoutSlow.runs.map((r) => r.runId)).toEqual([fast.id, base.id]);
    expect(withoutSlow.parameterDiff).toEqual([
      { key: 'lr', values: { [fast.id]: 0.1, [base.id]: null }, isDifferent: true },
      { key: 'optimizer', values: { [fast.id]: 'adam', [base.id]: 'sgd' }, isDifferent: true },
    ]);
    // slow held the best loss and accuracy; without it, fast does.
    expect(withoutSlow.metricComparison).toEqual([
      {
        metricKey: 'accuracy',
        goal: 'max',
        values: { [fast.id]: 0.81 },
        best: { runId: fast.id, experimentId: sweep.id, value: 0.81 },
        worst: { runId: fast.id, experimentId: sweep.id, value: 0.81 },
      },
      {
        metricKey: 'loss',
        goal: 'min',
        values: { [fast.id]: 0.3, [base.id]: 0.5 },
        best: { runId: fast.id, experimentId: sweep.id, value: 0.3 },
        worst: { runId: base.id, experimentId: baseline.id, value: 0.5 },
      },
    ]);

    await fathom().use(RestoreRun).execute(slow.id, ANONYMOUS);
    expect(await compare()).toEqual(everything);
  });

  it('compares every run of a deleted experiment, those trashed before it included', async () => {
    const { sweep, fast, slow } = await twoExperiments();
    await fathom().use(MarkRunDeleted).execute(fast.id, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(sweep.id, {}, ANONYMOUS);
    const comparison = await fathom().use(CompareExperiments).execute({ experimentIds: [sweep.id] });
    expect(comparison.runs.map((r) => r.runId)).toEqual([slow.id, fast.id]);
    expect(comparison.metricComparison.find((m) => m.metricKey === 'loss')?.values).toEqual({ [slow.id]: 0.2, [fast.id]: 0.3 });
  });

  it('compares a run in the trash when runIds names it', async () => {
    const { sweep, fast, slow } = await twoExperiments();
    await fathom().use(MarkRunDeleted).execute(slow.id, ANONYMOUS);
    const comparison = await fathom().use(CompareExperiments).execute({ experimentIds: [sweep.id], runIds: [slow.id, fast.id] });
    expect(comparison.runs.map((r) => r.runId)).toEqual([slow.id, fast.id]);
    expect(comparison.metricComparison.find((m) => m.metricKey === 'loss')?.best?.runId).toBe(slow.id);
  });

  it('takes goals that override the inferred ones', async () => {
    const { sweep, baseline, base } = await twoExperiments();
    const comparison = await fathom()
      .use(CompareExperiments)
      .execute({ experimentIds: [sweep.id, baseline.id], goals: { loss: 'max', accuracy: 'min' } });
    const loss = comparison.metricComparison.find((m) => m.metricKey === 'loss');
    expect(loss).toMatchObject({ goal: 'max', best: { runId: base.id, value: 0.5 } });
    expect(comparison.metricComparison.find((m) => m.metricKey === 'accuracy')).toMatchObject({ goal: 'min', best: { value: 0.81 } });
  });

  it('refuses goals other than min and max', async () => {
    const experiment = await anExperiment(fathom());
    const error = await rejectionOf(
      fathom().use(CompareExperiments).execute({ experimentIds: [experiment.id], goals: { loss: 'lowest' as never } }),
      InvalidArgumentError,
    );
    expect(error.issues).toEqual([{ path: '/goals/loss', message: 'must be min or max' }]);
  });

  it('never ranks a NaN latest value best', async () => {
    const experiment = await anExperiment(fathom());
    const diverged = await aRun(fathom(), { experimentId: experiment.id, metrics: [{ key: 'loss', value: 0.1 }, { key: 'loss', value: 'NaN' }] });
    const fine = await aRun(fathom(), { experimentId: experiment.id, metrics: [{ key: 'loss', value: 0.7 }] });
    const [loss] = (await fathom().use(CompareExperiments).execute({ experimentIds: [experiment.id] })).metricComparison;
    expect(loss?.best?.runId).toBe(fine.id);
    expect(loss?.worst?.runId).toBe(diverged.id);
    expect(loss?.values[diverged.id]).toBeNaN();
  });

  it('gives an experiment without runs an empty comparison', async () => {
    const experiment = await anExperiment(fathom());
    expect(await fathom().use(CompareExperiments).execute({ experimentIds: [experiment.id] })).toEqual({
      experimentIds: [experiment.id],
      runs: [],
      parameterDiff: [],
      metricComparison: [],
    });
  });

  it('counts a repeated id once', async () => {
    const experiment = await anExperiment(fathom());
    expect((await fathom().use(CompareExperiments).execute({ experimentIds: [experiment.id, experiment.id] })).experimentIds).toEqual([experiment.id]);
  });

  it('is a NotFoundError naming an unknown experiment', async () => {
    const experiment = await anExperiment(fathom());
    const error = await rejectionOf(fathom().use(CompareExperiments).execute({ experimentIds: [experiment.id, 'nope'] }), NotFoundError);
    expect(error).toMatchObject({ entity: 'experiment', id: 'nope' });
  });

  it('takes 1 to 50 experiment ids', async () => {
    const none = await rejectionOf(fathom().use(CompareExperiments).execute({ experimentIds: [] }), InvalidArgumentError);
    expect(none.issues).toEqual([{ path: '/ids', message: 'must name 1 to 50 distinct ids' }]);
    const blank = await rejectionOf(fathom().use(CompareExperiments).execute({ experimentIds: [' '] }), InvalidArgumentError);
    expect(blank.issues[0]?.path).toBe('/ids');
    const many = Array.from({ length: 51 }, (_, i) => `e${i}`);
    expect((await rejectionOf(fathom().use(CompareExperiments).execute({ experimentIds: many }), InvalidArgumentError)).issues[0]?.path).toBe('/ids');
  });
});

describe('comparing hand-picked runs', () => {
  it('compares runs from any experiments, in the order given', async () => {
    const { sweep, baseline, fast, slow, base } = await twoExperiments();
    const comparison = await fathom().use(CompareRuns).execute({ runIds: [base.id, fast.id] });
    expect(comparison.experimentIds).toEqual([baseline.id, sweep.id]);
    expect(comparison.runs.map((r) => [r.runId, r.experimentName])).toEqual([
      [base.id, 'baseline'],
      [fast.id, 'sweep'],
    ]);
    expect(comparison.runs.map((r) => r.runId)).not.toContain(slow.id);
    expect(comparison.parameterDiff).toEqual([
      { key: 'lr', values: { [base.id]: null, [fast.id]: 0.1 }, isDifferent: true },
      { key: 'optimizer', values: { [base.id]: 'sgd', [fast.id]: 'adam' }, isDifferent: true },
    ]);
    expect(comparison.metricComparison.map((m) => [m.metricKey, m.best?.runId, m.worst?.runId])).toEqual([
      ['accuracy', fast.id, fast.id],
      ['loss', fast.id, base.id],
    ]);
  });

  it('compares a run in the trash it is asked for', async () => {
    const { fast, slow } = await twoExperiments();
    await fathom().use(MarkRunDeleted).execute(slow.id, ANONYMOUS);
    const comparison = await fathom().use(CompareRuns).execute({ runIds: [fast.id, slow.id] });
    expect(comparison.runs.map((r) => r.runId)).toEqual([fast.id, slow.id]);
    expect(comparison.parameterDiff.find((d) => d.key === 'lr')?.values).toEqual({ [fast.id]: 0.1, [slow.id]: 0.01 });
  });

  it('takes goals', async () => {
    const { fast, slow } = await twoExperiments();
    const comparison = await fathom().use(CompareRuns).execute({ runIds: [fast.id, slow.id], goals: { loss: 'max' } });
    expect(comparison.metricComparison.find((m) => m.metricKey === 'loss')).toMatchObject({ goal: 'max', best: { runId: fast.id } });
  });

  it('is a NotFoundError naming an unknown run', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(fathom().use(CompareRuns).execute({ runIds: [run.id, 'ghost'] }), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'ghost' });
  });

  it('needs at least one run id', async () => {
    const error = await rejectionOf(fathom().use(CompareRuns).execute({ runIds: [] }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/runIds', message: 'must name 1 to 1000 distinct ids' }]);
  });
});
