import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../../../src/adapters/persistence/postgres/migrations.js';
import { MIGRATION_LOCK, PostgresDatabase, PostgresOpenError, type PostgresOptions } from '../../../src/adapters/persistence/postgres/postgres-database.js';
import { createPostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { AlreadyExistsError, ConflictError, InvalidArgumentError, UnavailableError } from '../../../src/domain/errors.js';
import { givenExperiment, givenRun, param } from '../../contract/repositories/support.js';
import { closeAll, closedPort, proxyTo, silentPort } from '../../support/network.js';
import { connectionString, describePostgres } from '../../support/postgres.js';

const open: PostgresDatabase[] = [];
const raw: pg.Client[] = [];

afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  for (const client of raw.splice(0)) await client.end().catch(() => undefined);
  await closeAll();
});

function track(db: PostgresDatabase): PostgresDatabase {
  open.push(db);
  return db;
}

async function openDb(url: string, options: Partial<PostgresOptions> = {}): Promise<PostgresDatabase> {
  return track(await PostgresDatabase.open({ connectionString: url, ...options }));
}

async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  raw.push(client);
  await client.connect();
  return client;
}

const toyMigrations = (...extra: Migration[]): Migration[] => [
  { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, text text NOT NULL CONSTRAINT notes_text UNIQUE)' },
  ...extra,
];

const notes = (db: PostgresDatabase): Promise<string[]> =>
  db.read(async (sql) => (await sql.query<{ text: string }>('SELECT text FROM notes ORDER BY id')).rows.map((r) => r.text));

const addNote = (db: PostgresDatabase, text: string): Promise<void> =>
  db.write(async (sql) => void (await sql.query('INSERT INTO notes (text) VALUES ($1)', [text])), {
    uniqueViolations: { notes_text: () => new AlreadyExistsError(`a note '${text}' exists`) },
  });

/** How long `promise` takes to settle, and with what. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

/** Every migration's version, as schema_migrations records them once a database is up to date. */
const ALL_VERSIONS = MIGRATIONS.map(({ version }) => ({ version }));

describePostgres('PostgresDatabase', (postgres) => {
  describe('opening and migrating', () => {
    it('creates the whole schema and records the migration it applied', async () => {
      const db = await openDb(await postgres.createDatabase());
      const { recorded, tables } = await db.read(async (sql) => ({
        recorded: (await sql.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows,
        tables: (await sql.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).rows.map((r) => r.table_name),
      }));
      expect(recorded).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
      expect(LATEST_SCHEMA_VERSION).toBe(4);
      expect(tables).toEqual([
        'api_tokens', 'artifact_versions', 'artifacts', 'blob_holds', 'experiment_properties', 'experiment_tags', 'experiments', 'metric_chunks', 'metric_points',
        'metric_series', 'parameters', 'run_inputs', 'run_tags', 'runs', 'schema_migrations', 'users',
      ]);
    });

    it('with requireSchema, refuses a database Fathom never migrated and creates nothing in it', async () => {
      const url = await postgres.createDatabase();
      const refused = await timed(PostgresDatabase.open({ connectionString: url, requireSchema: true }));
      expect(refused.error).toBeInstanceOf(PostgresOpenError);
      expect((refused.error as Error).message).toMatch(/no Fathom schema in the database 127\.0\.0\.1:\d+\/fathom_test_\w+; is FATHOM_DATABASE_URL/);
      const client = await rawClient(url);
      expect(await client.query("SELECT to_regclass('schema_migrations') AS t")).toMatchObject({ rows: [{ t: null }] });
      await openDb(url);
      const db = await openDb(url, { requireSchema: true });
      expect(await db.read(async (sql) => (await sql.query('SELECT version FROM schema_migrations ORDER BY version')).rows)).toEqual(ALL_VERSIONS);
    });

    it('migrates once when 4 servers open the database at the same moment', async () => {
      const url = await postgres.createDatabase();
      // Without the lock, the four would race to create the same tables (and fail on duplicates).
      const openers = await Promise.allSettled(Array.from({ length: 4 }, () => PostgresDatabase.open({ connectionString: url })));
      for (const opener of openers) if (opener.status === 'fulfilled') track(opener.value);
      expect(openers.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const db = track(new PostgresDatabase({ connectionString: url }));
      const recorded = await db.read(async (sql) => (await sql.query('SELECT version FROM schema_migrations ORDER BY version')).rows);
      expect(recorded).toEqual(ALL_VERSIONS);
    });

    it('waits for the migration lock another server holds, and applies nothing it finds applied', async () => {
      const url = await postgres.createDatabase();
      const other = await rawClient(url);
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
      // Still held when the wait runs out: nothing happens.
      const blocked = await timed(PostgresDatabase.open({ connectionString: url, migrationTimeoutMs: 300 }));
      expect(blocked.error).toBeInstanceOf(UnavailableError);
      expect(await other.query("SELECT to_regclass('experiments') AS t")).toMatchObject({ rows: [{ t: null }] });
      // Released while waiting: it goes on.
      const waiting = PostgresDatabase.open({ connectionString: url });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await other.query('COMMIT');
      const db = track(await waiting);
      expect(await db.read(async (sql) => (await sql.query('SELECT version FROM schema_migrations ORDER BY version')).rows)).toEqual(ALL_VERSIONS);
      await db.close();
      const again = await openDb(url);
      expect(await again.read(async (sql) => (await sql.query('SELECT count(*) AS n FROM schema_migrations')).rows)).toEqual([{ n: MIGRATIONS.length }]);
    });

    it('applies only the new migrations after an upgrade', async () => {
      const url = await postgres.createDatabase();
      const first = await openDb(url, { migrations: toyMigrations() });
      await addNote(first, 'kept across upgrades');
      const upgraded = await openDb(url, {
        migrations: toyMigrations({ version: 2, name: 'note authors', sql: "ALTER TABLE notes ADD COLUMN author text NOT NULL DEFAULT 'ada'" }),
      });
      expect(await upgraded.read(async (sql) => (await sql.query('SELECT text, author FROM notes')).rows)).toEqual([{ text: 'kept across upgrades', author: 'ada' }]);
      expect(await upgraded.read(async (sql) => (await sql.query('SELECT version FROM schema_migrations ORDER BY version')).rows)).toEqual([{ version: 1 }, { version: 2 }]);
    });

    it('applies pending migrations in one transaction: a failing one leaves the database as it was', async () => {
      const url = await postgres.createDatabase();
      const broken = toyMigrations({ version: 2, name: 'broken', sql: 'CREATE TABLE extra (id integer); SELECT * FROM no_such_table' });
      const failed = await timed(PostgresDatabase.open({ connectionString: url, migrations: broken }));
      expect(failed.error).toBeInstanceOf(PostgresOpenError);
      expect((failed.error as Error).message).toMatch(/migration 2 \(broken\) failed.*no_such_table.*nothing was changed/);
      const client = await rawClient(url);
      expect((await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).rows).toEqual([]);
      expect(await notes(await openDb(url, { migrations: toyMigrations() }))).toEqual([]);
    });

    it('refuses a database written by a newer Fathom, saying which versions, and changes nothing', async () => {
      const url = await postgres.createDatabase();
      await (await openDb(url)).close();
      const client = await rawClient(url);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)");
      const refused = await timed(PostgresDatabase.open({ connectionString: url, migrations: [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'next', sql: 'CREATE TABLE next (id integer)' }] }));
      expect(refused.error).toBeInstanceOf(PostgresOpenError);
      const message = (refused.error as Error).message;
      expect(message).toContain('schema version 999');
      expect(message).toContain(`up to ${LATEST_SCHEMA_VERSION + 1}`);
      expect(message).toContain('newer Fathom');
      expect(message).not.toContain('postgres@');
      expect((await client.query("SELECT to_regclass('next') AS t")).rows).toEqual([{ t: null }]);
    });

    it('refuses a database that is not UTF-8', async () => {
      const url = await postgres.createDatabase("ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'");
      await expect(PostgresDatabase.open({ connectionString: url })).rejects.toThrow(/encoded in SQL_ASCII; Fathom needs UTF8/);
    });
  });

  describe('the schema', () => {
    it('orders text by code point even where the database collates by language', async () => {
      const url = await postgres.createDatabase("ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en' LC_COLLATE 'C' LC_CTYPE 'C'");
      const db = await openDb(url);
      const names = await db.write(async (sql) => {
        for (const name of ['b', 'B', 'a', 'é', 'z']) {
          await sql.query("INSERT INTO experiments (id, name, name_folded, created_by, created_at, updated_at, lifecycle_stage) VALUES ($1, $1, $1, 'ada', 0, 0, 'active')", [name]);
        }
        return (await sql.query<{ name: string }>('SELECT name FROM experiments ORDER BY name')).rows.map((r) => r.name);
      });
      expect(names).toEqual(['B', 'a', 'b', 'z', 'é']);
    });

    it('keeps NaN and infinities in points, reads bigint as numbers, and indexes tag values of any length', async () => {
      const db = await openDb(await postgres.createDatabase());
      const points = await db.write(async (sql) => {
        await sql.query("INSERT INTO experiments (id, name, name_folded, created_by, created_at, updated_at, lifecycle_stage) VALUES ('e', 'e', 'e', 'ada', 0, 0, 'active')");
        await sql.query("INSERT INTO runs (id, experiment_id, status, created_by, started_at, lifecycle_stage) VALUES ('r', 'e', 'running', 'ada', 0, 'active')");
        await sql.query('INSERT INTO run_tags (run_id, key, value) VALUES ($1, $2, $3)', ['r', 'notes', 'ü'.repeat(8_000)]);
        const { rows } = await sql.query<{ id: number }>(
          "INSERT INTO metric_series (run_id, key, last_step, last_timestamp, first_step, numeric_count, count) VALUES ('r', 'loss', 0, 0, 0, 0, 0) RETURNING id",
        );
        await sql.query(
          'INSERT INTO metric_points (series_id, step, value, timestamp) SELECT $1, * FROM unnest($2::bigint[], $3::float8[], $4::bigint[])',
          [rows[0]?.id, [0, 1, 2, Number.MAX_SAFE_INTEGER], [NaN, Infinity, -Infinity, 0.1], [1, 2, 3, 1_700_000_000_000]],
        );
        return (await sql.query('SELECT step, value, timestamp FROM metric_points ORDER BY step')).rows;
      });
      expect(points).toEqual([
        { step: 0, value: NaN, timestamp: 1 },
        { step: 1, value: Infinity, timestamp: 2 },
        { step: 2, value: -Infinity, timestamp: 3 },
        { step: Number.MAX_SAFE_INTEGER, value: 0.1, timestamp: 1_700_000_000_000 },
      ]);
      // A run's deletion takes its series and points along.
      await db.write((sql) => sql.query("DELETE FROM runs WHERE id = 'r'"));
      expect(await db.read(async (sql) => (await sql.query('SELECT (SELECT count(*) FROM metric_points) + (SELECT count(*) FROM run_tags) AS n')).rows)).toEqual([{ n: 0 }]);
    });
  });

  describe('reads and writes', () => {
    it('rolls back only the write that failed; the others commit', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      const results = await Promise.allSettled([
        addNote(db, 'first'),
        db.write(async (sql) => {
          await sql.query('INSERT INTO notes (text) VALUES ($1)', ['half of a failed write']);
          throw new ConflictError('refused after writing');
        }),
        addNote(db, 'second'),
      ]);
      const duplicate = await timed(addNote(db, 'first'));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(duplicate.error).toBeInstanceOf(AlreadyExistsError);
      expect((await notes(db)).sort()).toEqual(['first', 'second']);
    });

    it('reads doubles back exactly where the database rounds float text (extra_float_digits = 0), whatever the connection string asks', async () => {
      const url = await postgres.createDatabase();
      await (await rawClient(url)).query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET extra_float_digits = 0`);
      const sum = 0.1 + 0.2;
      // The setting bites on a connection of its own: 15 significant digits.
      expect((await (await rawClient(url)).query<{ v: number }>('SELECT $1::float8 AS v', [sum])).rows[0]?.v).toBe(0.3);
      const asked = `${url}?options=${encodeURIComponent('-c extra_float_digits=0')}`;
      for (const connectionString of [url, asked]) {
        const db = await openDb(connectionString);
        expect(await db.read(async (sql) => (await sql.query<{ v: number }>('SELECT $1::float8 AS v', [sum])).rows[0]?.v)).toBe(sum);
      }
      // What it means for a user: a parameter logged again with the same value is no conflict.
      const store = await createPostgresStore({ connectionString: url });
      try {
        const run = await givenRun(store, (await givenExperiment(store)).id);
        await store.parameters.add(run.id, [param('ratio', sum)]);
        await store.parameters.add(run.id, [param('ratio', sum)]);
        expect((await store.parameters.listForRuns([run.id])).get(run.id)).toEqual([param('ratio', sum)]);
      } finally {
        await store.close();
      }
    });

    it('leaves a unique violation nobody named as it is (a bug, not a conflict)', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      await addNote(db, 'once');
      const again = await timed(db.write((sql) => sql.query("INSERT INTO notes (text) VALUES ('once')")));
      expect(again.error).toBeInstanceOf(pg.DatabaseError);
      expect(again.error).toMatchObject({ code: '23505', constraint: 'notes_text' });
    });

    it('answers text PostgreSQL cannot take (NUL, in text or JSON) as bad input, not as a failure of the server', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      const failures = [
        await timed(addNote(db, 'a\u0000b')),
        await timed(db.read((sql) => sql.query('SELECT 1 FROM notes WHERE text = $1', ['a\u0000b']))),
        await timed(db.read((sql) => sql.query('SELECT $1::jsonb', ['"a\\u0000b"']))),
      ];
      for (const { error } of failures) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).issues).toEqual([{ path: '/', message: expect.stringContaining('NUL character (U+0000)') }]);
      }
      await addNote(db, 'after');
      expect(await notes(db)).toEqual(['after']);
    });

    it('runs a write again when the database aborted it in a deadlock', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      await addNote(db, 'a');
      await addNote(db, 'b');
      let attempts = 0;
      let arrived = 0;
      let release: () => void = () => undefined;
      const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
      const crossing = (first: string, second: string) =>
        db.write(async (sql) => {
          attempts++;
          await sql.query('SET LOCAL deadlock_timeout = 50');
          await sql.query('UPDATE notes SET text = text WHERE text = $1', [first]);
          if (++arrived === 2) release();
          await bothHoldOne;
          await sql.query('UPDATE notes SET text = text WHERE text = $1', [second]);
          return first;
        });
      expect(await Promise.all([crossing('a', 'b'), crossing('b', 'a')])).toEqual(['a', 'b']);
      expect(attempts).toBe(3);
    });

    it('gives up after 5 attempts with an UnavailableError', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      let attempts = 0;
      const outcome = await timed(
        db.write(async () => {
          attempts++;
          throw Object.assign(new pg.DatabaseError('could not serialize access', 0, 'error'), { code: '40001' });
        }),
      );
      expect(attempts).toBe(5);
      expect(outcome.error).toBeInstanceOf(UnavailableError);
    });

    it('reads one snapshot across statements when asked', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      await addNote(db, 'before');
      const counts = await db.read(
        async (sql) => {
          const first = (await sql.query('SELECT count(*) AS n FROM notes')).rows[0];
          await addNote(db, 'committed meanwhile');
          const second = (await sql.query('SELECT count(*) AS n FROM notes')).rows[0];
          return [first, second];
        },
        { snapshot: true },
      );
      expect(counts).toEqual([{ n: 1 }, { n: 1 }]);
      expect(await notes(db)).toEqual(['before', 'committed meanwhile']);
    });

    it('cancels a statement past the statement timeout with an UnavailableError, and the pool goes on', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations(), statementTimeoutMs: 200, poolSize: 1 });
      expect(await db.read(async (sql) => (await sql.query('SHOW statement_timeout')).rows)).toEqual([{ statement_timeout: '200ms' }]);
      const slowRead = await timed(db.read((sql) => sql.query('SELECT pg_sleep(5)')));
      expect(slowRead.error).toBeInstanceOf(UnavailableError);
      expect((slowRead.error as Error).message).toMatch(/within 200 ms \(statement timeout\)/);
      expect(slowRead.ms).toBeLessThan(2_000);
      const slowWrite = await timed(
        db.write(async (sql) => {
          await sql.query("INSERT INTO notes (text) VALUES ('never')");
          await sql.query('SELECT pg_sleep(5)');
        }),
      );
      expect(slowWrite.error).toBeInstanceOf(UnavailableError);
      await addNote(db, 'after');
      expect(await notes(db)).toEqual(['after']);
    });

    it('survives the server dropping its connections, idle or mid-write', async () => {
      const url = await postgres.createDatabase();
      const db = await openDb(url, { migrations: toyMigrations(), poolSize: 2 });
      const pids = await Promise.all([0, 1].map(() => db.read(async (sql) => (await sql.query('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')).rows[0].pid)));
      const admin = await rawClient(url);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await notes(db)).toEqual([]);
      const cut = await timed(
        db.write(async (sql) => {
          await sql.query("INSERT INTO notes (text) VALUES ('lost')");
          await sql.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      );
      expect(cut.error).toBeInstanceOf(UnavailableError);
      // Dropped between two statements of a write: the connection's error event has no query to
      // go to, and must not take the process down.
      const between = await timed(
        db.write(async (sql) => {
          const { rows } = await sql.query("INSERT INTO notes (text) VALUES ('lost too') RETURNING pg_backend_pid() AS pid");
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
          await new Promise((resolve) => setTimeout(resolve, 100));
          await sql.query('SELECT 1');
        }),
      );
      expect(between.error).toBeInstanceOf(UnavailableError);
      await addNote(db, 'kept');
      expect(await notes(db)).toEqual(['kept']);
    });
  });

  describe('an unreachable database', () => {
    it('answers UnavailableError at once when nothing listens on the port', async () => {
      const url = connectionString(postgres.server(), 'postgres').replace(`:${postgres.server().port}/`, `:${await closedPort()}/`);
      const db = track(new PostgresDatabase({ connectionString: url, connectionTimeoutMs: 2_000 }));
      const read = await timed(db.read((sql) => sql.query('SELECT 1')));
      expect(read.error).toBeInstanceOf(UnavailableError);
      expect((read.error as Error).message).toMatch(/cannot reach the database at 127\.0\.0\.1:\d+\/postgres \(ECONNREFUSED\)/);
      expect(read.ms).toBeLessThan(1_000);
      await expect(PostgresDatabase.open({ connectionString: url })).rejects.toBeInstanceOf(UnavailableError);
      await expect(db.readiness.check()).rejects.toBeInstanceOf(UnavailableError);
    });

    it('gives up within the connection timeout when the server never answers', async () => {
      const url = `postgres://postgres:secret@127.0.0.1:${await silentPort()}/fathom`;
      const db = track(new PostgresDatabase({ connectionString: url, connectionTimeoutMs: 300, readinessTimeoutMs: 5_000 }));
      const [read, write, opening] = await Promise.all([
        timed(db.read((sql) => sql.query('SELECT 1'))),
        timed(db.write((sql) => sql.query('SELECT 1'))),
        timed(PostgresDatabase.open({ connectionString: url, connectionTimeoutMs: 300 })),
      ]);
      for (const outcome of [read, write, opening]) {
        expect(outcome.error).toBeInstanceOf(UnavailableError);
        expect((outcome.error as Error).message).not.toContain('secret');
        expect(outcome.ms).toBeGreaterThanOrEqual(250);
        expect(outcome.ms).toBeLessThan(1_500);
      }
    });

    it('gives up on a statement the server cannot answer (a partition) after the statement and connection timeouts', async () => {
      const url = await postgres.createDatabase();
      const proxy = await proxyTo(postgres.server());
      const proxied = url.replace(`:${postgres.server().port}/`, `:${proxy.port}/`);
      const db = await openDb(proxied, { migrations: toyMigrations(), statementTimeoutMs: 300, connectionTimeoutMs: 300, poolSize: 1 });
      await addNote(db, 'before');
      proxy.freeze();
      const stuck = await timed(notes(db));
      expect(stuck.error).toBeInstanceOf(UnavailableError);
      expect((stuck.error as Error).message).toMatch(/did not answer within 600 ms/);
      expect(stuck.ms).toBeLessThan(2_000);
      // The connection that saw no answer is dropped, not handed out again.
      proxy.thaw();
      expect(await notes(db)).toEqual(['before']);
    });

    it('says when every pooled connection stayed busy', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations(), poolSize: 1, connectionTimeoutMs: 200 });
      const long = db.read((sql) => sql.query('SELECT pg_sleep(1)'));
      const waiting = await timed(db.read((sql) => sql.query('SELECT 1')));
      await long;
      expect(waiting.error).toBeInstanceOf(UnavailableError);
      expect((waiting.error as Error).message).toMatch(/all 1 database connections stayed busy for 200 ms/);
    });
  });

  describe('readiness', () => {
    it('is ready while the database answers, and not once it is closed', async () => {
      const db = await openDb(await postgres.createDatabase(), { migrations: toyMigrations() });
      await expect(db.readiness.check()).resolves.toBeUndefined();
      await db.close();
      await expect(db.readiness.check()).rejects.toThrow(/closed/);
      await expect(notes(db)).rejects.toBeInstanceOf(UnavailableError);
      await expect(addNote(db, 'late')).rejects.toBeInstanceOf(UnavailableError);
    });

    it('is not ready when SELECT 1 does not come back within its timeout', async () => {
      const db = track(new PostgresDatabase({ connectionString: `postgres://postgres@127.0.0.1:${await silentPort()}/fathom`, readinessTimeoutMs: 200, connectionTimeoutMs: 1_000 }));
      const check = await timed(db.readiness.check());
      expect(check.error).toBeInstanceOf(UnavailableError);
      expect((check.error as Error).message).toMatch(/did not answer within 200 ms/);
      expect(check.ms).toBeLessThan(1_000);
    });
  });
});
