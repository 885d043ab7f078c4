import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/adapters/system/sha256-digest.js';
import { IntegrityError } from '../../../src/domain/errors.js';

const chunks = ['first chunk, ', 'second chunk, ', 'the last chunk'].map((text) => Buffer.from(text));
const whole = Buffer.concat(chunks);
const expected = { sha256: createHash('sha256').update(whole).digest('hex'), size: whole.length };

/** Everything a reader of the stream received, and how the stream ended. */
async function read(stream: Readable): Promise<{ received: Buffer; error?: unknown }> {
  const received: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) received.push(chunk);
    return { received: Buffer.concat(received) };
  } catch (error) {
    return { received: Buffer.concat(received), error };
  }
}

describe('sha256Digest.verify: content checked as it streams', () => {
  it('passes matching content through whole, in order', async () => {
    const { received, error } = await read(sha256Digest.verify(Readable.from(chunks), expected));
    expect(error).toBeUndefined();
    expect(received.equals(whole)).toBe(true);
  });

  it('fails content that hashes differently before its last chunk, naming what it found', async () => {
    const damaged = [chunks[0] as Buffer, Buffer.from('SECOND chunk, '), chunks[2] as Buffer];
    const { received, error } = await read(sha256Digest.verify(Readable.from(damaged), expected));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(`where ${whole.length} bytes with SHA-256 ${expected.sha256} were recorded`);
    // Never the whole: at most what came before the last chunk.
    expect(received.length).toBeLessThan(whole.length - chunks[2]!.length + 1);
  });

  it('fails content cut short, even when nothing but the end is missing', async () => {
    const { received, error } = await read(sha256Digest.verify(Readable.from(chunks.slice(0, 2)), expected));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(`holds ${chunks[0]!.length + chunks[1]!.length} bytes`);
    expect(received.length).toBeLessThanOrEqual(chunks[0]!.length);
  });

  it('fails content longer than recorded as soon as the excess arrives', async () => {
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(16, 1));
      },
    });
    const { received, error } = await read(sha256Digest.verify(endless, { ...expected, size: 40 }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain('more than 40 bytes');
    expect(received.length).toBeLessThanOrEqual(40);
    expect(endless.destroyed).toBe(true);
  });

  it('passes an empty content that is recorded empty, and fails one that is not', async () => {
    const empty = { sha256: createHash('sha256').digest('hex'), size: 0 };
    expect(await read(sha256Digest.verify(Readable.from([]), empty))).toEqual({ received: Buffer.alloc(0) });
    expect((await read(sha256Digest.verify(Readable.from([Buffer.from('x')]), empty))).error).toBeInstanceOf(IntegrityError);
  });

  it('closes the source when the reader gives up', async () => {
    const source = Readable.from(chunks);
    const verified = sha256Digest.verify(source, expected);
    verified.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
