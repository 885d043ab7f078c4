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

/**
 * Compares text by Unicode code point, which is what SQL stores give for free (SQLite's BINARY
 * collation and PostgreSQL's "C" collation over UTF-8 both compare bytes). JavaScript's `<`
 * compares UTF-16 code units instead: the two differ only where a character above U+FFFF (a
 * surrogate pair, an emoji say) meets one from U+E000 to U+FFFF.
 */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above U+FFFF: after every character of the BMP.
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Compares sort values the way every store must: nulls first, numbers numerically, text by code point. */
export function compareSortValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Math.sign(compareText(String(a), String(b)));
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
