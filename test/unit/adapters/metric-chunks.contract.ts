import { describe, expect, it } from 'vitest';
import { CHUNK_POINTS } from '../../../src/adapters/persistence/shared/metric-chunks.js';
import { pointsOf, type StepRange } from '../../../src/domain/metric.js';
import { T0, draft, givenExperiment, givenRun } from '../../contract/repositories/support.js';
import { Model, chunkedSeries, loss, range, series, type ChunkedRun } from '../../support/metric-series.js';

/**
 * What both SQL stores do alike with a series' chunks and tail: sealing the tail at CHUNK_POINTS,
 * writing large batches straight into chunks, writing late points into the chunk or row that
 * holds their step, splitting a chunk grown past MAX_CHUNK_POINTS, and reading any range back.
 * Where their placement policies differ (how short chunks of large batches are merged), each
 * store's own test says what it does.
 */
export function describeChunkedSeries(current: () => ChunkedRun): void {
  const { append, appendSmall, history, summary, layout, expectMatches } = chunkedSeries(current);

  describe('appending across chunk boundaries', () => {
    it('keeps small batches as rows and seals them into a chunk at 1,024 points, then again at 2,048', async () => {
      const model = new Model();
      await appendSmall(model, series(range(0, 1023)));
      expect(await layout()).toEqual({ chunks: [], rows: 1023 });
      await append(model, series([1023]));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 0 });
      await append(model, series([1024]));
      await expectMatches(model);
      await appendSmall(model, series(range(1025, 2100)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS], rows: 2100 - 2048 });
      await expectMatches(model);
    });

    it('writes a batch of 10,000 straight into chunks, the last one short', async () => {
      const model = new Model();
      await append(model, series(range(0, 10_000)));
      expect(await layout()).toEqual({ chunks: [...Array<number>(9).fill(CHUNK_POINTS), 10_000 - 9 * CHUNK_POINTS], rows: 0 });
      await expectMatches(model);
    });

    it('seals the rows with a large batch that follows small ones', async () => {
      const model = new Model();
      await append(model, series(range(0, 300)));
      await appendSmall(model, series(range(300, 400)));
      expect(await layout()).toEqual({ chunks: [300], rows: 100 });
      await append(model, series(range(400, 500)));
      expect(await layout()).toEqual({ chunks: [300, 200], rows: 0 });
      await appendSmall(model, series(range(500, 1600)));
      expect(await layout()).toEqual({ chunks: [300, 200, CHUNK_POINTS], rows: 1100 - CHUNK_POINTS });
      await expectMatches(model);
    });

    it('seals the rows with points that fill gaps between them, keeping those past the seal as rows', async () => {
      const model = new Model();
      await appendSmall(model, series(range(0, 2042, 2)));
      expect(await layout()).toEqual({ chunks: [], rows: 1021 });
      // 5 late points fill gaps and 2 are new: 1,028 points, sealed at 1,024; 2039 stays a row.
      await append(model, series([2031, 2033, 2035, 2037, 2039, 2042, 2044]));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 4 });
      expect((await history({ startStep: 2036 })).map((p) => p.step)).toEqual([2036, 2037, 2038, 2039, 2040, 2042, 2044]);
      // A large batch seals rows and late points alike.
      await append(model, series([3, 2041, 2043, ...range(3000, 3100)]));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS + 1, 6 + 100], rows: 0 });
      await expectMatches(model);
    });

    it('appends an empty batch to a run, and refuses one to an unknown run', async () => {
      expect(await current().store.metrics.append(current().runId, [])).toBe(0);
      await expect(current().store.metrics.append('no-such-run', [])).rejects.toThrow(/no-such-run/);
    });

    it('continues the steps of drafts without a step across a seal', async () => {
      const {
        store: { metrics },
        runId,
      } = current();
      await metrics.append(runId, Array.from({ length: 1500 }, (_, i) => draft('loss', i)));
      await metrics.append(runId, Array.from({ length: 1000 }, (_, i) => draft('loss', 1500 + i)));
      expect((await history()).map((p) => [p.step, p.value])).toEqual(range(0, 2500).map((i) => [i, i]));
    });

    it('seals many series of one batch at once', async () => {
      const {
        store: { metrics },
        runId,
      } = current();
      const keys = range(0, 20).map((k) => `k${String(k).padStart(2, '0')}`);
      for (let step = 0; step < 1100; step += 10) {
        await metrics.append(runId, keys.flatMap((key) => range(step, step + 10).map((s) => draft(key, s % 7, s))));
      }
      for (const key of keys) {
        expect(await layout(key)).toEqual({ chunks: [CHUNK_POINTS], rows: 1100 - CHUNK_POINTS });
        expect((await history({ startStep: 1020, endStep: 1027 }, key)).map((p) => p.step)).toEqual(range(1020, 1028));
      }
      expect((await metrics.summaries([runId])).get(runId)?.map((s) => [s.key, s.count])).toEqual(keys.map((key) => [key, 1100]));
    });
  });

  describe('writing into sealed chunks', () => {
    it('replaces a point inside a chunk, and recomputes min, max and mean', async () => {
      const model = new Model();
      await append(model, series(range(0, 3000), (step) => step % 10));
      await append(model, [loss(1000, 500, T0 - 7)]);
      await expectMatches(model);
      expect(await summary()).toMatchObject({ min: 0, max: 1000, count: 3000 });
      await append(model, [loss(-5, 500), loss(3, 1500)]);
      await expectMatches(model);
      expect(await summary()).toMatchObject({ min: -5, max: 9, count: 3000 });
      expect((await layout()).chunks).toEqual([CHUNK_POINTS, CHUNK_POINTS, 3000 - 2 * CHUNK_POINTS]);
    });

    it('updates the last point and the aggregates when a replacement also reaches the tail', async () => {
      const model = new Model();
      await append(model, series(range(0, 1100)));
      await append(model, [loss(-50, 3), loss(50, 1099, T0 + 1)]);
      await expectMatches(model);
      expect(await summary()).toMatchObject({ min: -50, max: 50, last: { value: 50, step: 1099, timestamp: T0 + 1 } });
    });

    it('replaces points in chunks, in the tail and past it in one batch', async () => {
      const model = new Model();
      await append(model, series(range(0, 1100)));
      await appendSmall(model, series(range(1100, 1150)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, 1100 - CHUNK_POINTS], rows: 50 });
      await append(model, [loss(-50, 3), loss(7, 1099), loss(8, 1120), loss(50, 1149, T0 + 1), loss(9, 1150)]);
      await expectMatches(model);
      expect(await summary()).toMatchObject({ min: -50, max: 50, count: 1151, last: { value: 9, step: 1150 } });
    });

    it('inserts steps into a gap between chunks and before the first chunk', async () => {
      const model = new Model();
      // Even steps from 100: two chunks, [100, 2146] and [2148, 4194], with odd steps free.
      await append(model, series(range(100, 100 + 2 * 2 * CHUNK_POINTS, 2)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS], rows: 0 });
      await append(model, series([2147]));
      await append(model, series([5, 0]));
      await append(model, series([101, 4193]));
      expect((await layout()).chunks).toEqual([CHUNK_POINTS + 4, CHUNK_POINTS + 1]);
      await expectMatches(model);
      expect(await summary()).toMatchObject({ firstStep: 0, count: 2 * CHUNK_POINTS + 5 });
      expect((await history({ startStep: 2146, endStep: 2148 })).map((p) => p.step)).toEqual([2146, 2147, 2148]);
    });

    it('splits a chunk that grows past 2,048 points, and reads across the split', async () => {
      const model = new Model();
      // Every third step: two chunks, [0, 3069] and [3072, 6141].
      await append(model, series(range(0, 6 * CHUNK_POINTS, 3)));
      expect((await layout()).chunks).toEqual([CHUNK_POINTS, CHUNK_POINTS]);
      // 1,026 new steps into the first chunk, in one batch, out of order, some twice.
      await append(model, series([...range(1, 3070, 3)].reverse().concat([2, 5, 8, 5]), (step) => -step));
      await append(model, [loss(7, 1), loss(8, 3), loss(9, 1)]);
      const chunks = (await layout()).chunks;
      expect(chunks.length).toBe(3);
      expect(chunks.every((count) => count >= CHUNK_POINTS && count <= 2 * CHUNK_POINTS)).toBe(true);
      await expectMatches(model);
      expect(await history({ startStep: 1000, endStep: 1100 })).toEqual(model.history({ startStep: 1000, endStep: 1100 }));
    });

    it('sorts an unordered batch that touches chunks, the tail and new steps; the later point at a step wins', async () => {
      const model = new Model();
      await append(model, series(range(0, CHUNK_POINTS)));
      await appendSmall(model, series(range(CHUNK_POINTS, 1500)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 1500 - CHUNK_POINTS });
      const batch = [loss(1, 2000), loss(2, 10), loss(3, 1400), loss(4, 10), loss(5, 1600), loss(6, 1400)];
      await append(model, batch);
      await expectMatches(model);
      expect((await history({ startStep: 10, endStep: 10 }))[0]?.value).toBe(4);
    });

    it('writes into chunks and merges the open ones in the same batch', async () => {
      const model = new Model();
      await append(model, series(range(0, 2000, 2)));
      await append(model, series(range(2000, 2600)));
      expect((await layout()).chunks).toEqual([CHUNK_POINTS, 1000 + 600 - CHUNK_POINTS]);
      await append(model, [...series([1, 3, 2001]), ...series(range(2600, 3600))]);
      await expectMatches(model);
      await append(model, series(range(3600, 4000)));
      await expectMatches(model);
    });
  });

  describe('reading ranges', () => {
    it('starts and ends inside chunks, at their edges, in the tail, or past everything', async () => {
      const model = new Model();
      await append(model, series(range(0, 4 * CHUNK_POINTS)));
      await appendSmall(model, series(range(4 * CHUNK_POINTS, 5000)));
      expect(await layout()).toEqual({ chunks: Array<number>(4).fill(CHUNK_POINTS), rows: 5000 - 4 * CHUNK_POINTS });
      const ranges: StepRange[] = [
        { startStep: 0, endStep: 1023 },
        { startStep: 1023, endStep: 1024 },
        { startStep: 500, endStep: 3000 },
        { startStep: 1024, endStep: 2047 },
        { startStep: 2048 },
        { endStep: 1500 },
        { startStep: 4095, endStep: 4097 },
        { startStep: 4500 },
        { startStep: 3333, endStep: 3333 },
        { startStep: 5000 },
        { startStep: 3000, endStep: 2000 },
      ];
      for (const r of ranges) expect(await history(r), JSON.stringify(r)).toEqual(model.history(r));
    });

    it('reads ranges of a series whose steps leave gaps between chunks', async () => {
      const model = new Model();
      await append(model, series(range(0, 3 * CHUNK_POINTS * 10, 10)));
      for (const r of [{ startStep: 10_235, endStep: 10_245 }, { startStep: 10_231, endStep: 10_239 }, { startStep: 5, endStep: 25 }, { startStep: 20_475 }]) {
        expect(await history(r), JSON.stringify(r)).toEqual(model.history(r));
      }
    });

    it('keeps NaN, Infinity and -Infinity through chunks, and aggregates them', async () => {
      const model = new Model();
      const special = [NaN, Infinity, -Infinity, 1e-300, -1.5];
      await append(model, series(range(0, 2500), (step) => special[step % special.length] as number));
      expect((await layout()).chunks).toEqual([CHUNK_POINTS, CHUNK_POINTS, 2500 - 2 * CHUNK_POINTS]);
      expect((await history({ startStep: 1020, endStep: 1030 })).map((p) => p.value)).toEqual(range(1020, 1031).map((s) => special[s % 5]));
      expect(await summary()).toMatchObject({ min: -Infinity, max: Infinity, mean: NaN, count: 2500, last: { value: -1.5, step: 2499 } });
      await append(model, [loss(NaN, 1021), loss(-2, 1022)]);
      expect(await history()).toEqual(model.history());
      expect(await summary()).toMatchObject({ min: -Infinity, max: Infinity, count: 2500 });
    });
  });

  it('deleting a run removes its chunks and rows with its series', async () => {
    const { store, runId, rowsIn } = current();
    const other = await givenRun(store, (await givenExperiment(store)).id);
    await store.metrics.append(runId, series(range(0, 5000)));
    await store.metrics.append(runId, series(range(5000, 5010)));
    await store.metrics.append(other.id, series(range(0, 1500)));
    await store.metrics.append(other.id, series(range(1500, 1510)));
    expect([await rowsIn('metric_chunks'), await rowsIn('metric_points')]).toEqual([5 + 2, 10 + 10]);
    await store.runs.delete(runId);
    expect([await rowsIn('metric_series'), await rowsIn('metric_chunks'), await rowsIn('metric_points')]).toEqual([1, 2, 10]);
    expect(pointsOf('loss', await store.metrics.history(other.id, 'loss', {})).length).toBe(1510);
  });
}
