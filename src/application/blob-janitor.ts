import { inject, injectable } from 'tsyringe';
import type { ArtifactRepository } from './ports/artifact-repository.js';
import type { BlobStore } from './ports/blob-store.js';
import { TOKENS } from './tokens.js';

/**
 * Frees blobs that no artifact record references any more (content is shared across records).
 * One per container (registered as a singleton), so that uploads in progress can pin the blob
 * they stored or were deduplicated onto until their record exists: without the pin, a failing
 * upload of the same content would free the blob under an upload about to record it.
 */
@injectable()
export class BlobJanitor {
  private readonly pins = new Map<string, number>();

  constructor(
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
  ) {}

  /** Keeps a blob from being freed until the returned function is called. */
  pin(key: string): () => void {
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.pins.get(key) ?? 1) - 1;
      if (count > 0) this.pins.set(key, count);
      else this.pins.delete(key);
    };
  }

  async freeUnreferenced(keys: readonly string[]): Promise<number> {
    let freed = 0;
    for (const key of new Set(keys)) {
      if (this.pins.has(key)) continue;
      if (!(await this.artifacts.isBlobReferenced(key)) && !this.pins.has(key)) {
        await this.blobs.delete(key);
        freed++;
      }
    }
    return freed;
  }
}
