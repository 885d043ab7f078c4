import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresDatabase, Sql } from '../../../src/adapters/persistence/postgres/postgres-database.js';
import { DIRECT_POINTS, GROUP_CHUNKS } from '../../../src/adapters/persistence/postgres/postgres-metric-chunk-store.js';
import { PostgresMetricRepository } from '../../../src/adapters/persistence/postgres/postgres-metric-repository.js';
import { createPostgresStore, type PostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { CHUNK_POINTS, MAX_CHUNK_POINTS } from '../../../src/adapters/persistence/shared/metric-chunks.js';
import type { MetricDraft } from '../../../src/domain/metric.js';
import { draft, givenExperiment, givenRun } from '../../contract/repositories/support.js';
import { Model, chunkedSeries, loss, range, series, summaryOf, type Layout } from '../../support/metric-series.js';
import { describePostgres } from '../../support/postgres.js';
import { describeChunkedSeries } from './metric-chunks.contract.js';

/**
 * The PostgreSQL store keeps a history as chunks plus a tail of rows, like the SQLite store, and
 * serialises appends to a series across servers by row locks. These tests drive histories across
 * chunk boundaries and through concurrent appends from two stores (two pools: two servers), and
 * check what a user sees (history and summary) against a plain model of the series; the layout
 * (chunks and rows) is checked only to prove that a test really reaches the chunks it means to.
 */

/** The most bytes sent or received by one statement, as values (a blob, a text) add up. */
interface Largest {
  sent: number;
  received: number;
}

/** `db`, with every statement's parameters and result measured into `largest`. */
function measured(db: PostgresDatabase, largest: Largest): PostgresDatabase {
  const bytes = (values: readonly unknown[]) => values.reduce<number>((n, v) => n + (Buffer.isBuffer(v) ? v.length : typeof v === 'string' ? v.length : 0), 0);
  const wrap = (sql: Sql) => ({
    query: async (query: string | pg.QueryConfig, values?: unknown[]) => {
      const config = typeof query === 'string' ? { text: query, values } : query;
      largest.sent = Math.max(largest.sent, bytes(config.values ?? []));
      const result = await sql.query<unknown[] | Record<string, unknown>>(config);
      largest.received = Math.max(largest.received, bytes(result.rows.flatMap((row) => (Array.isArray(row) ? row : Object.values(row)))));
      return result;
    },
  });
  return {
    read: (work: (sql: Sql) => Promise<unknown>, options?: object) => db.read((sql) => work(wrap(sql) as unknown as Sql), options),
    write: (work: (sql: Sql) => Promise<unknown>, options?: object) => db.write((sql) => work(wrap(sql) as unknown as Sql), options),
  } as unknown as PostgresDatabase;
}

describePostgres('PostgreSQL metric store', (postgres) => {
  let url: string;
  let store: PostgresStore;
  let runId: string;

  beforeAll(async () => {
    url = await postgres.createDatabase();
    store = await createPostgresStore({ connectionString: url });
  });

  afterAll(async () => {
    await store?.close();
  });

  beforeEach(async () => {
    await store.database.write(async (sql) => void (await sql.query('TRUNCATE experiments CASCADE')));
    runId = (await givenRun(store, (await givenExperiment(store)).id)).id;
  });

  /** The series' chunks and rows as stored: only to show which layout a test reached. */
  async function layoutOf(key: string): Promise<Layout> {
    return store.database.read(async (sql) => {
      const series = 'SELECT id FROM metric_series WHERE run_id = $1 AND key = $2';
      const chunks = await sql.query<{ count: number }>(`SELECT count FROM metric_chunks WHERE series_id = (${series}) ORDER BY first_step`, [runId, key]);
      const rows = await sql.query<{ n: number }>(`SELECT count(*)::integer AS n FROM metric_points WHERE series_id = (${series})`, [runId, key]);
      return { chunks: chunks.rows.map((r) => r.count), rows: rows.rows[0]?.n ?? 0 };
    });
  }

  const rowsIn = (table: string) => store.database.read(async (sql) => (await sql.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${table}`)).rows[0]?.n ?? 0);
  const run = () => ({ store, runId, directPoints: DIRECT_POINTS, layout: layoutOf, rowsIn });
  const { append, appendSmall, history, summary, layout, expectMatches } = chunkedSeries(run);

  describeChunkedSeries(run);

  describe('appending across chunk boundaries', () => {
    // SQLite fills a short last chunk at once instead (sqlite-metric-chunks.test.ts).
    it('keeps each large batch as a short chunk until they add up to 1,024 points, then merges them', async () => {
      const model = new Model();
      for (let from = 0; from < 1000; from += 250) await append(model, series(range(from, from + 250)));
      expect(await layout()).toEqual({ chunks: [250, 250, 250, 250], rows: 0 });
      await expectMatches(model);
      await append(model, series(range(1000, 1250)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, 1250 - CHUNK_POINTS], rows: 0 });
      await append(model, series(range(1250, 1300)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, 1250 - CHUNK_POINTS, 50], rows: 0 });
      await append(model, series(range(1300, 3500)));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS, CHUNK_POINTS, 3500 - 3 * CHUNK_POINTS], rows: 0 });
      await expectMatches(model);
      for (const r of [{ startStep: 990, endStep: 1030 }, { startStep: 1249, endStep: 1251 }, { startStep: 2047, endStep: 2049 }]) {
        expect(await history(r), JSON.stringify(r)).toEqual(model.history(r));
      }
    });
  });

  describe('replacing points of a long series', () => {
    // Every third step from 10: 256 full chunks, then a tail. At most GROUP_CHUNKS chunks, full,
    // may travel in one statement.
    const steps = range(10, 10 + 3 * 4 * GROUP_CHUNKS * CHUNK_POINTS, 3);
    const last = steps[steps.length - 1] as number;
    const bound = GROUP_CHUNKS * MAX_CHUNK_POINTS * 3 * Float64Array.BYTES_PER_ELEMENT;

    it('reads and writes a bounded part of the series per statement, however scattered the points', async () => {
      const model = new Model();
      await append(model, series(steps, (step) => step % 1000));
      await appendSmall(model, series(range(last + 1, last + 11)));
      expect(await layout()).toEqual({ chunks: Array<number>(4 * GROUP_CHUNKS).fill(CHUNK_POINTS), rows: 10 });
      const largest = { sent: 0, received: 0 };
      const metrics = new PostgresMetricRepository(measured(store.database, largest));
      const relog = async (drafts: MetricDraft[]) => {
        await metrics.append(runId, drafts);
        model.add(drafts);
      };
      await relog([loss(-1, steps[123_456] as number)]);
      expect(await summary()).toMatchObject({ min: -1, max: 999 });
      // Replacements in every chunk, gaps filled, steps before the first chunk, a tail row.
      await relog(series([0, 3, ...range(10, last, 3 * 97), ...range(11, last, 1000), last + 5], (step) => -(step % 7)));
      // A chunk's whole range filled: it splits.
      await relog(series(range(5000, 5000 + 3 * CHUNK_POINTS), () => 5));
      await expectMatches(model);
      expect(largest.received).toBeLessThanOrEqual(bound);
      expect(largest.sent).toBeLessThanOrEqual(bound);
    });
  });

  describe('reading ranges', () => {
    it('keeps NaN, Infinity, -Infinity and -0 through chunks and rows, and aggregates them', async () => {
      const model = new Model();
      const special = [NaN, Infinity, -Infinity, 1e-300, -0, -1.5];
      const value = (step: number) => special[step % special.length] as number;
      await append(model, series(range(0, 2500), value));
      await appendSmall(model, series(range(2500, 2530), value));
      expect(await layout()).toEqual({ chunks: [CHUNK_POINTS, CHUNK_POINTS, 2500 - 2 * CHUNK_POINTS], rows: 30 });
      expect((await history({ startStep: 1020, endStep: 1030 })).map((p) => p.value)).toEqual(range(1020, 1031).map(value));
      expect((await history({ startStep: 2500 })).map((p) => p.value)).toEqual(range(2500, 2530).map(value));
      expect(await summary()).toMatchObject({ min: -Infinity, max: Infinity, mean: NaN, count: 2530, last: { value: value(2529), step: 2529 } });
      await append(model, [loss(NaN, 1021), loss(-2, 1022), loss(NaN, 2520)]);
      expect(await history()).toEqual(model.history());
      expect(await summary()).toMatchObject({ min: -Infinity, max: Infinity, count: 2530 });
    });
  });

  describe('two servers appending to the same run and key', () => {
    let second: PostgresStore;
    beforeAll(async () => {
      second = await createPostgresStore({ connectionString: url });
    });
    afterAll(async () => {
      await second?.close();
    });

    /** Runs the appenders of both servers at once: `each(server, writer)` for 3 writers per server. */
    async function onBothServers(each: (server: PostgresStore, writer: number) => Promise<void>): Promise<void> {
      await Promise.all([store, second].flatMap((server, s) => range(0, 3).map((w) => each(server, s * 3 + w))));
    }

    it('loses and duplicates nothing when the steps are given, in and out of order, across seals', async () => {
      const model = new Model();
      // Writer w owns the steps ≡ w (mod 6); its batches alternate small (through the tail) and
      // large (into chunks), so late points land in chunks and the tail of the other writers.
      const batches = range(0, 6).map((w) => {
        const steps = range(w, 6 * 1800, 6);
        const out: number[][] = [];
        for (let i = 0, n = 0; i < steps.length; n++) {
          const size = n % 2 ? 150 : 7;
          out.push(steps.slice(i, i + size));
          i += size;
        }
        return out.map((part) => series(part, (step) => (step % 201) - 100));
      });
      for (const list of batches) for (const batch of list) model.add(batch);
      await onBothServers(async (server, w) => {
        for (const batch of batches[w] as MetricDraft[][]) await server.metrics.append(runId, batch);
      });
      expect(await history()).toEqual(model.history());
      // Whole values: the mean is exact whatever order the batches added up in.
      expect(await summary()).toEqual({ key: 'loss', ...model.summary() });
      for (const r of [{ startStep: 1000, endStep: 1100 }, { startStep: 6000 }]) expect(await history(r)).toEqual(model.history(r));
    });

    it('keeps one point per step and aggregates matching the history when both replace the same steps', async () => {
      await onBothServers(async (server, w) => {
        for (let from = 0; from < 3000; from += 500) await server.metrics.append(runId, series(range(from, from + 500), (step) => w * 10_000 + (step % 97)));
        await server.metrics.append(runId, series(range(0, 3000, 37), () => -w));
      });
      const points = await history();
      expect(points.map((p) => p.step)).toEqual(range(0, 3000));
      expect(points.every((p) => p.value <= 0 || p.value % 10_000 === p.step % 97)).toBe(true);
      expect(await summary()).toEqual({ key: 'loss', ...summaryOf(points) });
    });

    it('creates a series once when every writer brings its first point at the same moment', async () => {
      for (let round = 0; round < 10; round++) {
        const key = `new-${round}`;
        await onBothServers((server, w) => server.metrics.append(runId, [draft(key, w)]).then(() => undefined));
        const points = await history({}, key);
        expect(points.map((p) => p.step)).toEqual(range(0, 6));
        expect(points.map((p) => p.value).sort()).toEqual(range(0, 6));
      }
      expect((await store.metrics.summaries([runId])).get(runId)?.length).toBe(10);
    });

    it('locks a series created by another append after its lock began in key order too, so appends never deadlock', async () => {
      // An append (X) to keys a and z, of which only z is visible when it starts: another
      // transaction has just created a, uncommitted; a third holds z. X must take a before z,
      // as a transaction locking a then z (Y, like an append seeing both) does, or X holding z
      // and Y holding a would wait for each other.
      await store.metrics.append(runId, [draft('z', 0, 0)]);
      const [creator, holder, y] = [new pg.Client(url), new pg.Client(url), new pg.Client(url)];
      await Promise.all([creator, holder, y].map((client) => client.connect()));
      try {
        const lock = (client: pg.Client, key: string) => client.query('SELECT 1 FROM metric_series WHERE run_id = $1 AND key = $2 FOR UPDATE', [runId, key]);
        /** Until a backend other than `pid` waits for a lock `blocker` holds (or `pid` waits, for blocker 0). */
        const waiting = async (where: string, pid: number) => {
          for (let tries = 0; tries < 500; tries++) {
            const { rows } = await holder.query(`SELECT 1 FROM pg_stat_activity WHERE ${where}`, [pid]);
            if (rows.length > 0) return;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          throw new Error(`nothing waited (${where})`);
        };
        const blockedBy = (client: pg.Client) => waiting('$1 = ANY(pg_blocking_pids(pid))', (client as unknown as { processID: number }).processID);
        await creator.query('BEGIN');
        await creator.query("INSERT INTO metric_series (run_id, key, last_step, last_timestamp, first_step, numeric_count, count) VALUES ($1, 'a', 0, 0, 0, 0, 0)", [runId]);
        await holder.query('BEGIN');
        await lock(holder, 'z');
        const x = store.metrics.append(runId, [draft('a', 1, 1), draft('z', 1, 1)]);
        await blockedBy(creator);
        await creator.query('COMMIT');
        await blockedBy(holder);
        // Y checks for a deadlock at once, so that it, not X (which would be retried), is the one
        // a deadlock aborts.
        await y.query("SET deadlock_timeout = '10ms'");
        const locksInKeyOrder = (async () => {
          await y.query('BEGIN');
          await lock(y, 'a');
          await lock(y, 'z');
          await y.query('COMMIT');
        })();
        await waiting("pid = $1 AND wait_event_type = 'Lock'", (y as unknown as { processID: number }).processID);
        await holder.query('COMMIT');
        await expect(locksInKeyOrder).resolves.toBeUndefined();
        expect(await x).toBe(2);
        expect((await history({}, 'a')).map((p) => [p.step, p.value])).toEqual([[1, 1]]);
        expect((await history({}, 'z')).map((p) => [p.step, p.value])).toEqual([[0, 0], [1, 1]]);
      } finally {
        await Promise.all([creator, holder, y].map((client) => client.end()));
      }
    });

    it('gives drafts without a step consecutive steps per batch, none lost or shared, on several keys locked in any order', async () => {
      const calls = 25;
      const size = 40;
      await onBothServers(async (server, w) => {
        for (let b = 0; b < calls; b++) {
          const value = (i: number) => (w * calls + b) * size + i;
          const keys = w % 2 ? ['acc', 'loss'] : ['loss', 'acc'];
          await server.metrics.append(runId, range(0, size).flatMap((i) => keys.map((key) => draft(key, value(i)))));
        }
      });
      const total = 6 * calls * size;
      for (const key of ['loss', 'acc']) {
        const points = await history({}, key);
        expect(points.map((p) => p.step)).toEqual(range(0, total));
        expect(points.map((p) => p.value).sort((a, b) => a - b)).toEqual(range(0, total));
        // A batch's points are consecutive and in order.
        for (let i = 0; i < total; i += size) {
          const batch = points.slice(i, i + size).map((p) => p.value);
          expect(batch).toEqual(range(batch[0] as number, (batch[0] as number) + size));
        }
        expect(await summary(key)).toEqual({ key, ...summaryOf(points) });
      }
    });
  });
});
