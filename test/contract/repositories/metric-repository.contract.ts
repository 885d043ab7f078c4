import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { MAX_STEP, pointsOf, type MetricPoint, type MetricSummary } from '../../../src/domain/metric.js';
import type { Run } from '../../../src/domain/run.js';
import { type RepositoryStore, T0, draft, range, givenExperiment, givenRun } from './support.js';

/** The MetricRepository port's contract: every promise in its doc comments. */
export function metricContract(store: () => RepositoryStore): void {
  let run: Run;
  const history = async (key: string, range = {}, runId = run.id) => pointsOf(key, await store().metrics.history(runId, key, range));
  const steps = async (key: string) => (await history(key)).map((p) => [p.step, p.value]);
  const summaries = async (runId = run.id) => (await store().metrics.summaries([runId])).get(runId);
  const summaryOf = async (key: string) => (await summaries())?.find((s) => s.key === key);

  beforeEach(async () => {
    const experiment = await givenExperiment(store());
    run = await givenRun(store(), experiment.id);
  });

  describe('append', () => {
    it('stores points with their values and timestamps, and returns how many it appended', async () => {
      expect(await store().metrics.append(run.id, [draft('loss', 0.9, 0, T0), draft('loss', 0.5, 1, T0 + 1500), draft('acc', 0.7, 0, T0 - 1)])).toBe(3);
      expect(await history('loss')).toEqual<MetricPoint[]>([
        { key: 'loss', value: 0.9, step: 0, timestamp: T0 },
        { key: 'loss', value: 0.5, step: 1, timestamp: T0 + 1500 },
      ]);
      expect(await history('acc')).toEqual<MetricPoint[]>([{ key: 'acc', value: 0.7, step: 0, timestamp: T0 - 1 }]);
    });

    it('keeps NaN, Infinity, -Infinity and the largest step', async () => {
      await store().metrics.append(run.id, [draft('x', NaN, 0), draft('x', Infinity, 1), draft('x', -Infinity, 2), draft('x', 1e-300, MAX_STEP)]);
      expect(await steps('x')).toEqual([[0, NaN], [1, Infinity], [2, -Infinity], [MAX_STEP, 1e-300]]);
    });

    it("gives a point without a step its key's last step + 1, from 0, per key, within a batch and across calls", async () => {
      await store().metrics.append(run.id, [draft('loss', 3), draft('acc', 0.1), draft('loss', 2)]);
      await store().metrics.append(run.id, [draft('loss', 1), draft('acc', 0.2)]);
      expect(await steps('loss')).toEqual([[0, 3], [1, 2], [2, 1]]);
      expect(await steps('acc')).toEqual([[0, 0.1], [1, 0.2]]);
    });

    it('keeps given steps and continues after the highest one, even when a lower one came last', async () => {
      await store().metrics.append(run.id, [draft('loss', 1, 100)]);
      await store().metrics.append(run.id, [draft('loss', 2, 10)]);
      await store().metrics.append(run.id, [draft('loss', 3)]);
      await store().metrics.append(run.id, [draft('loss', 4, 50), draft('loss', 5), draft('loss', 6, 200), draft('loss', 7)]);
      expect(await steps('loss')).toEqual([[10, 2], [50, 4], [100, 1], [101, 3], [102, 5], [200, 6], [201, 7]]);
    });

    it('replaces the point at a step that already holds one', async () => {
      await store().metrics.append(run.id, [draft('loss', 9, 0), draft('loss', 4, 1)]);
      expect(await store().metrics.append(run.id, [draft('loss', 2, 0, T0 + 99)])).toBe(1);
      expect(await history('loss')).toEqual<MetricPoint[]>([
        { key: 'loss', value: 2, step: 0, timestamp: T0 + 99 },
        { key: 'loss', value: 4, step: 1, timestamp: T0 },
      ]);
      await store().metrics.append(run.id, [draft('loss', 1)]);
      expect(await steps('loss')).toEqual([[0, 2], [1, 4], [2, 1]]);
    });

    it('lets a later point of one batch replace an earlier one at the same step', async () => {
      await store().metrics.append(run.id, [draft('loss', 1, 5), draft('loss', 2, 5), draft('loss', 3, 5)]);
      expect(await steps('loss')).toEqual([[5, 3]]);
      expect(await summaryOf('loss')).toMatchObject({ count: 1, min: 3, max: 3, mean: 3 });
    });

    it('stores nothing of a batch that fails (a step past the last one)', async () => {
      await store().metrics.append(run.id, [draft('full', 1, MAX_STEP)]);
      await expect(store().metrics.append(run.id, [draft('loss', 1, 0), draft('acc', 2), draft('full', 3)])).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      expect(await history('loss')).toEqual([]);
      expect(await history('acc')).toEqual([]);
      expect(await steps('full')).toEqual([[MAX_STEP, 1]]);
      expect((await summaries())?.map((s) => s.key)).toEqual(['full']);
    });

    it('throws NotFoundError for an unknown run', async () => {
      await expect(store().metrics.append('no-such-run', [draft('loss', 1)])).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('summaries', () => {
    it('gives per key the point at the highest step, min, max and mean over non-NaN values, count and step bounds', async () => {
      await store().metrics.append(run.id, [draft('loss', 0.9, 4, T0 + 4), draft('loss', NaN, 7, T0 + 7), draft('loss', 0.3, 9, T0 + 9)]);
      await store().metrics.append(run.id, [draft('loss', 0.6, 2, T0 + 20)]);
      const summary = await summaryOf('loss');
      expect(summary).toEqual<MetricSummary>({
        key: 'loss',
        last: { value: 0.3, step: 9, timestamp: T0 + 9 },
        min: 0.3,
        max: 0.9,
        mean: expect.closeTo(0.6, 12) as number,
        count: 4,
        firstStep: 2,
        lastStep: 9,
      });
    });

    it('gives NaN min, max and mean for a key whose every value is NaN, and a NaN last value', async () => {
      await store().metrics.append(run.id, [draft('diverged', NaN, 0), draft('diverged', NaN, 1)]);
      expect(await summaryOf('diverged')).toEqual({
        key: 'diverged',
        last: { value: NaN, step: 1, timestamp: T0 },
        min: NaN,
        max: NaN,
        mean: NaN,
        count: 2,
        firstStep: 0,
        lastStep: 1,
      });
    });

    it('aggregates infinite values', async () => {
      await store().metrics.append(run.id, [draft('x', 1, 0), draft('x', Infinity, 1), draft('y', -Infinity, 0), draft('y', 2, 1)]);
      expect(await summaryOf('x')).toMatchObject({ min: 1, max: Infinity, mean: Infinity, last: { value: Infinity } });
      expect(await summaryOf('y')).toMatchObject({ min: -Infinity, max: 2, mean: -Infinity, last: { value: 2 } });
    });

    it('recomputes min and max when a replaced value was the extreme', async () => {
      await store().metrics.append(run.id, [draft('loss', 5, 0), draft('loss', 1, 1), draft('loss', 3, 2)]);
      await store().metrics.append(run.id, [draft('loss', 2, 0)]);
      expect(await summaryOf('loss')).toMatchObject({ min: 1, max: 3, mean: 2, count: 3 });
      await store().metrics.append(run.id, [draft('loss', 4, 1)]);
      expect(await summaryOf('loss')).toMatchObject({ min: 2, max: 4, mean: 3, count: 3 });
    });

    it('recomputes with NaN and infinities when replacements change them', async () => {
      await store().metrics.append(run.id, [draft('loss', 2, 0), draft('loss', Infinity, 1)]);
      await store().metrics.append(run.id, [draft('loss', NaN, 0), draft('loss', NaN, 1)]);
      expect(await summaryOf('loss')).toMatchObject({ count: 2, last: { value: NaN, step: 1 } });
      const allNaN = await summaryOf('loss');
      expect([allNaN?.min, allNaN?.max, allNaN?.mean]).toEqual([NaN, NaN, NaN]);
      await store().metrics.append(run.id, [draft('loss', -Infinity, 0)]);
      expect(await summaryOf('loss')).toMatchObject({ count: 2, min: -Infinity, max: -Infinity, mean: -Infinity, firstStep: 0, lastStep: 1 });
    });

    it('updates the last point when the highest step is replaced', async () => {
      await store().metrics.append(run.id, [draft('acc', 0.5, 0), draft('acc', 0.6, 3)]);
      await store().metrics.append(run.id, [draft('acc', 0.7, 3, T0 + 42)]);
      expect(await summaryOf('acc')).toEqual({
        key: 'acc',
        last: { value: 0.7, step: 3, timestamp: T0 + 42 },
        min: 0.5,
        max: 0.7,
        mean: expect.closeTo(0.6, 12) as number,
        count: 2,
        firstStep: 0,
        lastStep: 3,
      });
    });

    it('recomputes when a replacement turns NaN into a number or a number into NaN', async () => {
      await store().metrics.append(run.id, [draft('a', NaN, 0), draft('a', 1, 1), draft('b', 1, 0), draft('b', 3, 1)]);
      await store().metrics.append(run.id, [draft('a', 3, 0), draft('b', NaN, 1)]);
      expect(await summaryOf('a')).toMatchObject({ min: 1, max: 3, mean: 2, count: 2 });
      expect(await summaryOf('b')).toMatchObject({ min: 1, max: 1, mean: 1, count: 2, last: { value: NaN, step: 1 } });
    });

    it('lists keys sorted by key per run, and [] for a run without metrics', async () => {
      const experiment = await givenExperiment(store());
      const other = await givenRun(store(), experiment.id);
      const bare = await givenRun(store(), experiment.id);
      await store().metrics.append(run.id, [draft('loss', 1), draft('Acc', 2), draft('b/c', 3)]);
      await store().metrics.append(other.id, [draft('loss', 7)]);
      const listed = await store().metrics.summaries([other.id, bare.id, run.id]);
      expect(listed.get(run.id)?.map((s) => s.key)).toEqual(['Acc', 'b/c', 'loss']);
      expect(listed.get(other.id)).toMatchObject([{ key: 'loss', last: { value: 7 }, count: 1 }]);
      expect(listed.get(bare.id)).toEqual([]);
    });
  });

  describe('history', () => {
    beforeEach(async () => {
      await store().metrics.append(run.id, [draft('loss', 3, 3), draft('loss', 1, 1), draft('loss', 20, 20), draft('loss', 0, 0), draft('loss', 2, 2)]);
    });

    it('gives one key in step order, whatever the order of writing', async () => {
      expect((await history('loss')).map((p) => p.step)).toEqual([0, 1, 2, 3, 20]);
    });

    it('keeps to an inclusive step range, open at either end', async () => {
      const stepsIn = async (r: { startStep?: number; endStep?: number }) => (await history('loss', r)).map((p) => p.step);
      expect(await stepsIn({ startStep: 1, endStep: 3 })).toEqual([1, 2, 3]);
      expect(await stepsIn({ startStep: 2 })).toEqual([2, 3, 20]);
      expect(await stepsIn({ endStep: 1 })).toEqual([0, 1]);
      expect(await stepsIn({ startStep: 2, endStep: 2 })).toEqual([2]);
      expect(await stepsIn({ startStep: 4, endStep: 19 })).toEqual([]);
      expect(await stepsIn({ startStep: 21 })).toEqual([]);
    });

    it('gives [] for an unknown key, and keeps runs apart', async () => {
      expect(await history('accuracy')).toEqual([]);
      const other = await givenRun(store(), run.experimentId);
      expect(await history('loss', {}, other.id)).toEqual([]);
    });
  });

  describe('under concurrency', () => {
    it('50 concurrent appends without steps to one key get steps 0..49, none lost or shared', async () => {
      await Promise.all(range(50).map((i) => store().metrics.append(run.id, [draft('loss', i)])));
      const points = await history('loss');
      expect(points.map((p) => p.step)).toEqual(range(50));
      expect(points.map((p) => p.value).sort((a, b) => a - b)).toEqual(range(50));
      expect(await summaryOf('loss')).toMatchObject({ count: 50, firstStep: 0, lastStep: 49 });
    });

    it('each of concurrent batches gets consecutive steps, in batch order', async () => {
      await Promise.all(range(10).map((b) => store().metrics.append(run.id, range(5).map((i) => draft('loss', b * 100 + i)))));
      const points = await history('loss');
      expect(points.map((p) => p.step)).toEqual(range(50));
      for (let b = 0; b < 10; b++) {
        const mine = points.filter((p) => Math.floor(p.value / 100) === b);
        expect(mine.map((p) => p.value)).toEqual(range(5).map((i) => b * 100 + i));
        expect(mine.map((p) => p.step - (mine[0]?.step ?? 0))).toEqual(range(5));
      }
    });
  });

  it('stores values, not references', async () => {
    const given = draft('loss', 1, 0);
    await store().metrics.append(run.id, [given]);
    given.value = 2;
    const [point] = await history('loss');
    if (point) point.value = 3;
    expect(await steps('loss')).toEqual([[0, 1]]);
  });
}

// ---------------------------------------------------------------------------------------------
