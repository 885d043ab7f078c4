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
 * Logs a body that holds either one item (`{key, value, ...}`) or a batch under `batchField`
 * (`{metrics: [...]}`). A batch may not also carry single-item fields; a single item needs both
 * key and value, and its bad fields are named as the client sent them ("/value") rather than as
 * the batch the use case validates ("/metrics/0/value").
 */
export async function logOneOrBatch<S extends { key?: string; value?: unknown }, B, R>(
  single: S,
  batch: B[] | undefined,
  batchField: string,
  what: string,
  log: (items: (B | SingleItem<S>)[]) => Promise<R>,
): Promise<R> {
  if (batch !== undefined) {
    assertNotMixed(single, batchField);
    return log(batch);
  }
  const item = singleItem(single, what);
  try {
    return await log([item]);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const prefix = `/${batchField}/0`;
    const renamed = error.issues.map((issue) =>
      issue.path === prefix || issue.path.startsWith(`${prefix}/`) ? { ...issue, path: issue.path.slice(prefix.length) || '/' } : issue,
    );
    throw new InvalidArgumentError(renamed);
  }
}

type SingleItem<S> = Omit<S, 'key' | 'value'> & { key: string; value: Exclude<S extends { value?: infer V } ? V : never, undefined> };

function singleItem<S extends { key?: string; value?: unknown }>(body: S, what: string): SingleItem<S> {
  const issues = new Issues();
  if (body.key === undefined) issues.add('/key', `is required for a single ${what} (or send a batch)`);
  if (body.value === undefined) issues.add('/value', `is required for a single ${what} (or send a batch)`);
  issues.throwIfAny();
  return body as never;
}

function assertNotMixed(single: object, batchField: string): void {
  const mixed = Object.entries(single).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (mixed.length > 0) {
    throw InvalidArgumentError.field(`/${batchField}`, `send either a single item or ${batchField}, not both (also got ${mixed.join(', ')})`);
  }
}
