import type { Readable } from 'node:stream';

/** What a stream held, as a digest sees it. */
export interface Digest {
  /** SHA-256, lower-case hex. */
  sha256: string;
  size: number;
}

/**
 * Hashes content as it streams by, never holding it whole: how a copy checks the bytes a blob
 * store gives back against the SHA-256 its artifact records promise, without writing anything,
 * and how a download makes sure it never hands out damaged content as if it were whole.
 */
export interface ContentDigest {
  /** Reads the stream to its end. @throws whatever the stream fails with. */
  digest(content: Readable): Promise<Digest>;
  /**
   * The same bytes, checked as they pass. The returned stream ends only once they are known to
   * be `expected.size` bytes hashing to `expected.sha256`; otherwise it fails with
   * IntegrityError instead of ending. The last chunk is held back until that check, so a reader
   * of damaged content never receives all of it (a client sees a body cut short, never a whole
   * one); content longer than expected fails as soon as the excess arrives. Destroying the
   * returned stream destroys `content`.
   */
  verify(content: Readable, expected: Digest): Readable;
}
