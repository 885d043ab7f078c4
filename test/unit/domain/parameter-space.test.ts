import { describe, expect, it } from 'vitest';
import type { ParameterValue } from '../../../src/domain/parameter.js';
import { MAX_SPACE_VALUES, parameterSpace, type ParameterValueCount } from '../../../src/domain/parameter-space.js';

const count = (key: string, value: ParameterValue, runs = 1): ParameterValueCount => ({ key, value, runs });
const only = (counts: ParameterValueCount[]) => {
  const [entry, ...rest] = parameterSpace(counts);
  expect(rest).toEqual([]);
  return entry;
};

describe('parameterSpace', () => {
  it('is empty for an experiment without parameters', () => {
    expect(parameterSpace([])).toEqual([]);
  });

  it('describes each key: type, runs holding it, distinct values with their runs, and the range of a numeric key', () => {
    expect(parameterSpace([count('lr', 0.1, 3), count('optimizer', 'adam', 4), count('lr', 0.01, 2), count('optimizer', 'sgd', 1)])).toEqual([
      { key: 'lr', type: 'number', runs: 5, distinct: 2, values: [{ value: 0.1, runs: 3 }, { value: 0.01, runs: 2 }], min: 0.01, max: 0.1 },
      { key: 'optimizer', type: 'string', runs: 5, distinct: 2, values: [{ value: 'adam', runs: 4 }, { value: 'sgd', runs: 1 }] },
    ]);
  });

  it('lists keys by code point', () => {
    const keys = parameterSpace(['b', 'B', '_x', 'a', '🚀', '～'].map((key) => count(key, 1))).map((entry) => entry.key);
    expect(keys).toEqual(['B', '_x', 'a', 'b', '～', '🚀']);
  });

  it('says mixed when runs logged a key with different types, even a number and a numeric string', () => {
    expect(only([count('seed', 1), count('seed', '2')])).toMatchObject({ type: 'mixed', distinct: 2, min: 1, max: 2 });
    expect(only([count('amp', true), count('amp', 'True')])).toMatchObject({ type: 'mixed' });
    expect(only([count('amp', true, 2), count('amp', false)])).toMatchObject({ type: 'boolean', runs: 3 });
  });

  it('gives a range when every value reads as a number, strings as MLflow clients log them included', () => {
    expect(only([count('lr', '0.001'), count('lr', '1e-1'), count('lr', '.05')])).toMatchObject({ type: 'string', min: 0.001, max: 0.1 });
    expect(only([count('x', -3.5), count('x', 1e21)])).toMatchObject({ min: -3.5, max: 1e21 });
  });

  it('gives no range when one value is not a number', () => {
    for (const odd of ['auto', true, '', ' 1', 'NaN']) {
      const entry = only([count('x', 1), count('x', 2), count('x', odd)]);
      expect(entry, String(odd)).not.toHaveProperty('min');
      expect(entry, String(odd)).not.toHaveProperty('max');
    }
  });

  it('lists values most common first; ties numbers first (numerically), then text by code point, a number before its text', () => {
    const values = only([count('p', 'b'), count('p', '🚀'), count('p', 10), count('p', '～'), count('p', 'a', 5), count('p', '9'), count('p', 9), count('p', true)])?.values;
    expect(values).toEqual([
      { value: 'a', runs: 5 },
      { value: 9, runs: 1 },
      { value: '9', runs: 1 },
      { value: 10, runs: 1 },
      { value: 'b', runs: 1 },
      { value: true, runs: 1 },
      { value: '～', runs: 1 },
      { value: '🚀', runs: 1 },
    ]);
  });

  it(`lists all values up to ${MAX_SPACE_VALUES}`, () => {
    const entry = only(Array.from({ length: MAX_SPACE_VALUES }, (_, i) => count('arch', `net-${i}`)));
    expect(entry?.values).toHaveLength(MAX_SPACE_VALUES);
    expect(entry).not.toHaveProperty('truncated');
  });

  it(`beyond ${MAX_SPACE_VALUES} values, a text key keeps the most common ${MAX_SPACE_VALUES} and says it is truncated`, () => {
    const counts = Array.from({ length: MAX_SPACE_VALUES + 20 }, (_, i) => count('arch', `net-${String(i).padStart(3, '0')}`, i < 20 ? 1 : 2));
    const entry = only(counts);
    expect(entry).toMatchObject({ type: 'string', runs: 20 + MAX_SPACE_VALUES * 2, distinct: MAX_SPACE_VALUES + 20, truncated: true });
    expect(entry?.values).toHaveLength(MAX_SPACE_VALUES);
    expect(entry?.values?.every((v) => v.runs === 2)).toBe(true);
    expect(entry?.values?.[0]).toEqual({ value: 'net-020', runs: 2 });
  });

  it(`beyond ${MAX_SPACE_VALUES} values, a numeric key gives its range instead of values`, () => {
    const entry = only(Array.from({ length: MAX_SPACE_VALUES + 1 }, (_, i) => count('seed', i % 2 ? i : String(i))));
    expect(entry).toMatchObject({ type: 'mixed', distinct: MAX_SPACE_VALUES + 1, min: 0, max: MAX_SPACE_VALUES });
    expect(entry).not.toHaveProperty('values');
    expect(entry).not.toHaveProperty('truncated');
  });

  it('copes with more distinct values than a function call takes arguments', () => {
    const entry = only(Array.from({ length: 300_000 }, (_, i) => count('seed', i - 1000)));
    expect(entry).toMatchObject({ distinct: 300_000, min: -1000, max: 298_999 });
  });
});
