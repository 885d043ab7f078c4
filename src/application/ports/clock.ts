import type { Millis } from '../../domain/time.js';

export interface Clock {
  now(): Millis;
}
