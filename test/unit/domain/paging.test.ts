import { describe, expect, it } from 'vitest';
import { compareIds, compareSortValues } from '../../../src/domain/paging.js';
import { parseIsoDate, toIso } from '../../../src/domain/time.js';

describe('sort values', () => {
  it('put nulls first', () => {
    expect(compareSortValues(null, 0)).toBeLessThan(0);
    expect(compareSortValues('a', null)).toBeGreaterThan(0);
    expect(compareSortValues(null, null)).toBe(0);
  });

  it('compare numbers numerically, not as text', () => {
    expect(compareSortValues(2, 10)).toBeLessThan(0);
    expect(compareSortValues(10, 2)).toBeGreaterThan(0);
    expect(compareSortValues(5, 5)).toBe(0);
  });

  it('compare strings by code unit, so every store agrees', () => {
    expect(compareSortValues('B', 'a')).toBeLessThan(0);
    expect(compareSortValues('ab', 'a')).toBeGreaterThan(0);
    expect(compareSortValues('same', 'same')).toBe(0);
  });

  it('break ties by id', () => {
    expect(compareIds('a1', 'a2')).toBeLessThan(0);
    expect(compareIds('b', 'a')).toBeGreaterThan(0);
    expect(compareIds('x', 'x')).toBe(0);
  });
});

describe('timestamps', () => {
  it('parse ISO-8601 dates and date-times', () => {
    expect(parseIsoDate('2026-01-15')).toBe(Date.parse('2026-01-15T00:00:00Z'));
    expect(parseIsoDate('2026-01-15T10:00:00.123Z')).toBe(Date.parse('2026-01-15T10:00:00.123Z'));
    expect(parseIsoDate('2026-01-15T12:00:00+02:00')).toBe(Date.parse('2026-01-15T10:00:00Z'));
  });

  it('refuse anything else', () => {
    for (const text of ['yesterday', '15/01/2026', '2026-13-45', '1736935200000', '']) expect(parseIsoDate(text)).toBeUndefined();
  });

  it('render as UTC with milliseconds', () => {
    expect(toIso(Date.parse('2026-01-15T12:00:00+02:00'))).toBe('2026-01-15T10:00:00.000Z');
  });
});

describe('calendar dates', () => {
  it('exist as written: no rolling 2026-02-30 over to March', () => {
    expect(parseIsoDate('2026-02-30')).toBeUndefined();
    expect(parseIsoDate('2026-02-29')).toBeUndefined();
    expect(parseIsoDate('2028-02-29')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(parseIsoDate('2026-13-01')).toBeUndefined();
    expect(parseIsoDate('2026-04-31T10:00:00Z')).toBeUndefined();
    expect(parseIsoDate('2026-12-31T23:59:59.999Z')).toBe(Date.parse('2026-12-31T23:59:59.999Z'));
  });
});

describe('date-times without an offset', () => {
  it('are UTC, whatever the server time zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseIsoDate('2026-01-15T10:00')).toBe(Date.parse('2026-01-15T10:00:00Z'));
      expect(parseIsoDate('2026-01-15T10:00:00.250')).toBe(Date.parse('2026-01-15T10:00:00.250Z'));
      expect(parseIsoDate('2026-01-15T10:00:00+01:00')).toBe(Date.parse('2026-01-15T09:00:00Z'));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('compareText', () => {
  it('orders by Unicode code point, not by UTF-16 code unit', async () => {
    const { compareText } = await import('../../../src/domain/paging.js');
    const words = ['\u{1F642}', '\uFF5E', 'b', 'a', 'ab', '', '\u{1F600}', '\uE000'];
    expect([...words].sort(compareText)).toEqual(['', 'a', 'ab', 'b', '\uE000', '\uFF5E', '\u{1F600}', '\u{1F642}']);
    expect(compareText('same', 'same')).toBe(0);
    expect(compareText('\u{1F642}', '\uFF5E')).toBeGreaterThan(0);
    expect(compareText('\uFF5E', '\u{1F642}')).toBeLessThan(0);
  });
});
