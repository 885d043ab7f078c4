import { inject, injectable } from 'tsyringe';
import type { ArtifactRepository } from './ports/artifact-repository.js';
import type { BlobStore } from './ports/blob-store.js';
import { TOKENS } from './tokens.js';

/**
 * Frees blobs that no artifact record references any more (content is shared across records).
 *
 * An upload holds its blob's content address from the moment it is known until its record
 * exists, and the janitor never frees a held blob, nor one that was held while it was deciding.
 * An upload that arrives while its blob is being freed waits for the deletion to finish, so the
 * store then writes the content afresh instead of finding a blob about to vanish. One janitor
 * per container (a singleton), so every use case shares what it knows.
 *
 * This coordinates uploads and deletions within one process. Several servers sharing one store
 * need the same guarantee from the database (see the PostgreSQL issue).
 */
@injectable()
export class BlobJanitor {
  private readonly holds = new Map<string, number>();
  /** Bumped at every hold: a janitor that saw another value before deciding must not free the blob. */
  private readonly epochs = new Map<string, number>();
  private readonly deleting = new Map<string, Promise<void>>();

  constructor(
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
  ) {}

  /** Keeps a blob from being freed until the returned function is called (idempotent). */
  async hold(key: string): Promise<() => void> {
    for (let deletion = this.deleting.get(key); deletion; deletion = this.deleting.get(key)) {
      await deletion.catch(() => undefined);
    }
    this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
    this.epochs.set(key, (this.epochs.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.holds.get(key) ?? 1) - 1;
      if (count > 0) this.holds.set(key, count);
      else this.holds.delete(key);
    };
  }

  /** Deletes the blobs among `keys` that nothing references or holds. Returns how many it freed. */
  async freeUnreferenced(keys: readonly string[]): Promise<number> {
    const candidates = [...new Set(keys)].filter((key) => !this.busy(key));
    if (candidates.length === 0) return 0;
    const seen = new Map(candidates.map((key) => [key, this.epochs.get(key) ?? 0]));
    const referenced = await this.artifacts.referencedBlobs(candidates);
    let freed = 0;
    for (const key of candidates) {
      // Re-checked after the query: an upload may have held (and even recorded) it meanwhile.
      if (referenced.has(key) || this.busy(key) || (this.epochs.get(key) ?? 0) !== seen.get(key)) continue;
      const deletion = this.blobs.delete(key).finally(() => this.deleting.delete(key));
      this.deleting.set(key, deletion);
      await deletion;
      freed++;
    }
    return freed;
  }

  private busy(key: string): boolean {
    return this.holds.has(key) || this.deleting.has(key);
  }
}
