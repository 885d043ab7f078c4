import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDate, formatDuration, formatValue, runLabel } from '../../../src/adapters/http/ui/web/lib/format.js';
import { toError } from '../../../src/adapters/http/ui/web/lib/errors.js';
import { hrefFor, parseHash } from '../../../src/adapters/http/ui/web/lib/route.js';
import { smooth } from '../../../src/adapters/http/ui/web/lib/smoothing.js';
import { plottable, toNumber } from '../../../src/adapters/http/ui/web/lib/values.js';

describe('what the UI prints', () => {
  it.each([
    [undefined, '—'],
    [null, '—'],
    [true, 'true'],
    ['adam', 'adam'],
    [42, '42'],
    [-3, '-3'],
    [0.123456789, '0.123457'],
    [0.00001234, '1.234e-5'],
    [1234567890.5, '1.235e+9'],
    [0, '0'],
    [1e20, '1.000e+20'],
  ])('formatValue(%o) is %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it.each([
    [undefined, '—'],
    [Number.NaN, '—'],
    [0.25, '250 ms'],
    [42.345, '42.3 s'],
    [200, '3 min 20 s'],
    [180, '3 min'],
    [7500, '2 h 5 min'],
    [7200, '2 h'],
    [3 * 86400 + 4 * 3600, '3 d 4 h'],
    [86400, '1 d'],
  ])('formatDuration(%o) is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [3.2 * 1024 ** 2, '3.2 MiB'],
    [1024 ** 3, '1.0 GiB'],
    [5 * 1024 ** 5, '5120.0 TiB'],
  ])('formatBytes(%d) is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('formats dates in local time to the minute, and keeps what it cannot read', () => {
    const iso = '2026-01-15T10:05:00.000Z';
    const local = new Date(iso);
    expect(formatDate(iso)).toBe(
      `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')} ` +
        `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`,
    );
    expect(formatDate(undefined)).toBe('—');
    expect(formatDate('yesterday')).toBe('yesterday');
  });
});

describe('metric values from the API', () => {
  it('turns the JSON stand-ins into numbers, and non-finite ones into chart gaps', () => {
    expect(toNumber('NaN')).toBeNaN();
    expect(toNumber('Infinity')).toBe(Infinity);
    expect(toNumber('-Infinity')).toBe(-Infinity);
    expect(toNumber(0.5)).toBe(0.5);
    expect(['NaN', 'Infinity', '-Infinity', 2].map((v) => plottable(v as never))).toEqual([null, null, null, 2]);
  });
});

describe('smoothing', () => {
  it('leaves the curve as it is at weight 0', () => {
    expect(smooth([1, 5, null, 2], 0)).toEqual([1, 5, null, 2]);
  });

  it('is a debiased moving average: a constant stays constant, a step is approached gradually', () => {
    expect(smooth([3, 3, 3, 3], 0.9).map((v) => Number(v?.toFixed(10)))).toEqual([3, 3, 3, 3]);
    const stepped = smooth([0, 0, 10, 10, 10], 0.5) as number[];
    expect(stepped[0]).toBe(0);
    expect(stepped[2]).toBeGreaterThan(0);
    expect(stepped[2]).toBeLessThan(10);
    expect(stepped[4]).toBeGreaterThan(stepped[3] as number);
    expect(stepped[4]).toBeLessThan(10);
  });

  it('keeps gaps as gaps without resetting the average', () => {
    const smoothed = smooth([2, null, Number.NaN, 2], 0.8);
    expect(smoothed[1]).toBeNull();
    expect(smoothed[2]).toBeNull();
    expect(smoothed[3]).toBeCloseTo(2, 10);
  });

  it('caps the weight below 1 so the curve still moves', () => {
    const smoothed = smooth([0, 100], 1) as number[];
    expect(smoothed[1]).toBeGreaterThan(0);
  });
});

describe('routes in the hash', () => {
  it('reads segments and query, decoding each segment', () => {
    const route = parseHash('#/runs/a%2Fb?x=time&log=1');
    expect(route.segments).toEqual(['runs', 'a/b']);
    expect(route.query.get('x')).toBe('time');
    expect(route.query.get('log')).toBe('1');
    expect(parseHash('').segments).toEqual([]);
    expect(parseHash('#/').segments).toEqual([]);
    expect(parseHash('#/experiments/%E0%A4%A').segments).toEqual(['experiments', '%E0%A4%A']);
  });

  it('writes hrefs that read back the same, leaving out empty values', () => {
    const href = hrefFor(['experiments', 'id 1'], { filter: "params.lr < 0.01 and tags.team = 'a&b'", sort: '', sel: undefined });
    expect(href).toBe("#/experiments/id%201?filter=params.lr+%3C+0.01+and+tags.team+%3D+%27a%26b%27");
    const route = parseHash(href);
    expect(route.segments).toEqual(['experiments', 'id 1']);
    expect(route.query.get('filter')).toBe("params.lr < 0.01 and tags.team = 'a&b'");
    expect([...route.query.keys()]).toEqual(['filter']);
    expect(hrefFor([])).toBe('#/');
  });
});

describe('counts and run labels', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [1234567, '1,234,567'],
    [-12000, '-12,000'],
  ])('formatCount(%d) is %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });

  it('names a run by its name, else by the first 8 characters of its id', () => {
    expect(runLabel('resnet-50', '0123456789abcdef')).toBe('resnet-50');
    // Ids begin with their creation time, so runs made together share a prefix: the end tells them apart.
    expect(runLabel(undefined, '01a22b8aa78d48d34e3ae1ac684d9a26')).toBe('…684d9a26');
    expect(runLabel('', '01a22b8a0000000000000000c0ffee00')).toBe('…c0ffee00');
  });
});

describe('thrown values', () => {
  it('keeps an Error, and makes anything else one with its text', () => {
    const error = new TypeError('Failed to fetch');
    expect(toError(error)).toBe(error);
    expect(toError('offline')).toEqual(new Error('offline'));
    expect(toError(undefined).message).toBe('undefined');
    expect(toError({ toString: () => 'odd' }).message).toBe('odd');
  });
});
