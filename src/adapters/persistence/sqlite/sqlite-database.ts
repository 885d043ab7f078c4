import Database from 'better-sqlite3';
import { DomainError, UnavailableError } from '../../../domain/errors.js';
import { BackgroundCheckpointer } from './background-checkpointer.js';
import { likeMatcher, numericView, textView } from '../../../domain/search/values.js';
import { latestVersion } from '../shared/migration.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';

export type Durability = 'normal' | 'strict';

export interface SqliteOptions {
  /** normal: WAL + synchronous=NORMAL (survives a killed process); strict: synchronous=FULL (survives power loss). */
  durability?: Durability;
  /** How long a write waits for another process's lock before giving up, in ms. */
  busyTimeoutMs?: number;
  /** The migrations to apply; the released list unless a test gives its own. */
  migrations?: readonly Migration[];
  /** Copy the WAL back into the database on a worker thread (default true); see BackgroundCheckpointer. */
  backgroundCheckpoints?: boolean;
}

/** Writes committed together at most; more wait for the next turn of the event loop. */
const MAX_GROUP = 256;
/** Rows written between two background checkpoint requests. */
const CHECKPOINT_EVERY_ROWS = 20_000;
/**
 * With background checkpoints, the writing connection checkpoints by itself only once the WAL
 * holds this many pages (64 MiB): a backstop should the worker fall behind or fail.
 */
const BACKSTOP_CHECKPOINT_PAGES = 16_384;

/** Refused at start: the database was written by a newer Fathom, or could not be opened. */
export class SqliteOpenError extends Error {}

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * One SQLite database file and the single connection every repository shares.
 *
 * Reads run directly on the connection. Writes go through `write`, which queues them and
 * commits every write that arrived in the same turn of the event loop in one transaction
 * (group commit): one WAL append (and, when strict, one fsync) for many requests, and no lock
 * contention between them, because only this connection writes. Each write runs in its own
 * savepoint, so a write that throws is rolled back alone and the others in its group still
 * commit. A write's promise settles only after its group committed: an acknowledged write is
 * in the WAL.
 */
export class SqliteDatabase {
  private pending: Job[] = [];
  private scheduled = false;
  private closed = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;
  private readonly totalChanges: Database.Statement;
  private changesAtLastCheckpoint = 0;

  private constructor(
    readonly connection: Database.Database,
    /** Undefined when checkpoints stay on the writing connection. */
    readonly checkpointer: BackgroundCheckpointer | undefined,
  ) {
    this.begin = connection.prepare('BEGIN IMMEDIATE');
    this.commit = connection.prepare('COMMIT');
    this.rollback = connection.prepare('ROLLBACK');
    this.savepoint = connection.prepare('SAVEPOINT write_job');
    this.release = connection.prepare('RELEASE write_job');
    this.rollbackToSavepoint = connection.prepare('ROLLBACK TO write_job');
    this.totalChanges = connection.prepare('SELECT total_changes()').pluck();
  }

  /**
   * Opens (creating) the database file, sets WAL mode and durability, and applies pending
   * migrations in one transaction. Several processes opening one file at once migrate it once:
   * the first takes the write lock, the others wait for it and then find nothing to do.
   * @throws SqliteOpenError when the file holds a schema newer than this Fathom knows.
   */
  static open(file: string, options: SqliteOptions = {}): SqliteDatabase {
    let connection: Database.Database;
    try {
      connection = new Database(file, { timeout: options.busyTimeoutMs ?? 5_000 });
    } catch (error) {
      throw new SqliteOpenError(`cannot open the database ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      connection.pragma('journal_mode = WAL');
      const synchronous = options.durability === 'strict' ? 'FULL' : 'NORMAL';
      connection.pragma(`synchronous = ${synchronous}`);
      connection.pragma('foreign_keys = ON');
      // A larger page cache keeps metric B-tree pages hot during ingest (negative = KiB).
      connection.pragma('cache_size = -65536');
      registerFunctions(connection);
      migrate(connection, options.migrations ?? MIGRATIONS, file);
      let checkpointer: BackgroundCheckpointer | undefined;
      if (options.backgroundCheckpoints ?? true) {
        connection.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
        checkpointer = new BackgroundCheckpointer({ file, synchronous, busyTimeoutMs: options.busyTimeoutMs ?? 5_000 });
      }
      return new SqliteDatabase(connection, checkpointer);
    } catch (error) {
      connection.close();
      if (error instanceof Database.SqliteError) {
        throw new SqliteOpenError(`cannot open the database ${file}: ${error.message} (${error.code})`);
      }
      throw error;
    }
  }

  /** Queues a write; it runs inside the next group transaction. Keep `work` synchronous. */
  write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new UnavailableError('the database is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Runs a read on the connection, translating driver errors into domain errors. */
  read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * Commits what is queued, stops the checkpoint worker and closes. Closing the last connection
   * to the file checkpoints the WAL into it and removes the WAL; if another process still has the
   * file open, it is left to that process (an explicit checkpoint here would block its writes).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.pending.length > 0) this.flush();
    try {
      await this.checkpointer?.close();
    } finally {
      this.connection.close();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Commits the next group: at most MAX_GROUP writes, so one flush never holds the event loop for
   * long; what is left waits for the next turn, after pending I/O.
   */
  private flush(): void {
    this.scheduled = false;
    let jobs = this.pending.splice(0, MAX_GROUP);
    while (jobs.length > 0) jobs = this.commitGroup(jobs);
    if (this.pending.length > 0 && !this.closed) this.schedule();
  }

  /**
   * Commits one group. Returns the jobs still to run: normally none; after a failure that
   * aborted the whole transaction (disk full, I/O error), the jobs after the one that hit it.
   * Never throws: every job of the group settles, whatever the driver does.
   */
  private commitGroup(jobs: Job[]): Job[] {
    const done: { job: Job; value: unknown }[] = [];
    let i = 0;
    let began = false;
    try {
      this.begin.run();
      began = true;
      for (; i < jobs.length; i++) {
        const job = jobs[i] as Job;
        this.savepoint.run();
        try {
          const value = job.work();
          this.release.run();
          done.push({ job, value });
        } catch (error) {
          // SQLite may have rolled the whole transaction back (disk full, I/O error): then
          // nothing in this group was committed.
          if (!this.connection.inTransaction) throw error;
          this.rollbackToSavepoint.run();
          this.release.run();
          job.reject(translate(error));
        }
      }
      this.commit.run();
    } catch (error) {
      if (this.connection.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          // The connection is unusable; the next group's BEGIN reports it.
        }
      }
      // The transaction could not start (the lock stayed busy past the timeout): the whole
      // group gets the error rather than each job waiting out the timeout again.
      if (!began) {
        for (const job of jobs) job.reject(translate(error));
        return [];
      }
      for (const { job: earlier } of done) earlier.reject(translate(error));
      if (i < jobs.length) (jobs[i] as Job).reject(translate(error));
      return jobs.slice(i + 1);
    }
    for (const { job, value } of done) job.resolve(value);
    this.checkpointIfDue();
    return [];
  }

  /** Asks the background checkpointer to copy the WAL back once enough rows were written. */
  private checkpointIfDue(): void {
    if (!this.checkpointer) return;
    const total = this.totalChanges.get() as number;
    if (total - this.changesAtLastCheckpoint < CHECKPOINT_EVERY_ROWS) return;
    this.changesAtLastCheckpoint = total;
    // Best effort: if the worker cannot run, the writing connection's backstop checkpoints.
    this.checkpointer.request();
  }
}

/**
 * SQL functions written in JavaScript, where SQLite's own would disagree with the domain's rules
 * (case folding beyond ASCII, `like` over code points, numbers printed as JavaScript prints them).
 * Registered before migrating: migrations may use them.
 */
function registerFunctions(connection: Database.Database): void {
  connection.function('fathom_icontains', { deterministic: true }, (text: unknown, needle: unknown) =>
    String(text).toLowerCase().includes(String(needle).toLowerCase()) ? 1 : 0,
  );
  const matchers = new Map<string, (text: string) => boolean>();
  connection.function('fathom_like', { deterministic: true }, (text: unknown, pattern: unknown, caseInsensitive: unknown) => {
    if (text === null) return null;
    const cacheKey = `${String(caseInsensitive)}:${String(pattern)}`;
    let matcher = matchers.get(cacheKey);
    if (!matcher) {
      if (matchers.size > 1_000) matchers.clear();
      matcher = likeMatcher(String(pattern), caseInsensitive === 1);
      matchers.set(cacheKey, matcher);
    }
    return matcher(String(text)) ? 1 : 0;
  });
  connection.function('fathom_numeric_view', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? numericView(text) : null));
  connection.function('fathom_number_text', { deterministic: true }, (value: unknown) => (typeof value === 'number' ? textView(value) : null));
}

function migrate(connection: Database.Database, migrations: readonly Migration[], file: string): void {
  const latest = latestVersion(migrations);
  // Foreign keys are off while migrating (the pragma is a no-op inside a transaction, so it is
  // set around it): a migration that rebuilds a table must be able to drop the old one without
  // cascading deletes into its children. Every reference is checked before committing instead.
  connection.pragma('foreign_keys = OFF');
  // IMMEDIATE takes the write lock first: a second process starting at the same moment waits
  // here (busy timeout), then sees the migrations already recorded.
  connection.prepare('BEGIN IMMEDIATE').run();
  try {
    connection.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const applied = new Set(
      connection.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
    );
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new SqliteOpenError(
        `${file} has schema version ${newest}, written by a newer Fathom; this one knows versions up to ${latest}. ` +
          'Upgrade Fathom, or point FATHOM_DATA_DIR at another directory.',
      );
    }
    const record = connection.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    let ran = false;
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      connection.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      ran = true;
    }
    if (ran) {
      const broken = connection.pragma('foreign_key_check') as { table: string; parent: string }[];
      if (broken.length > 0) {
        const first = broken[0] as { table: string; parent: string };
        throw new SqliteOpenError(`migrating ${file} would leave ${broken.length} broken references (first: ${first.table} → ${first.parent}); nothing was changed`);
      }
    }
    connection.prepare('COMMIT').run();
  } catch (error) {
    if (connection.inTransaction) connection.prepare('ROLLBACK').run();
    throw error;
  } finally {
    connection.pragma('foreign_keys = ON');
  }
}

/** Driver errors that callers can act on become domain errors; domain errors pass through. */
export function translate(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof Database.SqliteError) {
    if (error.code === 'SQLITE_BUSY' || error.code.startsWith('SQLITE_BUSY_') || error.code.startsWith('SQLITE_LOCKED')) {
      return new UnavailableError('the database is busy (another process holds its write lock); retry shortly');
    }
    if (error.code === 'SQLITE_FULL') return new UnavailableError('the disk holding the database is full');
    if (error.code.startsWith('SQLITE_IOERR') || error.code === 'SQLITE_READONLY' || error.code === 'SQLITE_CANTOPEN') {
      return new UnavailableError(`the database cannot be written (${error.code})`);
    }
  }
  return error;
}

export { LATEST_SCHEMA_VERSION };
