import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertLittleEndian, CHUNK_POINTS } from '../../../src/adapters/persistence/shared/metric-chunks.js';
import { DIRECT_POINTS } from '../../../src/adapters/persistence/sqlite/sqlite-metric-chunk-store.js';
import { MIGRATIONS } from '../../../src/adapters/persistence/sqlite/migrations.js';
import { SqliteDatabase } from '../../../src/adapters/persistence/sqlite/sqlite-database.js';
import { createSqliteStore } from '../../../src/adapters/persistence/sqlite/sqlite-store.js';
import { pointsOf, type MetricDraft, type MetricPoint, type StepRange } from '../../../src/domain/metric.js';
import { T0, draft, givenExperiment, givenRun } from '../../contract/repositories/support.js';

/**
 * The SQLite store keeps a history as sealed chunks of CHUNK_POINTS points plus a tail of rows.
 * These tests drive histories across chunk boundaries and check what a user sees (history and
 * summary) against a plain model of the series; the layout (chunks and rows) is checked only to
 * prove that a test really reaches the chunks it means to.
 */

type Store = ReturnType<typeof createSqliteStore>;

let dir: string;
let file: string;
let store: Store;
let runId: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fathom-chunks-'));
  file = join(dir, 'fathom.db');
  store = createSqliteStore(file);
  runId = (await givenRun(store, (await givenExperiment(store)).id)).id;
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** What a series should hold: the last point logged at each step. */
class Model {
  private readonly byStep = new Map<number, MetricPoint>();
  add(points: readonly MetricDraft[]): void {
    for (const p of points) this.byStep.set(p.step as number, { key: p.key, value: p.value, step: p.step as number, timestamp: p.timestamp });
  }
  history(range: StepRange = {}): MetricPoint[] {
    return [...this.byStep.values()]
      .filter((p) => p.step >= (range.startStep ?? 0) && p.step <= (range.endStep ?? Infinity))
      .sort((a, b) => a.step - b.step);
  }
  summary() {
    const points = this.history();
    const numeric = points.map((p) => p.value).filter((v) => !Number.isNaN(v));
    const last = points[points.length - 1] as MetricPoint;
    return {
      count: points.length,
      firstStep: points[0]?.step,
      lastStep: last.step,
      last: { value: last.value, step: last.step, timestamp: last.timestamp },
      min: numeric.length ? Math.min(...numeric) : NaN,
      max: numeric.length ? Math.max(...numeric) : NaN,
      mean: numeric.length ? numeric.reduce((a, b) => a + b, 0) / numeric.length : NaN,
    };
  }
}

const loss = (value: number, step: number, timestamp = T0 + step) => draft('loss', value, step, timestamp);
const series = (steps: readonly number[], value = (step: number) => Math.sin(step)) => steps.map((step) => loss(value(step), step));
const range = (from: number, to: number, stride = 1) => Array.from({ length: Math.ceil((to - from) / stride) }, (_, i) => from + i * stride);

async function append(model: Model, points: MetricDraft[]): Promise<void> {
  await store.metrics.append(runId, points);
  model.add(points);
}

/** Appends in batches too small to go straight into chunks: through the tail's rows. */
async function appendSmall(model: Model, points: MetricDraft[]): Promise<void> {
  for (let i = 0; i < points.length; i += DIRECT_POINTS - 1) await append(model, points.slice(i, i + DIRECT_POINTS - 1));
}

async function history(range: StepRange = {}, key = 'loss'): Promise<MetricPoint[]> {
  return pointsOf(key, await store.metrics.history(runId, key, range));
}

async function summary(key = 'loss') {
  return (await store.metrics.summaries([runId])).get(runId)?.find((s) => s.key === key);
}

/** The series' chunks and rows as stored: only to show which layout a test reached. */
function layout(key = 'loss'): { chunks: number[]; rows: number } {
  const c = store.database.connection;
  const id = c.prepare('SELECT id FROM metric_series WHERE run_id = ? AND key = ?').pluck().get(runId, key);
  return {
    chunks: c.prepare('SELECT count FROM metric_chunks WHERE series_id = ? ORDER BY first_step').pluck().all(id) as number[],
    rows: c.prepare('SELECT count(*) FROM metric_points WHERE series_id = ?').pluck().get(id) as number,
  };
}

async function expectMatches(model: Model): Promise<void> {
  expect(await history()).toEqual(model.history());
  const expected = model.summary();
  expect(await summary()).toEqual({ key: 'loss', ...expected, mean: expect.closeTo(expected.mean, 9) as number });
}

describe('appending across chunk boundaries', () => {
  it('keeps small batches as rows and seals them into a chunk at 1,024 points, then again at 2,048', async () => {
    const model = new Model();
    await appendSmall(model, series(range(0, 1023)));
    expect(layout()).toEqual({ chunks: [], rows: 1023 });
    await append(model, series([1023]));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 0 });
    await append(model, series([1024]));
    await expectMatches(model);
    await appendSmall(model, series(range(1025, 2100)));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS], rows: 2100 - 2048 });
    await expectMatches(model);
  });

  it('writes a batch of 10,000 straight into chunks, the last one short', async () => {
    const model = new Model();
    await append(model, series(range(0, 10_000)));
    expect(layout()).toEqual({ chunks: [...Array<number>(9).fill(CHUNK_POINTS), 10_000 - 9 * CHUNK_POINTS], rows: 0 });
    await expectMatches(model);
  });

  it('fills a short last chunk with the next large batches', async () => {
    const model = new Model();
    for (let from = 0; from < 1250; from += 250) await append(model, series(range(from, from + 250)));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS, 1250 - CHUNK_POINTS], rows: 0 });
    await expectMatches(model);
  });

  it('seals the rows with a large batch that follows small ones', async () => {
    const model = new Model();
    await append(model, series(range(0, 300)));
    await appendSmall(model, series(range(300, 400)));
    expect(layout()).toEqual({ chunks: [300], rows: 100 });
    await append(model, series(range(400, 500)));
    expect(layout()).toEqual({ chunks: [300, 200], rows: 0 });
    await appendSmall(model, series(range(500, 1600)));
    expect(layout()).toEqual({ chunks: [300, 200, CHUNK_POINTS], rows: 1100 - CHUNK_POINTS });
    await expectMatches(model);
  });

  it('continues the steps of drafts without a step across a seal', async () => {
    await store.metrics.append(runId, Array.from({ length: 1500 }, (_, i) => draft('loss', i)));
    await store.metrics.append(runId, Array.from({ length: 1000 }, (_, i) => draft('loss', 1500 + i)));
    expect((await history()).map((p) => [p.step, p.value])).toEqual(range(0, 2500).map((i) => [i, i]));
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
    expect(layout().chunks).toEqual([CHUNK_POINTS, CHUNK_POINTS, 3000 - 2 * CHUNK_POINTS]);
  });

  it('updates the last point and the aggregates when a replacement also reaches the tail', async () => {
    const model = new Model();
    await append(model, series(range(0, 1100)));
    await append(model, [loss(-50, 3), loss(50, 1099, T0 + 1)]);
    await expectMatches(model);
    expect(await summary()).toMatchObject({ min: -50, max: 50, last: { value: 50, step: 1099, timestamp: T0 + 1 } });
  });

  it('inserts steps into a gap between chunks and before the first chunk', async () => {
    const model = new Model();
    // Even steps from 100: two chunks, [100, 2146] and [2148, 4194], with odd steps free.
    await append(model, series(range(100, 100 + 2 * 2 * CHUNK_POINTS, 2)));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS], rows: 0 });
    await append(model, series([2147]));
    await append(model, series([5, 0]));
    await append(model, series([101, 4193]));
    expect(layout().chunks).toEqual([CHUNK_POINTS + 4, CHUNK_POINTS + 1]);
    await expectMatches(model);
    expect(await summary()).toMatchObject({ firstStep: 0, count: 2 * CHUNK_POINTS + 5 });
    expect((await history({ startStep: 2146, endStep: 2148 })).map((p) => p.step)).toEqual([2146, 2147, 2148]);
  });

  it('splits a chunk that grows past 2,048 points, and reads across the split', async () => {
    const model = new Model();
    // Every third step: two chunks, [0, 3069] and [3072, 6141].
    await append(model, series(range(0, 6 * CHUNK_POINTS, 3)));
    expect(layout().chunks).toEqual([CHUNK_POINTS, CHUNK_POINTS]);
    // 1,026 new steps into the first chunk, in one batch, out of order, some twice.
    await append(model, series([...range(1, 3070, 3)].reverse().concat([2, 5, 8, 5]), (step) => -step));
    await append(model, [loss(7, 1), loss(8, 3), loss(9, 1)]);
    const chunks = layout().chunks;
    expect(chunks.length).toBe(3);
    expect(chunks.every((count) => count >= CHUNK_POINTS && count <= 2 * CHUNK_POINTS)).toBe(true);
    await expectMatches(model);
    expect(await history({ startStep: 1000, endStep: 1100 })).toEqual(model.history({ startStep: 1000, endStep: 1100 }));
  });

  it('sorts an unordered batch that touches chunks, the tail and new steps; the later point at a step wins', async () => {
    const model = new Model();
    await append(model, series(range(0, CHUNK_POINTS)));
    await appendSmall(model, series(range(CHUNK_POINTS, 1500)));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 1500 - CHUNK_POINTS });
    const batch = [loss(1, 2000), loss(2, 10), loss(3, 1400), loss(4, 10), loss(5, 1600), loss(6, 1400)];
    await append(model, batch);
    await expectMatches(model);
    expect((await history({ startStep: 10, endStep: 10 }))[0]?.value).toBe(4);
  });
});

describe('reading ranges', () => {
  it('starts and ends inside chunks, at their edges, in the tail, or past everything', async () => {
    const model = new Model();
    await append(model, series(range(0, 4 * CHUNK_POINTS)));
    await appendSmall(model, series(range(4 * CHUNK_POINTS, 5000)));
    expect(layout()).toEqual({ chunks: Array<number>(4).fill(CHUNK_POINTS), rows: 5000 - 4 * CHUNK_POINTS });
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
    expect(layout().chunks).toEqual([CHUNK_POINTS, CHUNK_POINTS, 2500 - 2 * CHUNK_POINTS]);
    expect((await history({ startStep: 1020, endStep: 1030 })).map((p) => p.value)).toEqual(range(1020, 1031).map((s) => special[s % 5]));
    expect(await summary()).toMatchObject({ min: -Infinity, max: Infinity, mean: NaN, count: 2500, last: { value: -1.5, step: 2499 } });
    await append(model, [loss(NaN, 1021), loss(-2, 1022)]);
    expect(await history()).toEqual(model.history());
    expect(await summary()).toMatchObject({ min: -Infinity, max: Infinity, count: 2500 });
  });
});

describe('a database written by the first schema version', () => {
  /** Builds a v1 database with one run and a 3,000-point series held as rows, as v1 wrote them. */
  async function givenV1Database(points: number): Promise<{ runId: string; model: Model }> {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'fathom-chunks-v1-'));
    file = join(dir, 'fathom.db');
    const v1 = SqliteDatabase.open(file, { migrations: MIGRATIONS.filter((m) => m.version === 1), backgroundCheckpoints: false });
    const c = v1.connection;
    c.prepare("INSERT INTO experiments VALUES ('exp-v1', 'old', NULL, 'ada', ?, ?, 'active')").run(T0, T0);
    c.prepare("INSERT INTO runs VALUES ('run-v1', 'exp-v1', NULL, 'running', NULL, 'ada', ?, NULL, 'active')").run(T0);
    const model = new Model();
    const drafts = series(range(0, points), (step) => (step === 7 ? NaN : step % 100));
    model.add(drafts);
    const expected = model.summary();
    const id = c
      .prepare(
        `INSERT INTO metric_series (run_id, key, last_value, last_step, last_timestamp, first_step, min, max, sum, numeric_count, count)
         VALUES ('run-v1', 'loss', ?, ?, ?, 0, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck()
      .get(expected.last.value, expected.lastStep, expected.last.timestamp, expected.min, expected.max, expected.mean * (points - 1), points - 1, points);
    const insert = c.prepare('INSERT INTO metric_points VALUES (?, ?, ?, ?)');
    c.transaction(() => drafts.forEach((p) => insert.run(id, p.step, Number.isNaN(p.value) ? null : p.value, p.timestamp)))();
    await v1.close();
    store = createSqliteStore(file);
    runId = 'run-v1';
    return { runId, model };
  }

  it('reads its histories as they were, and seals a series at its next append', async () => {
    const { model } = await givenV1Database(3000);
    expect(layout()).toEqual({ chunks: [], rows: 3000 });
    await expectMatches(model);
    expect(await history({ startStep: 5, endStep: 9 })).toEqual(model.history({ startStep: 5, endStep: 9 }));
    await append(model, series([3000]));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS], rows: 3001 - 2 * CHUNK_POINTS });
    await expectMatches(model);
    await append(model, [loss(-1, 7)]);
    await expectMatches(model);
  });

  it('keeps a short series as rows until it reaches a chunk', async () => {
    const { model } = await givenV1Database(1000);
    await append(model, series(range(1000, 1010)));
    expect(layout()).toEqual({ chunks: [], rows: 1010 });
    await append(model, series(range(1010, 1030)));
    expect(layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 1030 - CHUNK_POINTS });
    await expectMatches(model);
  });
});

it('deleting a run removes its chunks and rows with its series', async () => {
  const other = await givenRun(store, (await givenExperiment(store)).id);
  await store.metrics.append(runId, series(range(0, 5000)));
  await store.metrics.append(runId, series(range(5000, 5010)));
  await store.metrics.append(other.id, series(range(0, 1500)));
  await store.metrics.append(other.id, series(range(1500, 1520)));
  const count = (table: string) => store.database.connection.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
  expect([count('metric_chunks'), count('metric_points')]).toEqual([5 + 2, 10 + 20]);
  await store.runs.delete(runId);
  expect([count('metric_series'), count('metric_chunks'), count('metric_points')]).toEqual([1, 2, 20]);
  expect(pointsOf('loss', await store.metrics.history(other.id, 'loss', {})).length).toBe(1520);
});

it('refuses a big-endian machine with a clear error', () => {
  expect(() => assertLittleEndian('BE')).toThrow(/little-endian.*big-endian/);
  expect(() => assertLittleEndian('LE')).not.toThrow();
});
