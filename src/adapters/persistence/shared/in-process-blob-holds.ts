import type { ArtifactRepository } from '../../../application/ports/artifact-repository.js';
import type { BlobHold, BlobHolds } from '../../../application/ports/blob-holds.js';

const NOTHING_PUT_OFF: BlobHold = { release: async () => false };

/**
 * Blob holds for the memory and SQLite stores: the BlobJanitor's own bookkeeping already makes
 * holds and frees exclude each other within the process, so a hold records nothing more and a
 * free only asks the records which keys they still reference.
 *
 * The limit: servers sharing one SQLite file (and its blob directory) coordinate within each
 * process only. A run or artifact deleted on one while another deduplicates an upload onto the
 * same content can free that blob under the new record. Deployments that delete artifacts from
 * several servers at once use the PostgreSQL store, whose holds are shared (PostgresBlobHolds).
 */
export class InProcessBlobHolds implements BlobHolds {
  constructor(private readonly artifacts: ArtifactRepository) {}

  async hold(): Promise<BlobHold> {
    return NOTHING_PUT_OFF;
  }

  async free(keys: readonly string[], free: (key: string) => Promise<boolean>): Promise<string[]> {
    const referenced = await this.artifacts.referencedBlobs(keys);
    const freed: string[] = [];
    for (const key of keys) {
      if (!referenced.has(key) && (await free(key))) freed.push(key);
    }
    return freed;
  }
}
