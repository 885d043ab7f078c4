import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { ContentDigest, Digest } from '../../application/ports/content-digest.js';
import { IntegrityError } from '../../domain/errors.js';

/** SHA-256 over a stream, a chunk at a time: what verifying a copy and every whole download re-read blobs with. */
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

  verify(content, expected) {
    const hash = createHash('sha256');
    let size = 0;
    // The chunk not yet passed on: released only when a later one arrives, or once the hash matched.
    let held: Buffer | undefined;
    const verifier = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > expected.size) {
          done(mismatch(expected, `more than ${expected.size} bytes`));
          return;
        }
        hash.update(chunk);
        const previous = held;
        held = chunk;
        done(null, previous);
      },
      flush(done) {
        const sha256 = hash.digest('hex');
        if (size !== expected.size || sha256 !== expected.sha256) {
          done(mismatch(expected, `${size} bytes with SHA-256 ${sha256}`));
          return;
        }
        done(null, held);
      },
    });
    // pipeline: an error on either side destroys both (a client hanging up closes the blob).
    return pipeline(content, verifier, () => undefined) as Readable;
  },
};

function mismatch(expected: Digest, found: string): IntegrityError {
  return new IntegrityError(`the stored content is damaged: it holds ${found} where ${expected.size} bytes with SHA-256 ${expected.sha256} were recorded`);
}
