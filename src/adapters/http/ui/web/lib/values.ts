import type { MetricValue } from '../api.js';

/** The API sends NaN and infinities as strings (JSON has none); charts and sorting want numbers. */
export function toNumber(value: MetricValue): number {
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return value;
}

/** A value a chart can draw: NaN and infinities become gaps (null). */
export function plottable(value: MetricValue): number | null {
  const n = toNumber(value);
  return Number.isFinite(n) ? n : null;
}
