import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '../../application/ports/id-generator.js';

/**
 * 32 lowercase hex characters: 48 bits of milliseconds, then 80 random bits. URL-safe, shaped
 * like MLflow's run ids, and roughly time-ordered so new rows land at the end of B-tree indexes.
 */
export class TimeOrderedIds implements IdGenerator {
  next(): string {
    return Date.now().toString(16).padStart(12, '0').slice(-12) + randomBytes(10).toString('hex');
  }
}
