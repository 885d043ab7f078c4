import { inject, injectable } from 'tsyringe';
import { BlobJanitor } from '../../blob-janitor.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import { TOKENS } from '../../tokens.js';

export interface GarbageReport {
  /** Blobs looked at. */
  scanned: number;
  /** Blobs younger than the minimum age, left alone (an upload may be about to record them). */
  recent: number;
  /** Blobs no artifact record referenced, now deleted. */
  removed: number;
  removedBytes: number;
}

/** How many blobs are checked against the records in one query. */
const BATCH = 500;

/**
 * Finds blobs that no artifact record references (a crash between storing a blob and recording
 * it, or between deleting a record and freeing its blob, leaves one) and deletes them. Such a
 * blob is never served, since downloads go through records; this only gives the space back.
 *
 * Blobs modified within `minAgeMs` are spared: an upload writes (or deduplicates to) its blob
 * just before it records it, possibly in another server process sharing the store. The age is
 * checked when listing and again right before each deletion, after the reference query; what is
 * left is the moment between that last check and the deletion itself.
 *
 * Only meaningful over the store that records the artifacts: the memory store keeps its blobs in
 * a directory of its own, and `fathom gc` refuses it.
 */
@injectable()
export class CollectGarbage {
  constructor(
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
    @inject(BlobJanitor) private readonly janitor: BlobJanitor,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  async execute(options: { minAgeMs: number }): Promise<GarbageReport> {
    const cutoff = this.clock.now() - options.minAgeMs;
    const report: GarbageReport = { scanned: 0, recent: 0, removed: 0, removedBytes: 0 };
    let batch = new Map<string, number>();
    const sweep = async (): Promise<void> => {
      const keys = [...batch.keys()];
      const sizes = batch;
      batch = new Map();
      // Checked again right before each deletion: another process may have just deduplicated an
      // upload onto this blob (which refreshes its modification time) and be about to record it.
      const freed = await this.janitor.freeUnreferenced(keys, async (key) => ((await this.blobs.modifiedAt(key)) ?? Infinity) <= cutoff);
      report.removed += freed.length;
      for (const key of freed) report.removedBytes += sizes.get(key) ?? 0;
    };
    for await (const blob of this.blobs.list()) {
      report.scanned++;
      if (blob.modifiedAt > cutoff) {
        report.recent++;
        continue;
      }
      batch.set(blob.key, blob.size);
      if (batch.size >= BATCH) await sweep();
    }
    if (batch.size > 0) await sweep();
    return report;
  }
}
