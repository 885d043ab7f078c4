import { inject, injectable } from 'tsyringe';
import type { ArtifactRepository } from './ports/artifact-repository.js';
import type { BlobStore } from './ports/blob-store.js';
import { TOKENS } from './tokens.js';

/** Frees blobs that no artifact record references any more (content is shared across records). */
@injectable()
export class BlobJanitor {
  constructor(
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
  ) {}

  async freeUnreferenced(keys: readonly string[]): Promise<number> {
    let freed = 0;
    for (const key of new Set(keys)) {
      if (!(await this.artifacts.isBlobReferenced(key))) {
        await this.blobs.delete(key);
        freed++;
      }
    }
    return freed;
  }
}
