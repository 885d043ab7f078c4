import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeOrderedIds } from '../../../src/adapters/system/time-ordered-ids.js';

describe('TimeOrderedIds', () => {
  afterEach(() => vi.restoreAllMocks());

  it('makes 32 lowercase hex characters, URL-safe', () => {
    expect(new TimeOrderedIds().next()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sorts in creation order, even for many ids within one millisecond', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_000);
    const ids = new TimeOrderedIds();
    const made = Array.from({ length: 1000 }, () => ids.next());
    expect(new Set(made).size).toBe(1000);
    expect([...made].sort()).toEqual(made);
  });

  it('keeps increasing when the clock steps back', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_500);
    const ids = new TimeOrderedIds();
    const before = ids.next();
    now.mockReturnValue(1_767_225_600_000);
    expect(ids.next() > before).toBe(true);
  });

  it('starts with the time, so later milliseconds sort later', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_000);
    const ids = new TimeOrderedIds();
    const first = ids.next();
    now.mockReturnValue(1_767_225_600_001);
    const second = ids.next();
    expect(first.slice(0, 12)).toBe((1_767_225_600_000).toString(16).padStart(12, '0'));
    expect(second > first).toBe(true);
  });
});
