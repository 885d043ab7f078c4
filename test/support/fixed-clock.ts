import type { Clock } from '../../src/application/ports/clock.js';

/** A clock tests move by hand, so timestamps and durations are exact. */
export class FixedClock implements Clock {
  constructor(private current = Date.parse('2026-01-15T10:00:00.000Z')) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(iso: string): void {
    this.current = Date.parse(iso);
  }
}
