import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertLittleEndian, CHUNK_POINTS } from '../../../src/adapters/persistence/shared/metric-chunks.js';
import { DIRECT_POINTS } from '../../../src/adapters/persistence/sqlite/sqlite-metric-chunk-store.js';
import { MIGRATIONS } from '../../../src/adapters/persistence/sqlite/migrations.js';
import { SqliteDatabase } from '../../../src/adapters/persistence/sqlite/sqlite-database.js';
import { createSqliteStore } from '../../../src/adapters/persistence/sqlite/sqlite-store.js';
import { T0, givenExperiment, givenRun } from '../../contract/repositories/support.js';
import { Model, chunkedSeries, loss, range, series, type Layout } from '../../support/metric-series.js';
import { describeChunkedSeries } from './metric-chunks.contract.js';

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

/** The series' chunks and rows as stored: only to show which layout a test reached. */
function layoutOf(key: string): Layout {
  const c = store.database.connection;
  const id = c.prepare('SELECT id FROM metric_series WHERE run_id = ? AND key = ?').pluck().get(runId, key);
  return {
    chunks: c.prepare('SELECT count FROM metric_chunks WHERE series_id = ? ORDER BY first_step').pluck().all(id) as number[],
    rows: c.prepare('SELECT count(*) FROM metric_points WHERE series_id = ?').pluck().get(id) as number,
  };
}

const run = () => ({
  store,
  runId,
  directPoints: DIRECT_POINTS,
  layout: async (key: string) => layoutOf(key),
  rowsIn: async (table: string) => store.database.connection.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number,
});
const { append, history, layout, expectMatches } = chunkedSeries(run);

describeChunkedSeries(run);

it('fills a short last chunk with the next large batches', async () => {
  const model = new Model();
  for (let from = 0; from < 1250; from += 250) await append(model, series(range(from, from + 250)));
  expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, 1250 - CHUNK_POINTS], rows: 0 });
  await expectMatches(model);
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
    expect(await layout()).toEqual({ chunks: [], rows: 3000 });
    await expectMatches(model);
    expect(await history({ startStep: 5, endStep: 9 })).toEqual(model.history({ startStep: 5, endStep: 9 }));
    await append(model, series([3000]));
    expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS], rows: 3001 - 2 * CHUNK_POINTS });
    await expectMatches(model);
    await append(model, [loss(-1, 7)]);
    await expectMatches(model);
  });

  it('keeps a short series as rows until it reaches a chunk', async () => {
    const { model } = await givenV1Database(1000);
    await append(model, series(range(1000, 1010)));
    expect(await layout()).toEqual({ chunks: [], rows: 1010 });
    await append(model, series(range(1010, 1030)));
    expect(await layout()).toEqual({ chunks: [CHUNK_POINTS], rows: 1030 - CHUNK_POINTS });
    await expectMatches(model);
  });
});

it('refuses a big-endian machine with a clear error', () => {
  expect(() => assertLittleEndian('BE')).toThrow(/little-endian.*big-endian/);
  expect(() => assertLittleEndian('LE')).not.toThrow();
});
