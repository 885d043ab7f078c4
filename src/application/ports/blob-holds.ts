/**
 * Holds on blobs that every server sharing the records and the blob store respects, and the frees
 * they exclude. Blobs are content-addressed and shared by records, so a blob may only go once
 * nothing references it; an upload references its blob before its record exists (it may just
 * have found the content already stored). The upload holds the blob from the moment its address
 * is known until its record exists, and a free never runs while anyone holds it.
 *
 * A hold and a free of one key exclude each other wherever they run: a free sees every hold
 * taken before it started deciding, and a hold taken while a free is deciding or deleting waits
 * until that free is over, so the upload then finds the blob gone and writes it afresh.
 *
 * The BlobJanitor keeps the same bookkeeping within its process (where it costs nothing); an
 * implementation adds what the store can guarantee across processes.
 */
export interface BlobHolds {
  /**
   * Holds `key` until released, after any free of it in progress (on any server) is over.
   * @throws UnavailableError when the hold cannot be recorded: the caller must not go on as if
   * the blob were safe.
   */
  hold(key: string): Promise<BlobHold>;
  /**
   * For each of `keys` that no hold pins and no artifact record references, calls `free(key)`,
   * which deletes the blob and says whether it did. Holds wait meanwhile: `free` runs exclusively
   * against holds of its key, right after the check, so it must be short (one blob deletion) and
   * must not take holds itself. A key left alone because it is held is remembered on its holds:
   * see BlobHold.release. An implementation may stop waiting for a `free` that takes long (a
   * slow blob store): the key then counts as not freed, and holds of it still wait until that
   * deletion is over. Returns the keys `free` deleted.
   */
  free(keys: readonly string[], free: (key: string) => Promise<boolean>): Promise<string[]>;
}

export interface BlobHold {
  /**
   * Gives the hold up. Resolves to whether a free of the blob was put off while it was held (on
   * any server): the caller should try that free again once it holds nothing else on the blob.
   * Never throws: a hold that cannot be given up (the database unreachable) lapses by itself.
   */
  release(): Promise<boolean>;
}
