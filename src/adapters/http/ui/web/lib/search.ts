/**
 * The search language (docs/search.md) as the UI writes and reads it: fields, sort terms, the
 * condition a click adds, and where the server says a filter went wrong. Pure, so unit-tested.
 */

import type { ParamValue } from '../api.js';

export type Direction = 'asc' | 'desc';
export interface Sort {
  field: string;
  direction: Direction;
}

/** A key the language takes bare (letters, digits, `_ - / :`), else in backticks (docs/search.md). */
export function quoteKey(key: string): string {
  return /^[A-Za-z0-9_\-/:]+$/.test(key) ? key : `\`${key.replace(/`/g, '``')}\``;
}

/** `params.model name` → ``params.`model name` ``: the field as the search language writes it. */
export function fieldExpression(columnId: string): string {
  for (const prefix of ['params.', 'metrics.']) {
    if (columnId.startsWith(prefix)) return prefix + quoteKey(columnId.slice(prefix.length));
  }
  return columnId;
}

/** `{field: 'params.model name', direction: 'asc'}` → ``params.`model name` asc``: one API `orderBy` term. */
export function sortTerm(sort: Sort): string {
  return `${fieldExpression(sort.field)} ${sort.direction}`;
}

/**
 * Reads one API sort term back into a field id (`params.<key>`, `metrics.<key>`, or one of
 * `attributes`, spelled as there) and a direction. A term this cannot read is still sent to the
 * API as it is, whose 400 the page shows.
 */
export function parseSortTerm(term: string | null, attributes: readonly string[], fallback: Sort): Sort {
  if (term === null || term.trim() === '') return fallback;
  let text = term.trim();
  let direction: Direction = 'asc';
  const dir = /\s+(asc|desc)$/i.exec(text);
  if (dir) {
    direction = dir[1]!.toLowerCase() as Direction;
    text = text.slice(0, dir.index).trim();
  }
  const keyed = /^(params|metrics)\.(.+)$/i.exec(text);
  if (keyed) {
    const prefix = keyed[1]!.toLowerCase();
    let key = keyed[2]!;
    if (key.startsWith('`') && key.endsWith('`') && key.length >= 2) key = key.slice(1, -1).replace(/``/g, '`');
    return { field: `${prefix}.${key}`, direction };
  }
  const attribute = text.replace(/^attributes\./i, '');
  const known = attributes.find((a) => a.toLowerCase() === attribute.toLowerCase());
  return { field: known ?? attribute, direction };
}

/** `params.optimizer = 'adam'`: numbers compare as numbers, text quoted, booleans bare. */
export function condition(key: string, value: ParamValue): string {
  const field = fieldExpression(`params.${key}`);
  if (typeof value === 'number' || typeof value === 'boolean') return `${field} = ${String(value)}`;
  return `${field} = '${value.replace(/'/g, "''")}'`;
}

/**
 * The filter narrowed by one more condition. `and` binds tighter than `or`, so a filter with an
 * `or` in it is bracketed first: `a or b` and `c` is `(a or b) and c`, not `a or (b and c)`. (An
 * `or` inside a quoted value or a key brackets needlessly, which changes nothing.)
 */
export function addCondition(filter: string, extra: string): string {
  const current = filter.trim();
  if (current === '') return extra;
  return /\bor\b/i.test(current) ? `(${current}) and ${extra}` : `${current} and ${extra}`;
}

/** "at character 12 (…): …" → 12, the 1-based character (code point) the server names. */
export function errorPosition(message: string): number | undefined {
  const match = /at character (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
