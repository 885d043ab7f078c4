import type { Comparison, ParamValue } from '../../api.js';
import { formatValue } from '../../lib/format.js';
import { toNumber } from '../../lib/values.js';

/** One vertical axis: where each run sits on it (0 = bottom, 1 = top; null = missing). */
export interface Axis {
  key: string;
  kind: 'number' | 'category' | 'metric';
  ticks: { at: number; label: string }[];
  positions: (number | null)[];
  hasMissing: boolean;
}

const MAX_CATEGORY_LABELS = 12;

/**
 * The axes of a parallel-coordinates plot: one per parameter (the differing ones, which are the
 * only ones that say anything; all when none differ), then the metric. Numbers are scaled min to
 * max; anything else (strings, booleans, a mix) is a category axis with its values evenly spaced.
 */
export function parallelAxes(comparison: Comparison, metricKey: string | undefined): Axis[] {
  const { runs, parameterDiff } = comparison;
  const differing = parameterDiff.filter((p) => p.isDifferent);
  const params = differing.length > 0 ? differing : parameterDiff;
  const axes = params.map((p) => paramAxis(p.key, runs.map((r) => p.values[r.runId] ?? null)));
  if (metricKey !== undefined) {
    const metric = comparison.metricComparison.find((m) => m.metricKey === metricKey);
    const values = runs.map((r) => {
      const v = metric?.values[r.runId];
      const n = v === undefined ? Number.NaN : toNumber(v);
      return Number.isFinite(n) ? n : null;
    });
    axes.push({ ...numberAxis(metricKey, values), kind: 'metric' });
  }
  return axes;
}

function paramAxis(key: string, values: (ParamValue | null)[]): Axis {
  if (values.every((v) => v === null || typeof v === 'number')) return numberAxis(key, values as (number | null)[]);
  // `1` and `"1"` are different values to the API, so they get different places here too.
  const id = (v: ParamValue) => `${typeof v}:${String(v)}`;
  const distinct = new Map<string, ParamValue>();
  for (const v of values) if (v !== null) distinct.set(id(v), v);
  const ordered = [...distinct.entries()].sort(([, a], [, b]) => compareValues(a, b));
  const place = new Map(ordered.map(([k], i) => [k, ordered.length === 1 ? 0.5 : i / (ordered.length - 1)]));
  const every = Math.ceil(ordered.length / MAX_CATEGORY_LABELS);
  return {
    key,
    kind: 'category',
    ticks: ordered.filter((_, i) => i % every === 0).map(([k, v]) => ({ at: place.get(k) ?? 0, label: formatValue(v) })),
    positions: values.map((v) => (v === null ? null : (place.get(id(v)) ?? null))),
    hasMissing: values.includes(null),
  };
}

function numberAxis(key: string, values: (number | null)[]): Axis {
  const present = values.filter((v): v is number => v !== null);
  const min = Math.min(...present);
  const max = Math.max(...present);
  const span = max - min;
  const at = (v: number) => (span > 0 ? (v - min) / span : 0.5);
  const ticks = present.length === 0 ? [] : span > 0 ? [min, min + span / 2, max].map((v) => ({ at: at(v), label: formatValue(v) })) : [{ at: 0.5, label: formatValue(min) }];
  return { key, kind: 'number', ticks, positions: values.map((v) => (v === null ? null : at(v))), hasMissing: values.includes(null) };
}

function compareValues(a: ParamValue, b: ParamValue): number {
  const rank = (v: ParamValue) => (typeof v === 'number' ? 0 : typeof v === 'boolean' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A sequential scale (viridis-like, dark to light) for colouring lines by the metric. */
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  // Viridis ends in a pale yellow; a darker one keeps the lines visible on white.
  [214, 188, 20],
];

export function sequentialColor(t: number): string {
  const x = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(x), STOPS.length - 2);
  const f = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  if (!a || !b) return 'rgb(0 0 0)';
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)} ${mix(1)} ${mix(2)})`;
}

export const SEQUENTIAL_GRADIENT = STOPS.map(([r, g, b], i) => ({ offset: i / (STOPS.length - 1), color: `rgb(${r} ${g} ${b})` }));
