import { describe, expect, it } from 'vitest';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetMetricHistory } from '../../../src/application/use-cases/metrics/get-metric-history.js';
import { GetMetricSummaries } from '../../../src/application/use-cases/metrics/get-metric-summaries.js';
import { LogMetrics } from '../../../src/application/use-cases/metrics/log-metrics.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import type { MetricInput } from '../../../src/domain/metric.js';
import { aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

const log = (runId: string, points: MetricInput[]) => fathom().use(LogMetrics).execute(runId, points);
const history = async (runId: string, key: string, range = {}) => (await fathom().use(GetMetricHistory).execute(runId, key, range)).points;
const steps = async (runId: string, key: string) => (await history(runId, key)).map((p) => [p.step, p.value]);
const summaries = (runId: string) => fathom().use(GetMetricSummaries).execute(runId);

describe('logging metrics', () => {
  it('stores a point and counts it; the run shows the latest point of each key', async () => {
    const run = await aRun(fathom());
    expect(await log(run.id, [{ key: 'loss', value: 0.9 }])).toEqual({ count: 1 });
    fathom().clock.advance(1_000);
    expect(await log(run.id, [{ key: 'loss', value: 0.4 }, { key: 'acc', value: 0.8 }])).toEqual({ count: 2 });
    expect((await fathom().use(GetRun).execute(run.id)).metrics).toEqual([
      { key: 'acc', value: 0.8, step: 0, timestamp: START + 1_000 },
      { key: 'loss', value: 0.4, step: 1, timestamp: START + 1_000 },
    ]);
  });

  it("steps each key on from its last step when no step is given, starting at 0", async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'loss', value: 3 }, { key: 'acc', value: 0.1 }, { key: 'loss', value: 2 }]);
    await log(run.id, [{ key: 'loss', value: 1 }]);
    expect(await steps(run.id, 'loss')).toEqual([[0, 3], [1, 2], [2, 1]]);
    expect(await steps(run.id, 'acc')).toEqual([[0, 0.1]]);
  });

  it('keeps given steps and continues after the highest one', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'loss', value: 1, step: 100 }]);
    await log(run.id, [{ key: 'loss', value: 2, step: 10 }]);
    await log(run.id, [{ key: 'loss', value: 3 }]);
    expect(await steps(run.id, 'loss')).toEqual([[10, 2], [100, 1], [101, 3]]);
  });

  it('timestamps points with the clock unless given a timestamp', async () => {
    const run = await aRun(fathom());
    fathom().clock.advance(42);
    await log(run.id, [{ key: 'loss', value: 1 }, { key: 'loss', value: 2, timestamp: START - 5_000 }]);
    expect((await history(run.id, 'loss')).map((p) => p.timestamp)).toEqual([START + 42, START - 5_000]);
  });

  it('replaces the point at a step logged again, and the aggregates forget the old value', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'loss', value: 9, step: 0 }, { key: 'loss', value: 4, step: 1 }]);
    fathom().clock.advance(1_000);
    await log(run.id, [{ key: 'loss', value: 2, step: 0 }]);
    expect(await history(run.id, 'loss')).toEqual([
      { key: 'loss', value: 2, step: 0, timestamp: START + 1_000 },
      { key: 'loss', value: 4, step: 1, timestamp: START },
    ]);
    expect(await summaries(run.id)).toEqual([
      { key: 'loss', last: { value: 4, step: 1, timestamp: START }, min: 2, max: 4, mean: 3, count: 2, firstStep: 0, lastStep: 1 },
    ]);
  });

  it('replaces the latest point when its step is logged again', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'acc', value: 0.5, step: 3 }]);
    await log(run.id, [{ key: 'acc', value: 0.7, step: 3 }]);
    expect((await fathom().use(GetRun).execute(run.id)).metrics).toMatchObject([{ key: 'acc', value: 0.7, step: 3 }]);
    expect((await summaries(run.id))[0]).toMatchObject({ count: 1, min: 0.7, max: 0.7 });
  });

  it('accepts "NaN", "Infinity" and "-Infinity" as values', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'loss', value: 'NaN' }, { key: 'loss', value: 'Infinity' }, { key: 'loss', value: '-Infinity' }]);
    const values = (await history(run.id, 'loss')).map((p) => p.value);
    expect(values[0]).toBeNaN();
    expect(values.slice(1)).toEqual([Infinity, -Infinity]);
  });

  it('stores nothing from a batch with one bad point, and names every bad point', async () => {
    const run = await aRun(fathom(), { metrics: [{ key: 'loss', value: 1 }] });
    const error = await rejectionOf(
      log(run.id, [
        { key: 'loss', value: 0.5 },
        { key: 'loss', value: 'lots' },
        { key: 'acc', value: 0.1 },
        { key: 'bad|key', value: 1, step: -2 },
      ]),
      InvalidArgumentError,
    );
    expect(error.issues).toEqual([
      { path: '/metrics/1/value', message: 'must be a finite number or one of "NaN", "Infinity", "-Infinity"' },
      { path: '/metrics/3/key', message: 'may contain only letters, digits, spaces and _ - . / :' },
      { path: '/metrics/3/step', message: `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}` },
    ]);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(await steps(run.id, 'loss')).toEqual([[0, 1]]);
    expect(await history(run.id, 'acc')).toEqual([]);
    expect((await summaries(run.id)).map((s) => s.key)).toEqual(['loss']);
  });

  it('refuses an empty batch and one over 10,000 points', async () => {
    const run = await aRun(fathom());
    expect((await rejectionOf(log(run.id, []), InvalidArgumentError)).issues[0]?.path).toBe('/metrics');
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ key: 'loss', value: i }));
    expect((await rejectionOf(log(run.id, tooMany), InvalidArgumentError)).issues).toEqual([
      { path: '/metrics', message: 'must hold at most 10000 points' },
    ]);
    expect(await summaries(run.id)).toEqual([]);
  });

  it('takes a full batch of 10,000 points', async () => {
    const run = await aRun(fathom());
    const batch = Array.from({ length: 10_000 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1) }));
    expect(await log(run.id, batch)).toEqual({ count: 10_000 });
    expect((await summaries(run.id))[0]).toMatchObject({ count: 10_000, firstStep: 0, lastStep: 9_999, max: 1, min: 1 / 10_000 });
  });

  it('is a ConflictError for a run of a deleted experiment, and stores nothing', async () => {
    const run = await aRun(fathom(), { metrics: [{ key: 'loss', value: 1 }] });
    await fathom().use(DeleteExperiment).execute(run.experimentId, {}, ANONYMOUS);
    const error = await rejectionOf(log(run.id, [{ key: 'loss', value: 0.5 }]), ConflictError);
    expect(error.message).toContain('is deleted');
    expect(await steps(run.id, 'loss')).toEqual([[0, 1]]);
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(log('nope', [{ key: 'loss', value: 1 }]), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'nope' });
  });
});

describe('metric summaries', () => {
  it('give per key the last point, min, max, mean, count, first and last step, sorted by key', async () => {
    const run = await aRun(fathom());
    await log(run.id, [
      { key: 'loss', value: 4, step: 2 },
      { key: 'loss', value: 1, step: 7 },
      { key: 'loss', value: 7, step: 5 },
      { key: 'acc', value: 0.5 },
    ]);
    expect(await summaries(run.id)).toEqual([
      { key: 'acc', last: { value: 0.5, step: 0, timestamp: START }, min: 0.5, max: 0.5, mean: 0.5, count: 1, firstStep: 0, lastStep: 0 },
      { key: 'loss', last: { value: 1, step: 7, timestamp: START }, min: 1, max: 7, mean: 4, count: 3, firstStep: 2, lastStep: 7 },
    ]);
  });

  it('leave NaN out of min, max and mean but count it, and show a NaN last value', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'loss', value: 2 }, { key: 'loss', value: 6 }, { key: 'loss', value: 'NaN' }]);
    const [summary] = await summaries(run.id);
    expect(summary).toMatchObject({ min: 2, max: 6, mean: 4, count: 3, lastStep: 2 });
    expect(summary?.last.value).toBeNaN();
  });

  it('count infinities as the extremes', async () => {
    const run = await aRun(fathom());
    await log(run.id, [{ key: 'reward', value: 1 }, { key: 'reward', value: 'Infinity' }, { key: 'reward', value: '-Infinity' }]);
    expect((await summaries(run.id))[0]).toMatchObject({ min: -Infinity, max: Infinity });
  });

  it('are empty for a run without metrics, and a NotFoundError for an unknown run', async () => {
    const run = await aRun(fathom());
    expect(await summaries(run.id)).toEqual([]);
    await rejectionOf(summaries('nope'), NotFoundError);
  });
});

describe('metric history', () => {
  async function runWithSteps(...stepList: number[]) {
    const run = await aRun(fathom());
    await log(run.id, stepList.map((step) => ({ key: 'loss', value: step / 10, step })));
    return run;
  }

  it('comes in step order whatever order the points were logged in', async () => {
    const run = await runWithSteps(5, 1, 9, 3);
    expect((await history(run.id, 'loss')).map((p) => p.step)).toEqual([1, 3, 5, 9]);
    expect((await fathom().use(GetMetricHistory).execute(run.id, 'loss')).key).toBe('loss');
  });

  it('can be narrowed to an inclusive step range', async () => {
    const run = await runWithSteps(0, 1, 2, 3, 4, 5, 6);
    const stepsIn = async (range: { startStep?: number; endStep?: number }) => (await history(run.id, 'loss', range)).map((p) => p.step);
    expect(await stepsIn({ startStep: 4 })).toEqual([4, 5, 6]);
    expect(await stepsIn({ endStep: 2 })).toEqual([0, 1, 2]);
    expect(await stepsIn({ startStep: 2, endStep: 4 })).toEqual([2, 3, 4]);
    expect(await stepsIn({ startStep: 3, endStep: 3 })).toEqual([3]);
    expect(await stepsIn({ startStep: 7 })).toEqual([]);
  });

  it('finds the range between sparse steps', async () => {
    const run = await runWithSteps(0, 100, 200, 300);
    expect((await history(run.id, 'loss', { startStep: 50, endStep: 250 })).map((p) => p.step)).toEqual([100, 200]);
  });

  it('is empty for a key never logged', async () => {
    const run = await runWithSteps(0);
    expect(await history(run.id, 'accuracy')).toEqual([]);
  });

  it('refuses bad ranges, naming each bound', async () => {
    const run = await runWithSteps(0);
    const issues = async (range: { startStep?: number; endStep?: number }) =>
      (await rejectionOf(fathom().use(GetMetricHistory).execute(run.id, 'loss', range), InvalidArgumentError)).issues;
    expect(await issues({ startStep: -1 })).toEqual([{ path: '/startStep', message: 'must be an integer ≥ 0' }]);
    expect(await issues({ startStep: -1, endStep: 1.5 })).toEqual([
      { path: '/startStep', message: 'must be an integer ≥ 0' },
      { path: '/endStep', message: 'must be an integer ≥ 0' },
    ]);
    expect(await issues({ startStep: 5, endStep: 4 })).toEqual([{ path: '/endStep', message: 'must not be below startStep' }]);
  });

  it('downsamples to maxPoints, keeping the first and last points and the extremes, and says how many there were', async () => {
    const run = await runWithSteps(0);
    const values = Array.from({ length: 3_000 }, (_, i) => Math.cos(i / 100));
    values[1_111] = 9;
    values[2_222] = -9;
    await log(run.id, values.map((value, step) => ({ key: 'wave', value, step })));
    for (const method of ['minmax', 'lttb'] as const) {
      const result = await fathom().use(GetMetricHistory).execute(run.id, 'wave', { maxPoints: 50, method });
      expect(result).toMatchObject({ key: 'wave', total: 3_000, returned: result.points.length, method });
      expect(result.points.length).toBeLessThanOrEqual(50);
      expect(result.points[0]?.step).toBe(0);
      expect(result.points[result.points.length - 1]?.step).toBe(2_999);
      expect(result.points.map((p) => p.value)).toEqual(expect.arrayContaining([9, -9]));
    }
    expect((await fathom().use(GetMetricHistory).execute(run.id, 'wave', { method: 'none' })).points).toHaveLength(3_000);
  });

  it("refuses method 'none' over more than 100,000 points, saying how to narrow the range", async () => {
    const run = await runWithSteps(0);
    for (let from = 0; from < 100_001; from += 10_000) {
      const count = Math.min(10_000, 100_001 - from);
      await log(run.id, Array.from({ length: count }, (_, i) => ({ key: 'long', value: i, step: from + i })));
    }
    const issues = (await rejectionOf(fathom().use(GetMetricHistory).execute(run.id, 'long', { method: 'none' }), InvalidArgumentError)).issues;
    expect(issues).toEqual([{ path: '/method', message: expect.stringContaining('this range holds 100001: narrow it with startStep and endStep') }]);
    const narrowed = await fathom().use(GetMetricHistory).execute(run.id, 'long', { method: 'none', startStep: 1, endStep: 100_000 });
    expect(narrowed.points).toHaveLength(100_000);
  });

  it('refuses a maxPoints out of range and an unknown method, naming each', async () => {
    const run = await runWithSteps(0);
    const bad = { maxPoints: 2, method: 'random' as never };
    const issues = (await rejectionOf(fathom().use(GetMetricHistory).execute(run.id, 'loss', bad), InvalidArgumentError)).issues;
    expect(issues.map((i) => i.path)).toEqual(['/maxPoints', '/method']);
  });

  it('is a NotFoundError for an unknown run', async () => {
    await rejectionOf(fathom().use(GetMetricHistory).execute('nope', 'loss'), NotFoundError);
  });
});
