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

/**
 * An optional ISO-8601 date as epoch milliseconds. Text that is not a date becomes NaN, which the
 * core reports as a bad field together with every other bad field of the request.
 */
export function timestamp(value: string | undefined): Millis | undefined {
  return value === undefined ? undefined : (parseIsoDate(value) ?? NaN);
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

/**
 * Runs a use case on an item sent in the single-item form, so its bad fields are named as the
 * client sent them ("/value") rather than as the batch the use case validates ("/metrics/0/value").
 */
export async function asSingleItem<T>(batchField: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const prefix = `/${batchField}/0`;
    const renamed = error.issues.map((issue) =>
      issue.path === prefix || issue.path.startsWith(`${prefix}/`) ? { ...issue, path: issue.path.slice(prefix.length) || '/' } : issue,
    );
    throw new InvalidArgumentError(renamed);
  }
}
