import { InvalidArgumentError, Issues } from '../../../domain/errors.js';
import { parseIsoDate, type Millis } from '../../../domain/time.js';

/** Small parsers for query-string and body conventions of the native API. */

export function csv(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function isoDate(value: string | undefined, path: string): Millis | undefined {
  if (value === undefined) return undefined;
  const ms = parseIsoDate(value);
  if (ms === undefined) throw InvalidArgumentError.field(path, `must be an ISO-8601 date or date-time, not '${value}'`);
  return ms;
}

/** Drops undefined properties, so optional inputs stay absent rather than present-but-undefined. */
export function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

/**
 * The single-item form of a body that also accepts a batch (`{key, value}` or `{metrics: [...]}`):
 * both fields must be there, and nothing of the batch form may be mixed in.
 */
export function singleItem<T extends { key?: string; value?: V }, V>(
  body: T,
  what: string,
): Omit<T, 'key' | 'value'> & { key: string; value: V } {
  const issues = new Issues();
  if (body.key === undefined) issues.add('/key', `is required for a single ${what} (or send a batch)`);
  if (body.value === undefined) issues.add('/value', `is required for a single ${what} (or send a batch)`);
  issues.throwIfAny();
  return body as never;
}

/** A batch body must not also carry single-item fields: which one was meant would be a guess. */
export function assertNotMixed(single: object, batchField: string): void {
  const mixed = Object.entries(single).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (mixed.length > 0) {
    throw InvalidArgumentError.field(`/${batchField}`, `send either a single item or ${batchField}, not both (also got ${mixed.join(', ')})`);
  }
}
