import { InvalidArgumentError, type Issues } from '../domain/errors.js';
import { isStorableText } from '../domain/keys.js';
import type { Cursor } from '../domain/paging.js';
import type { SortPosition, SortValue } from '../domain/search/evaluate.js';

/**
 * Page tokens are opaque to clients: base64url JSON of the keyset cursor plus a fingerprint of
 * the query's order and filters, so a token used with another query is refused rather than
 * silently skipping rows.
 */
export function encodePageToken(cursor: Cursor, query: string): string {
  return toBase64Url(JSON.stringify({ v: cursor.value, i: cursor.id, q: query }));
}

const invalidToken = (): InvalidArgumentError => InvalidArgumentError.field('/pageToken', 'is not a page token of this query; start again without it');

/** The fields of a token, or undefined when there is none. @throws InvalidArgumentError when it is not one of ours. */
function readToken(token: string | undefined): Record<string, unknown> | undefined {
  if (token === undefined || token === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(token));
  } catch {
    throw invalidToken();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidToken();
  return parsed as Record<string, unknown>;
}

export function decodePageToken(token: string | undefined, query: string, valueKind: 'number' | 'string'): Cursor | undefined {
  const fields = readToken(token);
  if (!fields) return undefined;
  const invalid = invalidToken();
  const { v, i, q } = fields;
  // The cursor's value must have the sort field's type: stores compare it with that field.
  const valueOk = typeof v === valueKind && (valueKind === 'string' ? isStorableText(v as string) : Number.isFinite(v));
  if (!valueOk || !storableId(i) || q !== query) throw invalid;
  return { value: v as string | number, id: i };
}

/** A search's page token: the last run's sort keys and id, bound to the query that made it. */
export function encodeSearchToken(position: SortPosition, query: string): string {
  // JSON has no Infinity (a metric can hold one): numbers that are not finite travel as text.
  const keys = position.keys.map((key) => (typeof key === 'number' && !Number.isFinite(key) ? String(key) : key));
  return toBase64Url(JSON.stringify({ k: keys, i: position.id, q: fingerprint(query) }));
}

/**
 * @param kinds what each sort key holds, so a forged token cannot hand the store a value of
 * another type than its key. @throws InvalidArgumentError on `/pageToken`
 */
export function decodeSearchToken(token: string | undefined, query: string, kinds: readonly ('number' | 'text')[]): SortPosition | undefined {
  const fields = readToken(token);
  if (!fields) return undefined;
  const invalid = invalidToken();
  const { k, i, q } = fields;
  if (q !== fingerprint(query) || !storableId(i) || !Array.isArray(k) || k.length !== kinds.length) throw invalid;
  const keys = k.map((value: unknown, n): SortValue | undefined => {
    if (value === null) return null;
    if (kinds[n] === 'text') return typeof value === 'string' && isStorableText(value) ? value : undefined;
    if (value === 'Infinity' || value === '-Infinity') return Number(value);
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  });
  if (keys.includes(undefined)) throw invalid;
  return { keys: keys as SortValue[], id: i };
}

/**
 * Whether a token's id is text a store could have given: the tokens made here only ever carry
 * stored text, and a forged one holding NUL or a lone surrogate (JSON can spell both) is refused
 * like any other, rather than reaching a store that cannot compare with it (PostgreSQL fails on
 * NUL and reads a lone surrogate as U+FFFD). Text sort keys are held to the same rule.
 */
function storableId(id: unknown): id is string {
  return typeof id === 'string' && isStorableText(id);
}

/** Runs a keyset query for one more item than asked, to know whether another page exists. */
export async function fetchPage<T>(
  limit: number,
  after: Cursor | undefined,
  query: string,
  fetch: (limit: number, after: Cursor | undefined) => Promise<T[]>,
  cursorOf: (item: T) => Cursor,
): Promise<{ items: T[]; nextPageToken?: string }> {
  const rows = await fetch(limit + 1, after);
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextPageToken: encodePageToken(cursorOf(items[items.length - 1] as T), query) };
}

/** The page size, or the fallback; a bad one is added to `issues` (or thrown when none are given). */
export function checkLimit(limit: number | undefined, fallback: number, max: number, issues?: Issues): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    const message = `must be an integer from 1 to ${max}`;
    if (!issues) throw InvalidArgumentError.field('/limit', message);
    issues.add('/limit', message);
  }
  return value;
}

/**
 * A short fingerprint of a query (a 53-bit hash, cyrb53), so a token stays small however long
 * its filter. It guards against mistakes (a token sent with another query), not against forgery:
 * a forged token can only ask for another position in a query the caller may run anyway.
 */
function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** base64url of UTF-8 text, with web-standard APIs only (the core does not depend on Node). */
function toBase64Url(text: string): string {
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** @throws when the text is not base64url of UTF-8. */
function fromBase64Url(token: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new Error('not base64url');
  const binary = atob(token.replaceAll('-', '+').replaceAll('_', '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
