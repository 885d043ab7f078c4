import { inject, injectable } from 'tsyringe';
import type { BlobHold, BlobHolds } from './ports/blob-holds.js';
import type { BlobStore } from './ports/blob-store.js';
import { TOKENS } from './tokens.js';

/** Gives up a hold; once the last hold on a blob is gone, frees it if freeing was put off meanwhile. */
export type Release = () => Promise<void>;

/**
 * Frees blobs that no artifact record references any more (content is shared across records).
 *
 * An upload holds its blob's content address from the moment it is known until its record
 * exists. The janitor never frees a held blob: it puts the decision off until the last hold is
 * released (the record may have been deleted meanwhile). It also never frees a blob that was
 * held while it was deciding. An upload that arrives while its blob is being freed waits for the
 * deletion to finish, so the store then writes the content afresh instead of finding a blob about
 * to vanish. One janitor per container (a singleton), so every use case shares what it knows.
 *
 * That bookkeeping coordinates uploads and deletions within this process. Every hold and free also
 * goes through BlobHolds, which extends the guarantee to the other servers sharing the store as
 * far as the store can (PostgreSQL: every server; memory and SQLite: this process only) and which
 * checks the references itself, so that no hold slips in between that check and the deletion.
 */
@injectable()
export class BlobJanitor {
  private readonly holds = new Map<string, number>();
  /** Bumped at every hold; kept only while a key is held or being decided on. */
  private readonly epochs = new Map<string, number>();
  private readonly deciding = new Map<string, number>();
  /** Keys whose freeing was put off because they were held. */
  private readonly deferred = new Set<string>();
  private readonly deleting = new Map<string, Promise<void>>();

  constructor(
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
    @inject(TOKENS.BlobHolds) private readonly acrossServers: BlobHolds,
  ) {}

  /**
   * Keeps a blob from being freed, here and on every server sharing the store, until the returned
   * function is called (idempotent). Waits while the blob is being freed, here or elsewhere.
   * @throws UnavailableError when the hold cannot be shared with the other servers.
   */
  async hold(key: string): Promise<Release> {
    for (let deletion = this.deleting.get(key); deletion; deletion = this.deleting.get(key)) {
      await deletion.catch(() => undefined);
    }
    // Held here first: a free in this process sees it at once, without a round trip.
    increment(this.holds, key);
    increment(this.epochs, key);
    let shared: BlobHold | undefined;
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      // A free another server put off is tried again once this process holds the blob no more.
      if (await shared?.release()) this.deferred.add(key);
      decrement(this.holds, key);
      if (this.holds.has(key)) return;
      this.forget(key);
      if (this.deferred.delete(key)) await this.freeUnreferenced([key]);
    };
    try {
      shared = await this.acrossServers.hold(key);
    } catch (error) {
      // What the caller needs to hear is that the hold failed, not how a put-off free fared.
      await release().catch(() => undefined);
      throw error;
    }
    return release;
  }

  /**
   * Deletes the blobs among `keys` that nothing references or holds, on any server. Returns the
   * ones it freed. `confirm`, when given, is asked about each blob right before it is deleted,
   * after the reference check: a last check that garbage collection uses (see CollectGarbage).
   */
  async freeUnreferenced(keys: readonly string[], confirm?: (key: string) => Promise<boolean>): Promise<string[]> {
    const candidates = [...new Set(keys)].filter((key) => {
      if (this.holds.has(key)) this.deferred.add(key);
      return !this.holds.has(key) && !this.deleting.has(key);
    });
    if (candidates.length === 0) return [];
    for (const key of candidates) increment(this.deciding, key);
    const seen = new Map(candidates.map((key) => [key, this.epochs.get(key) ?? 0]));
    try {
      return await this.acrossServers.free(candidates, async (key) => {
        // Re-checked after the reference check: an upload here may have held (and even recorded) it meanwhile.
        if (confirm && !(await confirm(key))) return false;
        if (this.holds.has(key)) {
          this.deferred.add(key);
          return false;
        }
        if (this.deleting.has(key) || (this.epochs.get(key) ?? 0) !== seen.get(key)) return false;
        const deletion = this.blobs.delete(key).finally(() => this.deleting.delete(key));
        this.deleting.set(key, deletion);
        await deletion;
        return true;
      });
    } finally {
      for (const key of candidates) {
        decrement(this.deciding, key);
        this.forget(key);
      }
    }
  }

  private forget(key: string): void {
    if (!this.holds.has(key) && !this.deciding.has(key)) this.epochs.delete(key);
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function decrement(counts: Map<string, number>, key: string): void {
  const count = (counts.get(key) ?? 1) - 1;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}
