import pg from 'pg';
import type { Readiness } from '../../../application/ports/readiness.js';
import { UnavailableError } from '../../../domain/errors.js';
import { latestVersion } from '../shared/migration.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';
import { connectionLost, RETRYABLE_STATES, translate, type ErrorContext, type UniqueViolations } from './postgres-errors.js';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database (FATHOM_DATABASE_URL). */
  connectionString: string;
  /** Connections this server opens at most (FATHOM_DB_POOL_SIZE); default 10. */
  poolSize?: number;
  /** The server cancels a statement running longer (statement_timeout), in ms; default 30 s. */
  statementTimeoutMs?: number;
  /** Connecting, or waiting for a free pooled connection, longer than this fails, in ms; default 5 s. */
  connectionTimeoutMs?: number;
  /** How long `readiness.check` waits for SELECT 1, in ms; default 2 s. */
  readinessTimeoutMs?: number;
  /** How long migrating may take, waiting for another server's migration included, in ms; default 10 min. */
  migrationTimeoutMs?: number;
  /**
   * Refuse a database Fathom never migrated (PostgresOpenError) instead of creating the schema:
   * for maintenance commands, where an empty database means a mistyped URL, not a new store.
   */
  requireSchema?: boolean;
  /** The migrations to apply; the released list unless a test gives its own. */
  migrations?: readonly Migration[];
}

/** Refused at start: the database holds a newer schema, is not UTF-8, or a migration failed. */
export class PostgresOpenError extends Error {}

/** What repositories run statements on (a pooled connection; they never release it). */
export type Sql = Pick<pg.ClientBase, 'query'>;

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface WriteOptions {
  /** Unique indexes or constraints whose violation means a domain error (AlreadyExistsError, …). */
  uniqueViolations?: UniqueViolations;
  /** Default read committed: invariants rest on constraints, upserts and row locks (FOR UPDATE). */
  isolation?: Isolation;
}

/** Attempts of a write the server aborted for a serialization failure or a deadlock. */
const MAX_ATTEMPTS = 5;
/** The transaction-level advisory lock ('Fath', 1) held while migrating. */
export const MIGRATION_LOCK = [0x46617468, 1] as const;
const INT8 = 20;
/**
 * float8 values (metric points, numeric parameters) are read as text, which is exact, parsing back
 * to the same double, only with extra_float_digits >= 1 (the default since PostgreSQL 12). A
 * database or role set to 0, as some older deployments are, would round them to 15 significant
 * digits: 0.1 + 0.2 would read back as 0.3, and the same parameter logged again would conflict
 * with itself. So every pooled connection sets it: after the connection string's options, PGOPTIONS
 * and the database's and role's settings, which it thereby overrides.
 */
const EXACT_FLOATS = 'SET extra_float_digits = 3';

/**
 * One PostgreSQL database and the bounded pool of connections every repository shares.
 *
 * Unlike SQLite there is no write queue: each write is its own transaction on its own pooled
 * connection, and concurrency (across this server's requests and across servers) is the
 * database's to arbitrate. Every connection carries a statement timeout, connecting carries a
 * connection timeout, and a query the server never answers (a network partition) times out on
 * the client: whatever happens to the database, a caller gets an answer or an UnavailableError,
 * never a hang.
 */
export class PostgresDatabase {
  private readonly pool: pg.Pool;
  readonly readiness: Readiness;
  private readonly context: ErrorContext;
  private readonly migrationTimeoutMs: number;
  private readonly migrations: readonly Migration[];
  private closed = false;

  /** Creates the pool; connects nothing yet. `open` also migrates. */
  constructor(private readonly options: PostgresOptions) {
    const poolSize = options.poolSize ?? 10;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw new Error(`the pool size must be a whole number from 1, not ${poolSize}`);
    const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    const connectionTimeoutMs = options.connectionTimeoutMs ?? 5_000;
    this.migrationTimeoutMs = options.migrationTimeoutMs ?? 600_000;
    this.migrations = options.migrations ?? MIGRATIONS;
    this.pool = new pg.Pool({
      ...clientConfig(options.connectionString, statementTimeoutMs, connectionTimeoutMs),
      max: poolSize,
      idleTimeoutMillis: 30_000,
      // Before a new connection is first handed out: one round trip, once per connection. pg-pool
      // waits for the promise and drops the connection if it fails; @types/pg declares it void.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      onConnect: async (client: pg.ClientBase): Promise<void> => void (await client.query(EXACT_FLOATS)),
    });
    // An idle connection the server dropped (restart, failover) must not crash the process: the
    // pool removes it, and the next checkout connects afresh.
    this.pool.on('error', () => undefined);
    this.context = {
      server: describeServer(options.connectionString),
      statementTimeoutMs,
      connectionTimeoutMs,
      poolSize,
      poolExhausted: () => this.pool.totalCount >= poolSize,
    };
    const readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;
    this.readiness = { check: () => this.ping(readinessTimeoutMs) };
  }

  /**
   * Connects and applies pending migrations. Several servers opening one database at once
   * migrate it once: the first takes the advisory lock, the others wait for it and then find
   * nothing to do.
   * @throws UnavailableError when the database cannot be reached; PostgresOpenError when it
   * holds a newer schema, is not UTF-8, or a migration fails (nothing is changed then).
   */
  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(options);
    try {
      await db.migrate();
      return db;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** Applies pending migrations in one transaction under the migration lock; see `open`. */
  async migrate(): Promise<void> {
    // A connection of its own: migrating may take longer than a statement may.
    const client = new pg.Client(clientConfig(this.options.connectionString, this.migrationTimeoutMs, this.context.connectionTimeoutMs));
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw translate(error, this.context);
    }
    try {
      const { rows } = await client.query<{ encoding: string }>("SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()");
      if (rows[0]?.encoding !== 'UTF8') {
        throw new PostgresOpenError(`the database ${this.context.server} is encoded in ${rows[0]?.encoding ?? 'an unknown encoding'}; Fathom needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')`);
      }
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
      if (this.options.requireSchema && (await client.query("SELECT to_regclass('schema_migrations') AS t")).rows[0]?.t === null) {
        throw new PostgresOpenError(`there is no Fathom schema in the database ${this.context.server}; is FATHOM_DATABASE_URL (--database-url) right?`);
      }
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at bigint NOT NULL
      )`);
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const latest = latestVersion(this.migrations);
      const newest = Math.max(0, ...applied);
      if (newest > latest) {
        throw new PostgresOpenError(
          `the database ${this.context.server} has schema version ${newest}, written by a newer Fathom; this one knows versions up to ${latest}. ` +
            'Upgrade Fathom, or point FATHOM_DATABASE_URL at another database.',
        );
      }
      for (const migration of [...this.migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        try {
          await client.query(migration.sql);
        } catch (error) {
          throw new PostgresOpenError(`migration ${migration.version} (${migration.name}) failed on ${this.context.server}: ${(error as Error).message}; nothing was changed`, { cause: error });
        }
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (error) {
      if (!connectionLost(error)) await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof PostgresOpenError ? error : translate(error, { ...this.context, statementTimeoutMs: this.migrationTimeoutMs });
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Runs statements outside a transaction, each seeing what was committed when it started. With
   * `snapshot`, all of them see one snapshot (a read-only repeatable-read transaction): for a
   * read made of several statements that must agree, like a history's chunks and its tail.
   */
  async read<T>(work: (sql: Sql) => Promise<T>, options: { snapshot?: boolean } = {}): Promise<T> {
    const { client, release } = await this.checkout();
    let broken: unknown;
    try {
      if (!options.snapshot) return await work(client);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (options.snapshot) broken = await rollback(client, error);
      else if (connectionLost(error)) broken = error;
      throw translate(error, this.context);
    } finally {
      release(broken);
    }
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back
   * entirely when it throws (what it wrote is gone, other writes are untouched). A transaction
   * the server aborted to keep concurrent ones consistent (serialization failure, deadlock) is
   * run again, up to 5 times: `work` may run more than once, so it must do nothing outside the
   * transaction. Resolves only after COMMIT returned.
   */
  async write<T>(work: (sql: Sql) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const isolation = options.isolation ?? 'read committed';
    for (let attempt = 1; ; attempt++) {
      const { client, release } = await this.checkout();
      let broken: unknown;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = await rollback(client, error);
        const state = error instanceof pg.DatabaseError ? error.code : undefined;
        if (state !== undefined && RETRYABLE_STATES.has(state) && attempt < MAX_ATTEMPTS && !this.closed) {
          // Jittered backoff, so the transactions that collided do not collide again.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** attempt * 5));
          continue;
        }
        throw translate(error, this.context, options.uniqueViolations);
      } finally {
        release(broken);
      }
    }
  }

  /** Closes every connection; reads and writes after it get UnavailableError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /**
   * A pooled connection, and how to give it back: `release(broken)` with what broke it makes the
   * pool drop it instead of handing it out again.
   */
  private async checkout(): Promise<{ client: pg.PoolClient; release: (broken: unknown) => void }> {
    if (this.closed) throw new UnavailableError('the database is closed');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error, this.context);
    }
    // pg-pool listens for errors on idle connections only. One that breaks while checked out,
    // between two statements, emits 'error' with no query to receive it, which would end the
    // process; the next statement on it fails instead, and that failure is reported.
    const ignore = () => undefined;
    client.on('error', ignore);
    return {
      client,
      release: (broken) => {
        client.removeListener('error', ignore);
        client.release(broken instanceof Error ? broken : Boolean(broken));
      },
    };
  }

  /**
   * SELECT 1 within `timeoutMs`, connecting included. A pool whose every connection stays busy
   * that long reads as not ready too: a load balancer then sends requests to another server.
   */
  private async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`the database at ${this.context.server} did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const query = this.read((sql) => sql.query('SELECT 1'));
    query.catch(() => undefined); // settles after the timeout won: nobody is waiting any more
    try {
      await Promise.race([query, timeout]);
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      throw new UnavailableError(`the database at ${this.context.server} is not usable: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Connection settings shared by the pool and the migration connection. statement_timeout is sent
 * at connection start, so it holds for every statement on the connection. The client-side
 * query_timeout (the statement timeout plus the connection timeout) is the backstop for a server
 * that cannot answer at all (a network partition): the server's own timeout never reaches us then.
 */
function clientConfig(connectionString: string, statementTimeoutMs: number, connectionTimeoutMs: number): pg.ClientConfig {
  return {
    connectionString,
    application_name: 'fathom',
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + connectionTimeoutMs,
    connectionTimeoutMillis: connectionTimeoutMs,
    // A transaction left open (a request stuck between statements) must not hold row locks for long.
    idle_in_transaction_session_timeout: Math.max(60_000, statementTimeoutMs * 2),
    keepAlive: true,
    // bigint columns (timestamps, steps, counts) read as numbers: the domain keeps them to safe integers.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  };
}

/** Rolls back after `error`; returns what should make the pool drop the connection, if anything. */
async function rollback(client: pg.PoolClient, error: unknown): Promise<unknown> {
  if (connectionLost(error)) return error;
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (failure) {
    return failure;
  }
}

/** host:port/database for messages, without the user or password. */
function describeServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || ''}`;
  } catch {
    return 'the configured server';
  }
}

export { LATEST_SCHEMA_VERSION };
