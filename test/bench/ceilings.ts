import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresDatabase } from '../../src/adapters/persistence/postgres/postgres-database.js';
import { SqliteDatabase, type Durability } from '../../src/adapters/persistence/sqlite/sqlite-database.js';
import { CpuWatch, type CpuShares } from './cpu.js';
import { jsonRequest, runLoad, type LoadResult } from './load.js';
import { databaseBytes, spawnNode } from './server.js';

/**
 * Ceilings: what the machine does in the same run without Fathom's work in the way, so workload
 * figures can be read as ratios that survive a noisy, shared machine.
 */

/**
 * The `metric_points` table as migration 1 creates it (src/adapters/persistence/sqlite/migrations.ts).
 * Used only when no Fathom database is at hand to read the real one from (`--store memory`).
 */
export const METRIC_POINTS_DDL = [
  `CREATE TABLE metric_points (
    series_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (series_id, step)
  ) WITHOUT ROWID`,
];

/** Settings read back from the raw ceiling's connection, to show in the report. */
const REPORTED_PRAGMAS = ['journal_mode', 'synchronous', 'cache_size', 'page_size', 'wal_autocheckpoint', 'foreign_keys'];

/** The statements that create `metric_points` (with any index or trigger of its own) in the database at `file`. */
export function metricPointsSchema(file: string): string[] | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[], { sql: string }>(
        `SELECT sql FROM sqlite_master WHERE tbl_name = 'metric_points' AND sql IS NOT NULL
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`,
      )
      .all();
    return rows.length === 0 ? undefined : rows.map((r) => r.sql);
  } finally {
    db.close();
  }
}

export interface RawInsertOptions {
  warmupMs: number;
  durationMs: number;
  schema: string[];
  /** The server's durability setting (FATHOM_DURABILITY), which decides `synchronous`. */
  durability: Durability;
  rowsPerTransaction: number;
  /** Series written in turn, one point each per step (like the keys of a training loop). */
  series: number;
}

export interface RawInsertResult {
  rows: number;
  elapsedMs: number;
  rowsPerSecond: number;
  /** All rows in the file (warm-up included), and the file's size after close (which checkpoints). */
  totalRows: number;
  fileBytes: number;
  bytesPerRow: number;
  schema: string[];
  /** As the connection reports them (synchronous: 1 = NORMAL, 2 = FULL). */
  pragmas: Record<string, unknown>;
  /** During the timed part (the client is the inserting process). */
  cpu: CpuShares;
}

/**
 * (a) Raw better-sqlite3: a prepared single-row INSERT into the same `metric_points` shape, in a
 * loop, `rowsPerTransaction` rows per transaction, in a fresh file. The file is opened by the
 * store's own `SqliteDatabase.open` (with `schema` as its only migration), so the connection has
 * exactly the server's pragmas, and closed by it (checkpoint, as the server does on SIGTERM).
 */
export async function rawInsertCeiling(options: RawInsertOptions): Promise<RawInsertResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fathom-bench-raw-'));
  const file = join(dir, 'raw.db');
  try {
    const store = SqliteDatabase.open(file, {
      durability: options.durability,
      migrations: [{ version: 1, name: 'metric_points only (bench ceiling)', sql: options.schema.map((sql) => `${sql};`).join('\n') }],
    });
    const db = store.connection;
    const pragmas = Object.fromEntries(REPORTED_PRAGMAS.map((name) => [name, db.pragma(name, { simple: true })]));
    const insert = db.prepare<[number, number, number | null, number]>('INSERT INTO metric_points (series_id, step, value, timestamp) VALUES (?, ?, ?, ?)');
    // Values drawn ahead of time, so the loop measures SQLite and not the random number generator.
    const values = Float64Array.from({ length: 65_536 }, () => Math.random() * 4);
    let step = 0;
    let rows = 0;
    const batch = db.transaction((count: number) => {
      const now = Date.now();
      for (let i = 0; i < count; step += 1) {
        for (let s = 1; s <= options.series && i < count; s += 1, i += 1) {
          insert.run(s, step, values[(rows + i) & 65_535] as number, now);
        }
      }
      rows += count;
    });
    const runFor = (ms: number): { rows: number; elapsedMs: number; cpu: CpuShares } => {
      const before = rows;
      const watch = new CpuWatch();
      const start = performance.now();
      const deadline = start + ms;
      while (performance.now() < deadline) batch(options.rowsPerTransaction);
      const elapsedMs = performance.now() - start;
      return { rows: rows - before, elapsedMs, cpu: watch.stop() };
    };
    runFor(options.warmupMs);
    const timed = runFor(options.durationMs);
    await store.close();
    const size = await databaseBytes(file);
    const fileBytes = size?.total ?? NaN;
    return {
      rows: timed.rows,
      elapsedMs: timed.elapsedMs,
      rowsPerSecond: (timed.rows * 1000) / timed.elapsedMs,
      totalRows: rows,
      fileBytes,
      bytesPerRow: fileBytes / rows,
      schema: options.schema,
      pragmas,
      cpu: timed.cpu,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface PostgresInsertOptions {
  /** A new empty database of the bench's cluster. */
  url: string;
  warmupMs: number;
  durationMs: number;
  rowsPerTransaction: number;
  /** Series written in turn, one point each per step (like the keys of a training loop). */
  series: number;
}

export interface PostgresInsertResult {
  rows: number;
  elapsedMs: number;
  rowsPerSecond: number;
  /** All rows in the table (warm-up included), and the table's size with its index. */
  totalRows: number;
  tableBytes: number;
  bytesPerRow: number;
  /** The statement each transaction is. */
  statement: string;
  /** During the timed part: the client is the inserting process, the database the cluster. */
  cpu: CpuShares;
}

/** One transaction of rows: four arrays, one per column, unnested into rows by the server. */
const RAW_POSTGRES_INSERT =
  'INSERT INTO raw_points (series_id, step, value, timestamp) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[])';

/**
 * (a) Raw PostgreSQL inserts: one connection inserting rows of `metric_points`' shape, each
 * transaction one prepared `INSERT … SELECT FROM unnest(arrays)` of `rowsPerTransaction` rows
 * (autocommit: one round trip per transaction), the plain way to insert many rows with pg. The
 * database is migrated by the store's own `PostgresDatabase.open` and the table created `LIKE
 * metric_points INCLUDING ALL`, so it has the server's columns, types and primary key (not its
 * foreign key, which would need runs and series first).
 */
export async function postgresInsertCeiling(options: PostgresInsertOptions): Promise<PostgresInsertResult> {
  const store = await PostgresDatabase.open({ connectionString: options.url, poolSize: 1 });
  await store.close();
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    await client.query('CREATE TABLE raw_points (LIKE metric_points INCLUDING ALL)');
    // Values drawn ahead of time, so the loop measures PostgreSQL and not the random number generator.
    const values = Float64Array.from({ length: 65_536 }, () => Math.random() * 4);
    let step = 0;
    let rows = 0;
    const batch = async (count: number): Promise<void> => {
      const now = Date.now();
      const columns: [number[], number[], number[], number[]] = [[], [], [], []];
      for (let i = 0; i < count; step += 1) {
        for (let s = 1; s <= options.series && i < count; s += 1, i += 1) {
          columns[0].push(s);
          columns[1].push(step);
          columns[2].push(values[(rows + i) & 65_535] as number);
          columns[3].push(now);
        }
      }
      await client.query({ name: 'raw-insert', text: RAW_POSTGRES_INSERT, values: columns });
      rows += count;
    };
    const runFor = async (ms: number): Promise<{ rows: number; elapsedMs: number; cpu: CpuShares }> => {
      const before = rows;
      const watch = new CpuWatch();
      const start = performance.now();
      const deadline = start + ms;
      while (performance.now() < deadline) await batch(options.rowsPerTransaction);
      const elapsedMs = performance.now() - start;
      return { rows: rows - before, elapsedMs, cpu: watch.stop() };
    };
    await runFor(options.warmupMs);
    const timed = await runFor(options.durationMs);
    const { rows: size } = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('raw_points')::text AS bytes");
    const tableBytes = Number(size[0]?.bytes);
    return {
      rows: timed.rows,
      elapsedMs: timed.elapsedMs,
      rowsPerSecond: (timed.rows * 1000) / timed.elapsedMs,
      totalRows: rows,
      tableBytes,
      bytesPerRow: tableBytes / rows,
      statement: RAW_POSTGRES_INSERT,
      cpu: timed.cpu,
    };
  } finally {
    await client.end();
  }
}

export interface TrivialRouteResult {
  byConnections: Record<number, LoadResult>;
}

/** (b) A trivial Fastify route in its own process: `POST /trivial` with a small JSON body, answering `{}`. */
export async function trivialRouteCeiling(options: { warmupMs: number; durationMs: number; connections: number[] }): Promise<TrivialRouteResult> {
  const server = await spawnNode({
    args: ['--import', 'tsx', 'test/bench/trivial-server.ts'],
    env: {},
    label: 'trivial fastify',
    listening: (line) => {
      try {
        const entry = JSON.parse(line) as { listening?: unknown };
        return typeof entry.listening === 'string' ? entry.listening : undefined;
      } catch {
        return undefined;
      }
    },
  });
  try {
    const request = jsonRequest('POST', '/trivial', { key: 'train/loss', value: 0.4213, step: 1200 });
    const target = { host: server.host, port: server.port };
    const byConnections: Record<number, LoadResult> = {};
    for (const connections of options.connections) {
      await runLoad({ target, connections, durationMs: options.warmupMs, source: () => () => request });
      byConnections[connections] = await runLoad({ target, connections, durationMs: options.durationMs, source: () => () => request, serverPid: server.pid });
    }
    return { byConnections };
  } finally {
    await server.stop();
  }
}
