import { createHash } from 'node:crypto';
import type { ContentDigest } from '../../application/ports/content-digest.js';

/** SHA-256 over a stream, a chunk at a time: what verifying a copy re-reads blobs with. */
export const sha256Digest: ContentDigest = {
  async digest(content) {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of content as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { sha256: hash.digest('hex'), size };
  },
};
