import { readFileSync } from 'node:fs';
import pg from 'pg';
import { connectionString, findPostgres, startCluster, type PostgresCluster } from '../support/postgres-cluster.js';

/**
 * The PostgreSQL cluster of `npm run bench -- --store postgres`: a throwaway one on loopback,
 * durable as in production (fsync, full-page writes and synchronous commits on), a fresh database
 * for every server that needs an empty store, stopped at the end of the run.
 */

/** Connections each server opens at most (FATHOM_DB_POOL_SIZE): the server's default, set so a change of default shows here. */
export const DB_POOL_SIZE = 10;

/** Settings read back from the cluster, to show in the report. */
const REPORTED_SETTINGS = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_wal_size', 'checkpoint_timeout'];

export class BenchPostgres {
  private databases = 0;

  private constructor(
    private readonly cluster: PostgresCluster,
    private readonly admin: pg.Client,
    /** The postmaster: every process of the cluster is it or one of its children (undefined without /proc). */
    readonly postmasterPid: number | undefined,
  ) {}

  /** Starts the cluster; fails with what is missing where PostgreSQL 15 is not installed. */
  static async start(): Promise<BenchPostgres> {
    const found = findPostgres();
    if ('missing' in found) throw new Error(`--store postgres needs PostgreSQL 15: ${found.missing}`);
    const cluster = await startCluster({ durable: true });
    const admin = new pg.Client({ connectionString: connectionString(cluster, 'postgres') });
    try {
      await admin.connect();
      const { rows } = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return new BenchPostgres(cluster, admin, parentOf(rows[0]?.pid as number));
    } catch (error) {
      await admin.end().catch(() => undefined);
      await cluster.stop();
      throw error;
    }
  }

  /** A new empty database, as an operator would create one for Fathom; its URL. */
  async createDatabase(label: string): Promise<string> {
    this.databases += 1;
    const name = `bench_${this.databases}_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
    await this.admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    return connectionString(this.cluster, name);
  }

  /** FATHOM_* settings of a server on a new empty database. */
  async freshStore(label: string): Promise<Record<string, string>> {
    return storeEnv(await this.createDatabase(label));
  }

  async settings(): Promise<Record<string, string>> {
    const { rows } = await this.admin.query<{ name: string; setting: string }>(
      'SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name',
      [REPORTED_SETTINGS],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  }

  /** Stops the cluster and removes its files. */
  async stop(): Promise<void> {
    await this.admin.end().catch(() => undefined);
    await this.cluster.stop();
  }
}

/** The settings that put a server on the database at `url`. */
export function storeEnv(url: string): Record<string, string> {
  return { FATHOM_STORE: 'postgres', FATHOM_DATABASE_URL: url, FATHOM_DB_POOL_SIZE: String(DB_POOL_SIZE) };
}

/**
 * What the tables of the database at `url` take, indexes and TOAST included (what would grow on
 * disk), per table and in total.
 */
export async function tableBytes(url: string): Promise<{ total: number; tables: Record<string, number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.relname`,
    );
    const tables = Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
    return { total: Object.values(tables).reduce((a, b) => a + b, 0), tables };
  } finally {
    await client.end();
  }
}

/** The parent of process `pid` (Linux /proc; undefined elsewhere): a backend's parent is the postmaster. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
