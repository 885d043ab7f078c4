/**
 * Keyset paging: a page starts strictly after the (sort value, id) of the last item of the
 * previous page, so pages never repeat or skip an item even while others are being added.
 */
export interface Cursor {
  value: string | number | null;
  id: string;
}

export interface PageRequest {
  limit: number;
  after?: Cursor;
}

export interface Page<T> {
  items: T[];
  next?: Cursor;
}

/** Compares sort values the way every store must: nulls first, numbers numerically, strings by code unit. */
export function compareSortValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
