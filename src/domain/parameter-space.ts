import { compareText } from './paging.js';
import type { ParameterType, ParameterValue } from './parameter.js';
import { numericView, textView } from './search/values.js';

/** How many runs of an experiment hold one parameter value: what stores count. */
export interface ParameterValueCount {
  key: string;
  value: ParameterValue;
  runs: number;
}

/**
 * One parameter key across an experiment's runs: what a search form, a column header or a
 * parallel-coordinates axis needs to know about it.
 */
export interface ParameterSpaceEntry {
  key: string;
  /** The type every run logged it with, or `mixed`. */
  type: ParameterType | 'mixed';
  /** Runs that have this key. */
  runs: number;
  /** Distinct values. */
  distinct: number;
  /**
   * Values with their run counts, most common first. All of them when there are at most 100;
   * beyond that, the 100 most common for text keys (`truncated`), none for numeric keys, which
   * give their range instead.
   */
  values?: { value: ParameterValue; runs: number }[];
  truncated?: boolean;
  /** When every value reads as a number (numbers, or strings such as "0.001"). */
  min?: number;
  max?: number;
}

export const MAX_SPACE_VALUES = 100;

export function parameterSpace(counts: readonly ParameterValueCount[]): ParameterSpaceEntry[] {
  const byKey = new Map<string, ParameterValueCount[]>();
  for (const count of counts) {
    const list = byKey.get(count.key);
    if (list) list.push(count);
    else byKey.set(count.key, [count]);
  }
  return [...byKey.keys()]
    .sort(compareText)
    .map((key) => entryOf(key, byKey.get(key) as ParameterValueCount[]));
}

function entryOf(key: string, counts: ParameterValueCount[]): ParameterSpaceEntry {
  const types = new Set(counts.map((c) => typeof c.value as ParameterType));
  const numbers = counts.map((c) => numericView(c.value));
  const numeric = numbers.every((n) => n !== null);
  const entry: ParameterSpaceEntry = {
    key,
    type: types.size === 1 ? ([...types][0] as ParameterType) : 'mixed',
    runs: counts.reduce((sum, c) => sum + c.runs, 0),
    distinct: counts.length,
  };
  const sorted = [...counts].sort((a, b) => b.runs - a.runs || compareValues(a.value, b.value));
  if (counts.length <= MAX_SPACE_VALUES) entry.values = sorted.map(({ value, runs }) => ({ value, runs }));
  else if (!numeric) {
    entry.values = sorted.slice(0, MAX_SPACE_VALUES).map(({ value, runs }) => ({ value, runs }));
    entry.truncated = true;
  }
  if (numeric) {
    // A loop, not Math.min(...numbers): an experiment can hold more values than a call has arguments.
    let min = Infinity;
    let max = -Infinity;
    for (const n of numbers as number[]) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    entry.min = min;
    entry.max = max;
  }
  return entry;
}

/** Numbers (numerically) before text (by code point), as searches sort parameters. */
function compareValues(a: ParameterValue, b: ParameterValue): number {
  const x = numericView(a);
  const y = numericView(b);
  if (x !== null && y !== null && x !== y) return x - y;
  if (x !== null && y === null) return -1;
  if (x === null && y !== null) return 1;
  return compareText(textView(a), textView(b)) || compareText(typeof a, typeof b);
}
