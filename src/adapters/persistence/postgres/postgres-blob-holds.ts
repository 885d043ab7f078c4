import { createHash, randomUUID } from 'node:crypto';
import type { BlobHold, BlobHolds } from '../../../application/ports/blob-holds.js';
import { UnavailableError } from '../../../domain/errors.js';
import type { PostgresDatabase, Sql } from './postgres-database.js';

/** The first half of every blob lock ('Blob'); the migration lock is ('Fath', 1). */
const BLOB_LOCKS = 0x426c6f62;
/**
 * Keys decided and deleted per transaction, their deletions running side by side: a hold of any
 * of them waits for the slowest, and the blob store sees at most this many deletions at once.
 */
const BATCH = 8;
/** How often a hold looks again whether a deletion that outlasted its free is over, in ms. */
const POLL_MS = 100;

export interface PostgresBlobHoldsOptions {
  /**
   * How long a hold counts without being renewed, in ms; default 5 minutes. Holders renew theirs
   * three times per period, so only a crashed server's holds (or one cut off from the database
   * that long) lapse: the blobs they pinned are then left to the next free, or to `fathom gc`.
   */
  ttlMs?: number;
  /**
   * How long a free waits for one blob's deletion, in ms; default 10 s. A deletion not over by
   * then is reported not freed (the blob is left to a later free, or to `fathom gc`), so a slow
   * blob store never keeps a free's transaction, pooled connection and locks for longer.
   */
  deleteTimeoutMs?: number;
}

/**
 * Blob holds shared by every server on one database: rows of blob_holds, and a transaction-level
 * advisory lock per key that makes holds and frees of that key take turns across servers.
 *
 * - A hold takes the key's lock and inserts its row in one transaction: if a free of the key is
 *   in progress anywhere, the hold waits until that free committed (its blob deletion included;
 *   at most the statement timeout, then UnavailableError), and the upload then finds the blob
 *   gone and writes it afresh.
 * - A free takes its keys' locks, then checks holds and references in one statement (one
 *   snapshot, taken once the locks are held), deletes what neither pins, and commits: no hold
 *   can be taken between the check and the deletion. A hold released in the meantime is seen
 *   either as a hold or, having committed before the check, through the record it wrote first.
 * - A release takes the lock too, so a free cannot mark a hold as having put it off while the
 *   hold is going away: the flag reaches the holder, who tries the free again.
 * - A free deletes the blobs of a batch (8 keys) side by side and waits for each at most
 *   `deleteTimeoutMs`: its transaction, and so its pooled connection and its keys' locks, lasts
 *   about one deletion, at most that timeout, well within idle_in_transaction_session_timeout
 *   (60 s at least), past which the server would end the session and drop the locks mid-deletion.
 * - A deletion still running at the timeout cannot be called back, and may yet remove the blob.
 *   So before it commits, the free records a row of blob_holds for the pseudo-key
 *   `deleting:<key>` (blob keys are `sha256/…`), renewed while the deletion runs and removed once
 *   it is over, lapsing like a hold if the server dies meanwhile. A hold of the key, under the
 *   key's lock, takes that row as a free still in progress: it waits until the row is gone (up
 *   to `deleteTimeoutMs`, then UnavailableError), so no upload finds the blob present and
 *   records it just before the deletion lands.
 *
 * No pooled connection is kept while a blob is held, only for the few statements of each step;
 * a free keeps one while it decides and deletes a batch. Expiry is reckoned on the database's
 * clock.
 */
export class PostgresBlobHolds implements BlobHolds {
  private readonly ttlMs: number;
  private readonly deleteTimeoutMs: number;

  constructor(
    private readonly db: PostgresDatabase,
    options: PostgresBlobHoldsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs <= 0) throw new Error(`a blob hold's lifetime must be a positive whole number of ms, not ${this.ttlMs}`);
    this.deleteTimeoutMs = options.deleteTimeoutMs ?? 10_000;
    if (!Number.isSafeInteger(this.deleteTimeoutMs) || this.deleteTimeoutMs <= 0) {
      throw new Error(`a blob deletion's timeout must be a positive whole number of ms, not ${this.deleteTimeoutMs}`);
    }
  }

  async hold(key: string): Promise<BlobHold> {
    const id = randomUUID();
    const giveUpAt = Date.now() + this.deleteTimeoutMs;
    while (!(await this.record(id, key))) {
      if (Date.now() >= giveUpAt) throw new UnavailableError(`the blob ${key} is still being deleted (the blob store is slow); retry shortly`);
      await pause(POLL_MS);
    }
    const stopRenewing = this.renewing(id);
    let released: Promise<boolean> | undefined;
    return {
      release: () => {
        stopRenewing();
        return (released ??= this.release(id, key));
      },
    };
  }

  /**
   * Records a hold under the key's lock, unless a deletion of the key that outlasted its free is
   * still running (see above); says whether it did.
   */
  private record(id: string, key: string): Promise<boolean> {
    return this.db.write(async (sql) => {
      await lockKeys(sql, [key]);
      const { rowCount } = await sql.query(
        `INSERT INTO blob_holds (id, key, expires_at)
         SELECT $1, $2, ${expiry('$3')}
         WHERE NOT EXISTS (SELECT 1 FROM blob_holds WHERE key = ${DELETING} || $2 AND expires_at > statement_timestamp())`,
        [id, key, this.ttlMs],
      );
      return rowCount === 1;
    });
  }

  async free(keys: readonly string[], free: (key: string) => Promise<boolean>): Promise<string[]> {
    const distinct = [...new Set(keys)];
    const freed: string[] = [];
    for (let start = 0; start < distinct.length; start += BATCH) {
      freed.push(...(await this.freeBatch(distinct.slice(start, start + BATCH), free)));
    }
    return freed;
  }

  private async freeBatch(keys: readonly string[], free: (key: string) => Promise<boolean>): Promise<string[]> {
    // db.write runs this again after a deadlock: every wait (locks, row updates) comes before
    // the first deletion, and what follows the deletions waits for no lock, so a retry never
    // repeats one.
    const { freed, outlasting, failure } = await this.db.write(async (sql) => {
      // The locks in a statement of their own: a statement sees what was committed when it
      // began, so a check that waited for the locks inside its own statement could miss a hold
      // committed while it waited.
      await lockKeys(sql, keys);
      const { rows } = await sql.query<{ key: string; held: boolean; lapsed: boolean; referenced: boolean }>(
        `SELECT k AS key,
           EXISTS (SELECT 1 FROM blob_holds h WHERE h.key = k AND h.expires_at > statement_timestamp()) AS held,
           EXISTS (SELECT 1 FROM blob_holds h WHERE h.key IN (k, ${DELETING} || k) AND h.expires_at <= statement_timestamp()) AS lapsed,
           EXISTS (SELECT 1 FROM artifacts a WHERE a.blob_key = k) AS referenced
         FROM unnest($1::text[]) AS k`,
        [keys],
      );
      // Only an unreferenced blob's free is put off: a referenced one is freed by whoever
      // deletes its last record. Lapsed rows go, holds and markers of deletions alike.
      const putOff = rows.filter((r) => r.held && !r.referenced).map((r) => r.key);
      const lapsed = rows.filter((r) => r.lapsed).map((r) => r.key);
      if (putOff.length > 0 || lapsed.length > 0) {
        await sql.query(
          `WITH forgotten AS (
             DELETE FROM blob_holds WHERE key IN (SELECT k FROM unnest($2::text[]) AS k UNION ALL SELECT ${DELETING} || k FROM unnest($2::text[]) AS k)
             AND expires_at <= statement_timestamp()
           )
           UPDATE blob_holds SET free_put_off = true WHERE key = ANY($1::text[]) AND expires_at > statement_timestamp()`,
          [putOff, lapsed],
        );
      }
      const deletions = rows.filter((r) => !r.held && !r.referenced).map(({ key }) => ({ key, deletion: free(key) }));
      const outcomes = await Promise.all(deletions.map(({ deletion }) => settledWithin(deletion, this.deleteTimeoutMs)));
      const running = deletions.filter((_, i) => outcomes[i]?.status === 'running').map((d) => ({ ...d, marker: randomUUID() }));
      if (running.length > 0) {
        await sql.query(
          `INSERT INTO blob_holds (id, key, expires_at)
           SELECT m.id, ${DELETING} || m.key, ${expiry('$3')} FROM unnest($1::uuid[], $2::text[]) AS m (id, key)`,
          [running.map((r) => r.marker), running.map((r) => r.key), this.ttlMs],
        );
      }
      return {
        freed: deletions.filter((_, i) => outcomes[i]?.status === 'done' && outcomes[i].freed).map((d) => d.key),
        outlasting: running,
        failure: outcomes.find((outcome) => outcome.status === 'failed'),
      };
    });
    for (const { marker, deletion } of outlasting) this.untilOver(marker, deletion);
    // After the commit, so that the markers of the deletions still running stay.
    if (failure) throw failure.error;
    return freed;
  }

  /** Keeps a running deletion's marker alive until the deletion is over, then removes it. */
  private untilOver(marker: string, deletion: Promise<boolean>): void {
    const stopRenewing = this.renewing(marker);
    void deletion
      .catch(() => false)
      .finally(() => {
        stopRenewing();
        // Should this fail, the marker lapses by itself.
        this.db.write((sql) => sql.query('DELETE FROM blob_holds WHERE id = $1', [marker])).catch(() => undefined);
      });
  }

  /** Renews a row of blob_holds three times per lifetime, until the returned function is called. */
  private renewing(id: string): () => void {
    const renewal = setInterval(() => void this.renew(id), Math.max(1, Math.floor(this.ttlMs / 3)));
    renewal.unref();
    return () => clearInterval(renewal);
  }

  private async release(id: string, key: string): Promise<boolean> {
    try {
      return await this.db.write(async (sql) => {
        await lockKeys(sql, [key]);
        const { rows } = await sql.query<{ free_put_off: boolean }>('DELETE FROM blob_holds WHERE id = $1 RETURNING free_put_off', [id]);
        return rows[0]?.free_put_off ?? false;
      });
    } catch {
      // The row stays until it expires; the blob is then left to a later free or to gc.
      return false;
    }
  }

  private async renew(id: string): Promise<void> {
    await this.db
      .write((sql) => sql.query(`UPDATE blob_holds SET expires_at = ${expiry('$2')} WHERE id = $1`, [id, this.ttlMs]))
      // Tried again at the next tick: a hold lapses only after a whole lifetime without renewal.
      .catch(() => undefined);
  }
}

/**
 * Takes the transaction-level advisory locks of `keys`, in ascending order so that two frees of
 * overlapping batches cannot deadlock. Keys are hashed to 32 bits: two keys sharing a lock only
 * wait for each other.
 */
async function lockKeys(sql: Sql, keys: readonly string[]): Promise<void> {
  const locks = [...new Set(keys.map((key) => createHash('sha256').update(key).digest().readInt32BE(0)))].sort((a, b) => a - b);
  await sql.query('SELECT pg_advisory_xact_lock($1, l.id) FROM unnest($2::int[]) AS l (id)', [BLOB_LOCKS, locks]);
}

/** The pseudo-key of a key's deletion that outlasted its free (SQL, to prefix a key with). */
const DELETING = "'deleting:'";

type Outcome = { status: 'done'; freed: boolean } | { status: 'failed'; error: unknown } | { status: 'running' };

/** How a deletion went within `ms`: over (freed or not), failed, or still running. */
async function settledWithin(deletion: Promise<boolean>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const running = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'running' }), ms);
  });
  try {
    return await Promise.race([
      deletion.then(
        (freed): Outcome => ({ status: 'done', freed }),
        (error: unknown): Outcome => ({ status: 'failed', error }),
      ),
      running,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A hold's expiry `ttlMs` (the parameter) from now, on the database's clock. */
function expiry(ttlMs: string): string {
  return `clock_timestamp() + ${ttlMs}::double precision * interval '1 millisecond'`;
}
