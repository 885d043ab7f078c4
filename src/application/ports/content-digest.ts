import type { Readable } from 'node:stream';

/** What a stream held, as a digest sees it. */
export interface Digest {
  /** SHA-256, lower-case hex. */
  sha256: string;
  size: number;
}

/**
 * Hashes content as it streams by, never holding it whole: how a copy checks the bytes a blob
 * store gives back against the SHA-256 its artifact records promise, without writing anything.
 */
export interface ContentDigest {
  /** Reads the stream to its end. @throws whatever the stream fails with. */
  digest(content: Readable): Promise<Digest>;
}
