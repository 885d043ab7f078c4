import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '../../application/ports/id-generator.js';

const RANDOM_BITS = 80n;
const RANDOM_MAX = (1n << RANDOM_BITS) - 1n;

/**
 * 32 lowercase hex characters: 48 bits of milliseconds, then 80 random bits. URL-safe, shaped
 * like MLflow's run ids. Monotonic within a process: ids made in the same millisecond (or after
 * the clock stepped back) continue from the previous one, so "newest first" with an id
 * tie-break lists things in the order they were created, and new rows land at the end of
 * B-tree indexes.
 */
export class TimeOrderedIds implements IdGenerator {
  private lastTime = -1;
  private lastRandom = 0n;

  next(): string {
    const now = Date.now();
    if (now > this.lastTime) {
      this.lastTime = now;
      // Leave head-room so a burst within one millisecond cannot overflow the random part.
      this.lastRandom = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n;
    } else if (this.lastRandom < RANDOM_MAX) {
      this.lastRandom += 1n;
    } else {
      this.lastTime += 1;
      this.lastRandom = 0n;
    }
    return this.lastTime.toString(16).padStart(12, '0').slice(-12) + this.lastRandom.toString(16).padStart(20, '0');
  }
}
