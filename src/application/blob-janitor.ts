import { inject, injectable } from 'tsyringe';
import type { ArtifactRepository } from './ports/artifact-repository.js';
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
 * This coordinates uploads and deletions within one process. Several servers sharing one store
 * need the same guarantee from the database (see the PostgreSQL issue).
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
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
  ) {}

  /** Keeps a blob from being freed until the returned function is called (idempotent). */
  async hold(key: string): Promise<Release> {
    for (let deletion = this.deleting.get(key); deletion; deletion = this.deleting.get(key)) {
      await deletion.catch(() => undefined);
    }
    increment(this.holds, key);
    increment(this.epochs, key);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      decrement(this.holds, key);
      if (this.holds.has(key)) return;
      this.forget(key);
      if (this.deferred.delete(key)) await this.freeUnreferenced([key]);
    };
  }

  /**
   * Deletes the blobs among `keys` that nothing references or holds. Returns the ones it freed.
   * `confirm`, when given, is asked about each blob right before it is deleted, after the
   * reference query: a last check that garbage collection uses (see CollectGarbage).
   */
  async freeUnreferenced(keys: readonly string[], confirm?: (key: string) => Promise<boolean>): Promise<string[]> {
    const candidates = [...new Set(keys)].filter((key) => {
      if (this.holds.has(key)) this.deferred.add(key);
      return !this.holds.has(key) && !this.deleting.has(key);
    });
    if (candidates.length === 0) return [];
    for (const key of candidates) increment(this.deciding, key);
    const seen = new Map(candidates.map((key) => [key, this.epochs.get(key) ?? 0]));
    const freed: string[] = [];
    try {
      const referenced = await this.artifacts.referencedBlobs(candidates);
      for (const key of candidates) {
        // Re-checked after the query: an upload may have held (and even recorded) it meanwhile.
        if (referenced.has(key)) continue;
        if (confirm && !(await confirm(key))) continue;
        if (this.holds.has(key)) {
          this.deferred.add(key);
          continue;
        }
        if (this.deleting.has(key) || (this.epochs.get(key) ?? 0) !== seen.get(key)) continue;
        const deletion = this.blobs.delete(key).finally(() => this.deleting.delete(key));
        this.deleting.set(key, deletion);
        await deletion;
        freed.push(key);
      }
    } finally {
      for (const key of candidates) {
        decrement(this.deciding, key);
        this.forget(key);
      }
    }
    return freed;
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
