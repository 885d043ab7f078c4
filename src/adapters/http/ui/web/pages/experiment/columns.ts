import type { MetricValue, ParamValue, Run } from '../../api.js';
import { formatDate, formatDuration, formatValue, runLabel } from '../../lib/format.js';
import { parseSortTerm, type Direction, type Sort } from '../../lib/search.js';
import { toNumber } from '../../lib/values.js';

/**
 * The run table's columns. A column's id is the search-language field it shows (`startedAt`,
 * `params.lr`, `metrics.acc`), so sorting by a column is `orderBy=<field> asc|desc` and the URL's
 * `cols` names columns the way a filter names fields.
 */
export interface Column {
  id: string;
  label: string;
  kind: 'attribute' | 'param' | 'metric';
  /** The key of a parameter or metric (the id without its prefix). */
  key?: string;
  numeric: boolean;
  width: number;
}

export const ATTRIBUTE_COLUMNS: Column[] = [
  { id: 'status', label: 'Status', kind: 'attribute', numeric: false, width: 104 },
  { id: 'name', label: 'Name', kind: 'attribute', numeric: false, width: 220 },
  { id: 'startedAt', label: 'Start', kind: 'attribute', numeric: false, width: 148 },
  { id: 'duration', label: 'Duration', kind: 'attribute', numeric: true, width: 100 },
];

/** The name is the link to the run: it cannot be hidden. */
export const ALWAYS_SHOWN = 'name';
const DEFAULT_PARAMS = 8;
const DEFAULT_METRICS = 8;

export function paramColumn(key: string): Column {
  return { id: `params.${key}`, label: key, kind: 'param', key, numeric: false, width: 120 };
}

export function metricColumn(key: string): Column {
  return { id: `metrics.${key}`, label: key, kind: 'metric', key, numeric: true, width: 120 };
}

export function allColumns(paramKeys: string[], metricKeys: string[]): Column[] {
  return [...ATTRIBUTE_COLUMNS, ...paramKeys.map(paramColumn), ...metricKeys.map(metricColumn)];
}

/** With no `cols` in the URL: the attributes, the first parameters and the first metrics. */
export function defaultColumnIds(paramKeys: string[], metricKeys: string[]): string[] {
  return [
    ...ATTRIBUTE_COLUMNS.map((c) => c.id),
    ...paramKeys.slice(0, DEFAULT_PARAMS).map((k) => `params.${k}`),
    ...metricKeys.slice(0, DEFAULT_METRICS).map((k) => `metrics.${k}`),
  ];
}

/** The columns to draw, in table order: those the URL names (or the default), the name always. */
export function visibleColumns(all: Column[], cols: string | null, paramKeys: string[], metricKeys: string[]): Column[] {
  const wanted = new Set(cols === null ? defaultColumnIds(paramKeys, metricKeys) : cols.split(',').filter((c) => c !== ''));
  wanted.add(ALWAYS_SHOWN);
  return all.filter((c) => wanted.has(c.id));
}

/* ---------- sort terms ---------- */

export type { Direction, Sort };

/** What the API does without `orderBy`: newest first. */
export const DEFAULT_SORT: Sort = { field: 'startedAt', direction: 'desc' };

/** Reads the URL's `sort` (one API term) back into a column id and a direction. */
export function parseSort(term: string | null): Sort {
  return parseSortTerm(term, ATTRIBUTE_COLUMNS.map((c) => c.id), DEFAULT_SORT);
}

/* ---------- cell values ---------- */

export function paramValue(run: Run, key: string): ParamValue | undefined {
  return run.parameters.find((p) => p.key === key)?.value;
}

export function metricValue(run: Run, key: string): MetricValue | undefined {
  return run.metrics.find((m) => m.key === key)?.value;
}

/** The text a cell shows (the status and name cells are drawn by the table itself). */
export function cellText(run: Run, column: Column): string {
  switch (column.id) {
    case 'startedAt':
      return formatDate(run.startedAt);
    case 'duration':
      return formatDuration(run.duration);
    case 'status':
      return run.status;
    case 'name':
      return runLabel(run.name, run.id);
  }
  if (column.kind === 'param') return formatValue(paramValue(run, column.key!));
  const metric = metricValue(run, column.key!);
  if (metric === undefined) return '—';
  return typeof metric === 'string' ? metric : formatValue(toNumber(metric));
}
