import type { Readable } from 'node:stream';

export interface StoredBlob {
  /** Content address: `sha256/<first two hex>/<sha256 hex>`. */
  key: string;
  sha256: string;
  size: number;
  /** False when identical content was already stored (deduplicated). */
  created: boolean;
}

/** A stored blob as a listing sees it. */
export interface ListedBlob {
  key: string;
  size: number;
  /** The last time a put wrote this content or found it already stored (epoch ms). */
  modifiedAt: number;
}

export interface PutOptions {
  maxBytes: number;
  /**
   * Called once the content address is known, before the store looks for or writes a blob at
   * that address, and awaited: lets the caller keep concurrent cleanup off that blob.
   */
  claim?: (key: string) => Promise<void>;
}

export interface ByteRange {
  /** Inclusive. */
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * Content-addressed, streamed blob storage. Blobs are never held whole in memory.
 * Every method that takes a key refuses one that is not a content address
 * (InvalidArgumentError) before touching storage, so no key can reach outside the store.
 */
export interface BlobStore {
  /**
   * Streams content in, computing SHA-256 and size on the way, and makes it durable under its
   * content address before resolving. Identical content is stored once.
   * A source that errors, or grows past `maxBytes` (PayloadTooLargeError), leaves nothing behind.
   */
  put(source: Readable, options: PutOptions): Promise<StoredBlob>;
  /**
   * Streams a blob, or an inclusive byte range of it.
   * @throws NotFoundError when absent; InvalidArgumentError for a key that is not a content address.
   */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size in bytes, or undefined when absent. */
  size(key: string): Promise<number | undefined>;
  /** When a put last wrote this content or found it already stored (epoch ms); undefined when absent. */
  modifiedAt(key: string): Promise<number | undefined>;
  /** Removes a blob; absent blobs are ignored. */
  delete(key: string): Promise<void>;
  /**
   * Every stored blob, in no particular order, streamed (never the whole listing in memory).
   * A put that finds its content already stored refreshes `modifiedAt`, so a blob an upload has
   * just deduplicated to always looks recent: garbage collection spares recent blobs.
   */
  list(): AsyncIterable<ListedBlob>;
}
