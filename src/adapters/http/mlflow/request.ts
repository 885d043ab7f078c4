import type { FastifyRequest } from 'fastify';
import type { LifecycleStage } from '../../../domain/experiment.js';
import { invalid } from './errors.js';

/**
 * A request's arguments: the query string for GET (how MLflow clients send reads), the JSON body
 * otherwise. MLflow ignores fields it does not know, and so does this adapter.
 */
export type Args = Readonly<Record<string, unknown>>;

export function argsOf(request: FastifyRequest): Args {
  const source = request.method === 'GET' || request.method === 'DELETE' ? request.query : request.body;
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object' || Array.isArray(source)) throw invalid('the request body must be a JSON object');
  return source as Args;
}

/** A query string repeats a parameter to send a list; a single one is not a list yet. */
function single(value: unknown): unknown {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? value[0] : value;
}

/**
 * The start of a value as JSON, for a message: at most 80 characters, written only that far, so
 * a value nested thousands deep or megabytes long costs nothing (JSON.stringify of the whole
 * would overflow the stack on the one and copy the other).
 */
function describe(value: unknown): string {
  const MAX = 80;
  let text = '';
  const write = (item: unknown): void => {
    if (text.length > MAX) return;
    if (Array.isArray(item)) {
      text += '[';
      for (let i = 0; i < item.length && text.length <= MAX; i++) {
        if (i > 0) text += ',';
        write(item[i]);
      }
      text += ']';
    } else if (item !== null && typeof item === 'object') {
      text += '{';
      let first = true;
      for (const [key, field] of Object.entries(item)) {
        if (text.length > MAX) break;
        text += `${first ? '' : ','}${JSON.stringify(key.slice(0, MAX))}:`;
        first = false;
        write(field);
      }
      text += '}';
    } else {
      text += typeof item === 'string' ? JSON.stringify(item.slice(0, MAX + 1)) : (JSON.stringify(item) ?? String(item));
    }
  };
  write(value);
  return text.length > MAX ? `${text.slice(0, MAX - 3)}...` : text;
}

export function missing(name: string): never {
  throw invalid(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
}

export function badValue(name: string, value: unknown, expected: string): never {
  throw invalid(`Invalid value ${describe(value)} for parameter '${name}' supplied: ${expected}`);
}

export function optionalString(args: Args, name: string): string | undefined {
  const value = single(args[name]);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') badValue(name, value, 'must be a string');
  return value;
}

/** A required string; MLflow treats an empty string like a missing one. */
export function requiredString(args: Args, name: string): string {
  const value = optionalString(args, name);
  if (value === undefined || value === '') missing(name);
  return value;
}

/** The run a request is about: `run_id`, or the older `run_uuid`. */
export function runIdOf(args: Args): string {
  const id = optionalString(args, 'run_id') || optionalString(args, 'run_uuid');
  if (!id) missing('run_id');
  return id;
}

/**
 * An integer: a JSON number, or a string of digits (protobuf's JSON writes 64-bit integers as
 * strings, and query strings carry nothing else).
 */
export function optionalInteger(args: Args, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  const value = single(args[name]);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) badValue(name, value, 'must be an integer');
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
  if (number < min || number > max) badValue(name, value, `must be between ${min} and ${max}`);
  return number;
}

/** A list of strings: a JSON array, or a query parameter given once or repeated. */
export function stringList(args: Args, name: string): string[] {
  const value = args[name];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string')) badValue(name, value, 'must be a list of strings');
  return list as string[];
}

/** A list of objects (`[{key, value}]`, metrics, datasets). */
export function objectList(args: Args, name: string): Record<string, unknown>[] {
  const value = args[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    badValue(name, value, 'must be a list of objects');
  }
  return value as Record<string, unknown>[];
}

/** `[{key, value}]`, as MLflow sends tags and params; both fields must be strings. */
export function keyValues(args: Args, name: string): { key: string; value: string }[] {
  return objectList(args, name).map((entry, i) => {
    const { key, value } = entry;
    if (typeof key !== 'string' || key === '') badValue(`${name}[${i}].key`, key, 'must be a non-empty string');
    if (typeof value !== 'string') badValue(`${name}[${i}].value`, value, 'must be a string');
    return { key, value };
  });
}

/** `[{key, value}]` as a record; keys defined, never assigned (a key may be __proto__). Later duplicates win. */
export function recordOf(entries: readonly { key: string; value: string }[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { key, value } of entries) Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  return record;
}

/** MLflow's ViewType, by name or by its protobuf number. */
export function viewTypeOf(args: Args, name: string): LifecycleStage | 'all' {
  const value = args[name];
  if (value === undefined || value === null || value === '') return 'active';
  const first: unknown = Array.isArray(value) ? value[0] : value;
  // Only a name or a number: String() of a nested array recurses through all of it.
  const text = typeof first === 'string' || typeof first === 'number' ? String(first) : undefined;
  if (text === 'ACTIVE_ONLY' || text === '1') return 'active';
  if (text === 'DELETED_ONLY' || text === '2') return 'deleted';
  if (text === 'ALL' || text === '3') return 'all';
  return badValue(name, value, 'must be one of ACTIVE_ONLY, DELETED_ONLY, ALL');
}

/** An opaque token from an earlier answer, base64url JSON. */
export function encodeToken(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeToken(token: string, name = 'page_token'): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
  } catch {
    return badValue(name, token, 'is not a page token this server gave out');
  }
}
