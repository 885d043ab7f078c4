import { createHash, randomUUID } from 'node:crypto';
import type { BlobHold, BlobHolds } from '../../../application/ports/blob-holds.js';
import type { PostgresDatabase, Sql } from './postgres-database.js';

/** The first half of every blob lock ('Blob'); the migration lock is ('Fath', 1). */
const BLOB_LOCKS = 0x426c6f62;
/**
 * Keys decided and deleted per transaction. A hold of any of them waits for the whole batch, so
 * batches stay small: a few dozen blob deletions at most.
 */
const BATCH = 32;

export interface PostgresBlobHoldsOptions {
  /**
   * How long a hold counts without being renewed, in ms; default 5 minutes. Holders renew theirs
   * three times per period, so only a crashed server's holds (or one cut off from the database
   * that long) lapse: the blobs they pinned are then left to the next free, or to `fathom gc`.
   */
  ttlMs?: number;
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
 *
 * No pooled connection is kept while a blob is held, only for the few statements of each step;
 * a free keeps one while it deletes its batch's blobs. Expiry is reckoned on the database's clock.
 */
export class PostgresBlobHolds implements BlobHolds {
  private readonly ttlMs: number;

  constructor(
    private readonly db: PostgresDatabase,
    options: PostgresBlobHoldsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs <= 0) throw new Error(`a blob hold's lifetime must be a positive whole number of ms, not ${this.ttlMs}`);
  }

  async hold(key: string): Promise<BlobHold> {
    const id = randomUUID();
    await this.db.write(async (sql) => {
      await lockKeys(sql, [key]);
      await sql.query(`INSERT INTO blob_holds (id, key, expires_at) VALUES ($1, $2, ${expiry('$3')})`, [id, key, this.ttlMs]);
    });
    const renewal = setInterval(() => void this.renew(id), Math.max(1, Math.floor(this.ttlMs / 3)));
    renewal.unref();
    let released: Promise<boolean> | undefined;
    return {
      release: () => {
        clearInterval(renewal);
        return (released ??= this.release(id, key));
      },
    };
  }

  async free(keys: readonly string[], free: (key: string) => Promise<boolean>): Promise<string[]> {
    const distinct = [...new Set(keys)];
    const freed: string[] = [];
    for (let start = 0; start < distinct.length; start += BATCH) {
      freed.push(...(await this.freeBatch(distinct.slice(start, start + BATCH), free)));
    }
    return freed;
  }

  private freeBatch(keys: readonly string[], free: (key: string) => Promise<boolean>): Promise<string[]> {
    // db.write runs this again after a deadlock: every wait (locks, row updates) comes before
    // the first deletion, so a retry never repeats one.
    return this.db.write(async (sql) => {
      // The locks in a statement of their own: a statement sees what was committed when it
      // began, so a check that waited for the locks inside its own statement could miss a hold
      // committed while it waited.
      await lockKeys(sql, keys);
      const { rows } = await sql.query<{ key: string; held: boolean; lapsed: boolean; referenced: boolean }>(
        `SELECT k AS key,
           EXISTS (SELECT 1 FROM blob_holds h WHERE h.key = k AND h.expires_at > statement_timestamp()) AS held,
           EXISTS (SELECT 1 FROM blob_holds h WHERE h.key = k AND h.expires_at <= statement_timestamp()) AS lapsed,
           EXISTS (SELECT 1 FROM artifacts a WHERE a.blob_key = k) AS referenced
         FROM unnest($1::text[]) AS k`,
        [keys],
      );
      // Only an unreferenced blob's free is put off: a referenced one is freed by whoever
      // deletes its last record.
      const putOff = rows.filter((r) => r.held && !r.referenced).map((r) => r.key);
      const lapsed = rows.filter((r) => r.lapsed).map((r) => r.key);
      if (putOff.length > 0 || lapsed.length > 0) {
        await sql.query(
          `WITH forgotten AS (DELETE FROM blob_holds WHERE key = ANY($2::text[]) AND expires_at <= statement_timestamp())
           UPDATE blob_holds SET free_put_off = true WHERE key = ANY($1::text[]) AND expires_at > statement_timestamp()`,
          [putOff, lapsed],
        );
      }
      const freed: string[] = [];
      for (const { key } of rows.filter((r) => !r.held && !r.referenced)) {
        if (await free(key)) freed.push(key);
      }
      return freed;
    });
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

/** A hold's expiry `ttlMs` (the parameter) from now, on the database's clock. */
function expiry(ttlMs: string): string {
  return `clock_timestamp() + ${ttlMs}::double precision * interval '1 millisecond'`;
}
