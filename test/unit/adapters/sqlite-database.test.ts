import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS, type Migration } from '../../../src/adapters/persistence/sqlite/migrations.js';
import { SqliteDatabase, SqliteOpenError } from '../../../src/adapters/persistence/sqlite/sqlite-database.js';
import { createSqliteStore } from '../../../src/adapters/persistence/sqlite/sqlite-store.js';
import { ConflictError, UnavailableError } from '../../../src/domain/errors.js';

let dir: string;
let file: string;
const open: SqliteDatabase[] = [];
const raw: Database.Database[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fathom-sqlite-'));
  file = join(dir, 'fathom.db');
});

afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => undefined);
  for (const connection of raw.splice(0)) connection.close();
  await rm(dir, { recursive: true, force: true });
});

function openDb(options: Parameters<typeof SqliteDatabase.open>[1] = {}): SqliteDatabase {
  const db = SqliteDatabase.open(file, options);
  open.push(db);
  return db;
}

function rawConnection(): Database.Database {
  const connection = new Database(file);
  raw.push(connection);
  return connection;
}

const toyMigrations = (...extra: Migration[]): Migration[] => [
  { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)' },
  ...extra,
];

function notes(db: SqliteDatabase): string[] {
  return db.connection.prepare('SELECT text FROM notes ORDER BY id').pluck().all() as string[];
}

function addNote(db: SqliteDatabase, text: string): Promise<number> {
  return db.write(() => Number(db.connection.prepare('INSERT INTO notes (text) VALUES (?)').run(text).lastInsertRowid));
}

describe('opening a database', () => {
  it('creates the file in WAL mode and records every migration it applied', () => {
    const db = openDb();
    expect(db.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.connection.pragma('foreign_keys', { simple: true })).toBe(1);
    const recorded = db.connection.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it('applies nothing again when reopened, and only the new migrations after an upgrade', async () => {
    const first = openDb({ migrations: toyMigrations() });
    await addNote(first, 'kept across upgrades');
    await first.close();
    const upgraded = openDb({
      migrations: toyMigrations({ version: 2, name: 'note authors', sql: "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'ada'" }),
    });
    expect(upgraded.connection.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2]);
    expect(upgraded.connection.prepare('SELECT text, author FROM notes').all()).toEqual([{ text: 'kept across upgrades', author: 'ada' }]);
  });

  it('applies all pending migrations in one transaction: a failing one leaves the database as it was', async () => {
    const broken = toyMigrations({ version: 2, name: 'broken', sql: 'CREATE TABLE extra (id INTEGER); SELECT * FROM no_such_table' });
    expect(() => SqliteDatabase.open(file, { migrations: broken })).toThrow(SqliteOpenError);
    const connection = rawConnection();
    const tables = connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([]);
    // And the good migrations apply cleanly afterwards.
    expect(notes(openDb({ migrations: toyMigrations() }))).toEqual([]);
  });

  it('refuses a database written by a newer Fathom, saying which versions', async () => {
    await openDb().close();
    rawConnection().prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)").run();
    let message = '';
    try {
      SqliteDatabase.open(file);
    } catch (error) {
      expect(error).toBeInstanceOf(SqliteOpenError);
      message = (error as Error).message;
    }
    expect(message).toContain('schema version 999');
    expect(message).toContain(`up to ${MIGRATIONS.length}`);
    expect(message).toContain('newer Fathom');
  });

  it('refuses a file that is not a SQLite database, naming it', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, 'these are not the pages you are looking for'.repeat(100));
    expect(() => SqliteDatabase.open(file)).toThrow(/cannot open the database .*fathom\.db: file is not a database/);
  });

  it('refuses a path it cannot create, naming it', () => {
    expect(() => SqliteDatabase.open(join(dir, 'missing', 'dir', 'fathom.db'))).toThrow(/cannot open the database .*missing/);
  });

  it('does not migrate while another process holds the write lock; migrates once it is free', async () => {
    // A connection holding the write lock stands for another server migrating right now (the
    // two-processes case is in test/process/durability.test.ts).
    const other = rawConnection();
    other.prepare('BEGIN IMMEDIATE').run();
    expect(() => SqliteDatabase.open(file, { busyTimeoutMs: 50 })).toThrow(/database is locked|SQLITE_BUSY/);
    expect(other.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'experiments'").pluck().get()).toBe(0);
    other.prepare('COMMIT').run();
    const db = openDb();
    expect(db.connection.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.connection.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'experiments'").pluck().get()).toBe(1);
  });

  it('uses synchronous=NORMAL by default and FULL when durability is strict', async () => {
    const normal = openDb();
    expect(normal.connection.pragma('synchronous', { simple: true })).toBe(1);
    await normal.close();
    expect(openDb({ durability: 'strict' }).connection.pragma('synchronous', { simple: true })).toBe(2);
  });
});

describe('group commit', () => {
  it('commits writes that arrive together in one transaction: one WAL append, not one per write', async () => {
    const db = openDb({ migrations: toyMigrations() });
    db.connection.pragma('wal_checkpoint(TRUNCATE)');
    await Promise.all(Array.from({ length: 200 }, (_, i) => addNote(db, `note ${i}`)));
    const [grouped] = db.connection.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    db.connection.pragma('wal_checkpoint(TRUNCATE)');
    for (let i = 0; i < 20; i++) await addNote(db, `one at a time ${i}`);
    const [single] = db.connection.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(notes(db)).toHaveLength(220);
    // 200 grouped writes take fewer WAL frames than 20 written one after the other.
    expect(grouped?.log).toBeLessThan(single?.log ?? 0);
  });

  it('rolls back only the write that failed; the others in its group commit', async () => {
    const db = openDb({ migrations: toyMigrations() });
    const results = await Promise.allSettled([
      addNote(db, 'first'),
      db.write(() => {
        db.connection.prepare('INSERT INTO notes (text) VALUES (?)').run('half of a failed write');
        throw new ConflictError('refused after writing');
      }),
      addNote(db, 'first'), // violates UNIQUE: rejected alone
      addNote(db, 'last'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(notes(db)).toEqual(['first', 'last']);
  });

  it('settles a write only after its group committed: another connection sees it at once', async () => {
    const db = openDb({ migrations: toyMigrations() });
    const reader = rawConnection();
    await addNote(db, 'visible');
    expect(reader.prepare('SELECT text FROM notes').pluck().all()).toEqual(['visible']);
  });

  it('answers UnavailableError (not a hang or a crash) when another process holds the lock too long, then recovers', async () => {
    const db = openDb({ migrations: toyMigrations(), busyTimeoutMs: 50 });
    const other = rawConnection();
    other.prepare('BEGIN IMMEDIATE').run();
    const refused = await Promise.allSettled([addNote(db, 'blocked 1'), addNote(db, 'blocked 2'), addNote(db, 'blocked 3')]);
    for (const result of refused) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
      expect(((result as PromiseRejectedResult).reason as Error).message).toContain('busy');
    }
    other.prepare('COMMIT').run();
    await addNote(db, 'after the lock');
    expect(notes(db)).toEqual(['after the lock']);
  });

  it('answers UnavailableError when the disk is full, keeps what was stored, and works once there is room', async () => {
    const db = openDb({ migrations: toyMigrations() });
    await addNote(db, 'stored before');
    const pages = db.connection.pragma('page_count', { simple: true }) as number;
    db.connection.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(100_000);
    const results = await Promise.allSettled([addNote(db, `${big}1`), addNote(db, 'small')]);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(UnavailableError);
    expect((failure.reason as Error).message).toContain('full');
    expect(notes(db)).not.toContain(`${big}1`);
    expect(notes(db)).toContain('stored before');
    db.connection.pragma('max_page_count = 1073741823');
    await addNote(db, 'room again');
    expect(notes(db)).toContain('room again');
  });

  it('does not hold the event loop for a whole burst: other work runs between groups', async () => {
    const db = openDb({ migrations: toyMigrations() });
    const order: string[] = [];
    const writes = Array.from({ length: 1_000 }, (_, i) => addNote(db, `burst ${i}`).then(() => order.push(`write ${i}`)));
    setTimeout(() => order.push('timer'), 0);
    await Promise.all(writes);
    expect(notes(db)).toHaveLength(1_000);
    // The timer, due before the burst was committed, fired before the last writes settled.
    expect(order.indexOf('timer')).toBeGreaterThan(-1);
    expect(order.indexOf('timer')).toBeLessThan(order.indexOf('write 999'));
  });

  it('commits a burst queued at close, however large', async () => {
    const db = openDb({ migrations: toyMigrations() });
    const writes = Array.from({ length: 700 }, (_, i) => addNote(db, `late ${i}`));
    await db.close();
    await expect(Promise.all(writes)).resolves.toHaveLength(700);
    expect(notes(openDb({ migrations: toyMigrations() }))).toHaveLength(700);
  });

  it('commits what is queued when closed, then refuses new writes', async () => {
    const db = openDb({ migrations: toyMigrations() });
    const queued = addNote(db, 'queued at close');
    await db.close();
    await expect(queued).resolves.toBeGreaterThan(0);
    await expect(addNote(db, 'too late')).rejects.toBeInstanceOf(UnavailableError);
    const reopened = openDb({ migrations: toyMigrations() });
    expect(notes(reopened)).toEqual(['queued at close']);
  });
});

describe('background checkpoints', () => {
  const manyNotes = (db: SqliteDatabase, from: number, count: number): Promise<unknown> =>
    db.write(() => {
      const insert = db.connection.prepare('INSERT INTO notes (text) VALUES (?)');
      for (let i = from; i < from + count; i++) insert.run(`note number ${i}`);
    });

  it('copies the WAL back into the database on a worker once enough rows were written, and closes cleanly', async () => {
    const db = openDb({ migrations: toyMigrations() });
    const checkpointer = db.checkpointer;
    expect(checkpointer).toBeDefined();
    await manyNotes(db, 0, 10_000);
    expect(checkpointer?.completed).toBe(0); // not yet worth a checkpoint
    await manyNotes(db, 10_000, 15_000);
    await vi.waitFor(() => expect(checkpointer?.completed).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 20 });
    expect(checkpointer?.lastError).toBeUndefined();
    expect(checkpointer?.lastResult?.checkpointed).toBeGreaterThan(0);
    // The writing connection keeps its own checkpoints only as a backstop.
    expect(db.connection.pragma('wal_autocheckpoint', { simple: true })).toBeGreaterThan(1000);
    await manyNotes(db, 25_000, 25_000);
    await db.close();
    const { stat } = await import('node:fs/promises');
    expect((await stat(`${file}-wal`).catch(() => undefined))?.size ?? 0).toBe(0);
    const check = rawConnection();
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.prepare('SELECT COUNT(*) FROM notes').pluck().get()).toBe(50_000);
  });

  it('can be turned off: the writing connection then checkpoints as SQLite does by default', () => {
    const db = openDb({ migrations: toyMigrations(), backgroundCheckpoints: false });
    expect(db.checkpointer).toBeUndefined();
    expect(db.connection.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});

describe('the SQLite store', () => {
  it('is ready while open and not ready once closed', async () => {
    const store = createSqliteStore(file);
    await expect(store.readiness.check()).resolves.toBeUndefined();
    await store.close();
    await expect(store.readiness.check()).rejects.toBeInstanceOf(UnavailableError);
  });

  it('leaves no WAL behind after a clean close', async () => {
    const store = createSqliteStore(file);
    await store.experiments.create({
      id: 'e1',
      name: 'n',
      tags: ['a'],
      properties: {},
      createdBy: 'ada',
      createdAt: 1,
      updatedAt: 1,
      lifecycleStage: 'active',
    });
    await store.close();
    const { stat } = await import('node:fs/promises');
    const wal = await stat(`${file}-wal`).catch(() => undefined);
    expect(wal?.size ?? 0).toBe(0);
  });
});

describe('migration 4 (run statuses, experiment properties, run inputs)', () => {
  it('rebuilds the runs table without losing a run or anything under it, and then takes the new statuses', async () => {
    const v3 = openDb({ migrations: MIGRATIONS.filter((m) => m.version <= 3), backgroundCheckpoints: false });
    const c = v3.connection;
    c.prepare("INSERT INTO experiments (id, name, created_by, created_at, updated_at, lifecycle_stage) VALUES ('e1', 'n', 'ada', 1, 1, 'active')").run();
    c.prepare("INSERT INTO runs (id, experiment_id, status, created_by, started_at, lifecycle_stage) VALUES ('parent', 'e1', 'completed', 'ada', 1, 'active')").run();
    c.prepare(
      "INSERT INTO runs (id, experiment_id, name, status, parent_run_id, created_by, started_at, lifecycle_stage) VALUES ('child', 'e1', 'c', 'running', 'parent', 'ada', 2, 'active')",
    ).run();
    c.prepare("INSERT INTO run_tags (run_id, key, value) VALUES ('child', 'team', 'nlp')").run();
    c.prepare("INSERT INTO parameters (run_id, key, type, value, number_value) VALUES ('child', 'lr', 'string', '0.1', 0.1)").run();
    await v3.close();
    open.splice(open.indexOf(v3), 1);

    const store = createSqliteStore(file, { backgroundCheckpoints: false });
    try {
      const child = await store.runs.get('child');
      expect(child).toMatchObject({ name: 'c', parentRunId: 'parent', tags: { team: 'nlp' }, status: 'running' });
      expect((await store.parameters.listForRuns(['child'])).get('child')).toEqual([{ key: 'lr', value: '0.1', type: 'string' }]);
      expect(store.database.connection.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.database.connection.pragma('foreign_key_check')).toEqual([]);
      await store.runs.update('child', (r) => ({ ...r, status: 'killed' }));
      expect((await store.runs.get('child')).status).toBe('killed');
      // The rebuilt table still cascades and detaches as before.
      await store.runs.delete('parent');
      expect((await store.runs.get('child')).parentRunId).toBeUndefined();
      await store.runs.delete('child');
      expect((await store.parameters.listForRuns(['child'])).get('child')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('refuses (and rolls back) a migration that would leave a broken reference', () => {
    const migrations: Migration[] = [
      { version: 1, name: 'parents', sql: 'CREATE TABLE parents (id TEXT PRIMARY KEY); CREATE TABLE children (parent TEXT REFERENCES parents (id))' },
      { version: 2, name: 'orphan', sql: "INSERT INTO children (parent) VALUES ('missing')" },
    ];
    expect(() => SqliteDatabase.open(file, { migrations })).toThrow(/broken references/);
    const connection = rawConnection();
    expect(connection.prepare("SELECT name FROM sqlite_master WHERE name = 'children'").all()).toEqual([]);
  });
});
