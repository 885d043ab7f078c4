import { type InvalidArgumentError, Issues } from './errors.js';
import { normalizeTags } from './experiment.js';
import type { ExperimentId } from './experiment.js';
import { checkText } from './keys.js';
import type { RunId } from './run.js';
import type { Millis } from './time.js';

export type ArtifactId = string;
export type ArtifactType = 'model' | 'dataset' | 'figure' | 'other';
export const ARTIFACT_TYPES: readonly ArtifactType[] = ['model', 'dataset', 'figure', 'other'];

export interface Artifact {
  id: ArtifactId;
  runId: RunId;
  experimentId: ExperimentId;
  name: string;
  type: ArtifactType;
  /** The blob store key of the content (content-addressed: `sha256/ab/abcdef…`). */
  path: string;
  size: number;
  sha256: string;
  version: string;
  tags: string[];
  contentType: string;
  metadata: Record<string, unknown>;
  uploadedAt: Millis;
}

/**
 * Where content with this SHA-256 (lower-case hex) lives in a blob store: `sha256/ab/abcdef…`.
 * The one definition: blob stores file bytes under it, and the maintenance commands check records
 * against it.
 */
export function contentAddress(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

export const MAX_ARTIFACT_NAME = 255;
export const MAX_VERSION_LENGTH = 64;
export const MAX_METADATA_BYTES = 64 * 1024;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const VERSION = /^[A-Za-z0-9_.+-]+$/;
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\p{Cc}]*"|[\w.+-]+))*$/u;

/** Control characters, and the line and paragraph separators that would break a name over lines. */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
/** A Windows drive (`C:`): `C:/x` is absolute there, and `C:x` escapes a folder on another drive. */
const DRIVE = /^[A-Za-z]:/;
const EDGE_SPACE = /^\s|\s$/u;

/**
 * Artifact names are relative paths of `/`-separated segments, as MLflow clients send them
 * (`model/MLmodel`, `checkpoints/epoch=3-step=1000.ckpt`, `plots/loss curve.png`). A name never
 * becomes a path on the server (blobs are stored under their content address), so a segment may
 * hold any printable Unicode: letters of any script, digits, spaces inside it, punctuation.
 *
 * Refused, so that a client which does write a name to disk (downloading a run's artifacts into
 * a folder) can never be pointed outside that folder, and so that names stay unambiguous in a
 * URL path: absolute paths (a leading `/`, or a Windows drive such as `C:`), backslashes, empty,
 * `.` and `..` segments, control characters and line separators, unpaired surrogates, and
 * segments that start or end with whitespace (invisible in listings, and trimmed by some tools).
 * Names are kept exactly as given (no Unicode normalisation): a client gets back what it sent.
 */
export function checkArtifactName(name: string, issues: Issues, path = '/name'): void {
  if (name.length < 1 || name.length > MAX_ARTIFACT_NAME) {
    issues.add(path, `must be 1-${MAX_ARTIFACT_NAME} characters`);
    return;
  }
  if (name.startsWith('/')) return issues.add(path, 'must be a relative path, not an absolute one');
  if (DRIVE.test(name)) return issues.add(path, 'must be a relative path, not one starting with a drive letter such as C:');
  if (name.includes('\\')) return issues.add(path, 'must use / to separate segments, not backslashes');
  if (CONTROL.test(name)) return issues.add(path, 'must not contain control characters or line breaks');
  if (!checkText(name, path, issues)) return;
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return issues.add(path, "must not hold empty, '.' or '..' segments");
    }
    if (EDGE_SPACE.test(segment)) return issues.add(path, 'segments must not start or end with whitespace');
  }
}

/** @throws InvalidArgumentError naming `path` when the name is not a valid artifact name. */
export function assertArtifactName(name: string, path = '/name'): void {
  const issues = new Issues();
  checkArtifactName(name, issues, path);
  issues.throwIfAny();
}

export function isArtifactName(name: string): boolean {
  const issues = new Issues();
  checkArtifactName(name, issues);
  return issues.empty;
}

export interface ArtifactFieldsInput {
  name?: string;
  type?: string;
  version?: string;
  /** Comma-separated, as multipart forms send them, or already split. */
  tags?: string | readonly string[];
  /** A JSON object, as text (multipart) or already parsed. */
  metadata?: string | Record<string, unknown>;
  contentType?: string;
}

export interface ArtifactFields {
  name: string;
  type: ArtifactType;
  version?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  contentType: string;
}

/** Validates the describing fields of an upload; `fallbackName` is the uploaded file's own name. */
export function toArtifactFields(input: ArtifactFieldsInput, fallbackName: string | undefined): ArtifactFields {
  const issues = new Issues();
  const name = input.name ?? fallbackName ?? '';
  if (input.name === undefined && fallbackName !== undefined) {
    // The file's own name: say how to store it under another one.
    const fileName = new Issues();
    checkArtifactName(name, fileName, '/file');
    try {
      fileName.throwIfAny();
    } catch (error) {
      const reason = (error as InvalidArgumentError).issues[0]?.message ?? 'is not a valid artifact name';
      issues.add('/file', `${reason} (this is the file's own name '${name}'; send a name field to store it under another)`);
    }
  } else {
    checkArtifactName(name, issues, input.name === undefined ? '/file' : '/name');
  }
  const type = (input.type ?? 'other') as ArtifactType;
  if (!ARTIFACT_TYPES.includes(type)) issues.add('/type', `must be one of ${ARTIFACT_TYPES.join(', ')}`);
  if (input.version !== undefined) checkVersion(input.version, issues);
  const rawTags = typeof input.tags === 'string' ? splitList(input.tags) : (input.tags ?? []);
  const tags = normalizeTags(rawTags, issues);
  const metadata = parseMetadata(input.metadata, issues);
  const contentType = normalizeContentType(input.contentType);
  issues.throwIfAny();
  const fields: ArtifactFields = { name, type, tags, metadata, contentType };
  if (input.version !== undefined) fields.version = input.version;
  return fields;
}

function checkVersion(version: string, issues: Issues): void {
  if (version.length < 1 || version.length > MAX_VERSION_LENGTH || !VERSION.test(version)) {
    issues.add('/version', `must be 1-${MAX_VERSION_LENGTH} letters, digits or _ . + -`);
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function parseMetadata(raw: ArtifactFieldsInput['metadata'], issues: Issues): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown = raw;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (new TextEncoder().encode(text).length > MAX_METADATA_BYTES) {
    issues.add('/metadata', `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
    return {};
  }
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      issues.add('/metadata', 'must be valid JSON');
      return {};
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.add('/metadata', 'must be a JSON object');
    return {};
  }
  return value as Record<string, unknown>;
}

function normalizeContentType(contentType: string | undefined): string {
  const trimmed = contentType?.trim() ?? '';
  return trimmed.length > 0 && trimmed.length <= 255 && CONTENT_TYPE.test(trimmed) ? trimmed : DEFAULT_CONTENT_TYPE;
}

/**
 * The next automatic version of a name: one more than the highest whole-number version so far.
 * Counted exactly (BigInt), whatever its length: a version this gives must count next time, or
 * the one after it would repeat it.
 */
export function nextVersion(existing: readonly string[]): string {
  const highest = highestVersion(existing);
  return String((highest === undefined ? 0n : BigInt(highest)) + 1n);
}

/** The highest whole-number version among these (one `nextVersion` counts from), if any. */
export function highestVersion(versions: readonly string[]): string | undefined {
  let highest: bigint | undefined;
  for (const version of versions) {
    const number = wholeNumber(version);
    if (number !== undefined && (highest === undefined || number > highest)) highest = number;
  }
  return highest === undefined ? undefined : String(highest);
}

/** A whole-number version short enough that the next one still fits the version length limit. */
function wholeNumber(version: string): bigint | undefined {
  return new RegExp(`^[1-9]\\d{0,${MAX_VERSION_LENGTH - 2}}$`).test(version) ? BigInt(version) : undefined;
}

/**
 * Newest first, as a total order a SQL ORDER BY can reproduce: upload time descending; then
 * whole-number versions (highest first) before named ones; then id descending.
 */
export function newestFirst(a: Artifact, b: Artifact): number {
  if (a.uploadedAt !== b.uploadedAt) return b.uploadedAt - a.uploadedAt;
  const na = wholeNumber(a.version);
  const nb = wholeNumber(b.version);
  if (na !== undefined && nb !== undefined && na !== nb) return na > nb ? -1 : 1;
  if ((na === undefined) !== (nb === undefined)) return na === undefined ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export interface ArtifactFilter {
  name?: string;
  type?: ArtifactType;
}
