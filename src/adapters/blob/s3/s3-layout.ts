import { InvalidArgumentError } from '../../../domain/errors.js';

const KEY = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const HEX2 = /^[0-9a-f]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** Last-use times in marker keys: epoch milliseconds, zero-padded so they sort as numbers. */
const TIME_DIGITS = 15;

/**
 * Where a store's objects live in its bucket, all under one prefix:
 *
 * - `<prefix>sha256/ab/abcdef…`: the blobs, by content address;
 * - `<prefix>tmp/<uuid>`: uploads in progress, before their content address is known;
 * - `<prefix>used/sha256/ab/abcdef….<epoch ms>`: empty markers recording when a put last found
 *   that content already stored (S3 cannot change an object's modification time in place). They
 *   sit directly in their shard, as blobs do: s3rver's delimited listings miss deeper keys.
 *
 * Every key a caller gives is matched against the content-address pattern before a bucket key
 * is built from it, so no key can name an object outside these places.
 */
export class S3Layout {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = normalizePrefix(prefix);
  }

  /** The bucket key of a blob. @throws InvalidArgumentError when `key` is not a content address. */
  blob(key: string): string {
    return this.prefix + assertContentAddress(key);
  }

  /** A fresh staging key for an upload whose address is not known yet. */
  staging(id: string): string {
    return `${this.prefix}tmp/${id}`;
  }

  get stagingPrefix(): string {
    return `${this.prefix}tmp/`;
  }

  /** Whether a bucket key directly under the staging prefix is one of this store's staging keys. */
  isStaging(bucketKey: string): boolean {
    return bucketKey.startsWith(this.stagingPrefix) && UUID.test(bucketKey.slice(this.stagingPrefix.length));
  }

  get blobsPrefix(): string {
    return `${this.prefix}sha256/`;
  }

  get markersPrefix(): string {
    return `${this.prefix}used/sha256/`;
  }

  /** The key prefix of a blob's last-use markers. */
  markersOf(key: string): string {
    return `${this.prefix}used/${assertContentAddress(key)}.`;
  }

  marker(key: string, at: number): string {
    return this.markersOf(key) + String(Math.max(0, Math.floor(at))).padStart(TIME_DIGITS, '0');
  }

  /** The content address a bucket key holds a blob of, or undefined for any other object. */
  blobKeyOf(bucketKey: string): string | undefined {
    if (!bucketKey.startsWith(this.prefix)) return undefined;
    const key = bucketKey.slice(this.prefix.length);
    return isContentAddress(key) ? key : undefined;
  }

  /** The content address and time a marker key records, or undefined for any other object. */
  markerOf(bucketKey: string): { key: string; at: number } | undefined {
    const usedPrefix = `${this.prefix}used/`;
    if (!bucketKey.startsWith(usedPrefix)) return undefined;
    const rest = bucketKey.slice(usedPrefix.length);
    const dot = rest.lastIndexOf('.');
    const key = rest.slice(0, dot);
    const time = rest.slice(dot + 1);
    if (dot < 0 || !isContentAddress(key) || time.length !== TIME_DIGITS || !/^[0-9]+$/.test(time)) return undefined;
    return { key, at: Number(time) };
  }

  /** The shard (`ab`) a common prefix such as `<prefix>sha256/ab/` names, or undefined. */
  shardOf(commonPrefix: string, parent: string): string | undefined {
    const shard = commonPrefix.startsWith(parent) ? commonPrefix.slice(parent.length, -1) : '';
    return commonPrefix.endsWith('/') && HEX2.test(shard) ? shard : undefined;
  }
}

export function isContentAddress(key: string): boolean {
  const match = KEY.exec(key);
  return match !== null && (match[2] as string).startsWith(match[1] as string);
}

function assertContentAddress(key: string): string {
  if (!isContentAddress(key)) {
    throw InvalidArgumentError.field('/path', `'${key}' is not a content address (sha256/ab/ab…)`);
  }
  return key;
}

/**
 * `''` (the bucket's root) or `a/b/`: segments of letters, digits, `_`, `.` and `-`, never `.` or
 * `..` (some S3-compatible servers map keys to files), no empty segment. Slashes at either end are
 * optional.
 */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  const bad = segments.find((segment) => !SEGMENT.test(segment) || segment === '.' || segment === '..');
  if (bad !== undefined) {
    throw InvalidArgumentError.field(
      '/prefix',
      `'${prefix}' is not a usable key prefix: segments hold letters, digits, '_', '.' and '-', and are neither empty, '.' nor '..'`,
    );
  }
  return `${segments.join('/')}/`;
}
