import { Issues } from './errors.js';
import { checkKey, checkText } from './keys.js';
import type { Millis } from './time.js';

export type ExperimentId = string;
export type LifecycleStage = 'active' | 'deleted';

export interface Experiment {
  id: ExperimentId;
  name: string;
  description?: string;
  /** Labels, for grouping and filtering. */
  tags: string[];
  /** Key/value properties (what MLflow calls experiment tags), kept exactly as given. */
  properties: Record<string, string>;
  createdBy: string;
  createdAt: Millis;
  updatedAt: Millis;
  lifecycleStage: LifecycleStage;
  /** Who moved it to the trash; only while it is deleted (cleared on restore). */
  deletedBy?: string;
}

export interface ExperimentSummary extends Experiment {
  runCount: number;
}

export const MAX_EXPERIMENT_NAME = 256;
export const MAX_DESCRIPTION = 10_000;
export const MAX_TAG_LENGTH = 64;
export const MAX_TAGS = 64;
export const DEFAULT_CREATOR = 'anonymous';
export const MAX_PROPERTIES = 1_000;
export const MAX_PROPERTY_VALUE = 5_000;

/** Property keys follow the key rules of run tags; values are text of at most 5,000 characters. A null value (in changes) removes the key. */
export function checkProperties(properties: Readonly<Record<string, string | null>>, issues: Issues, path = '/properties'): void {
  const keys = Object.keys(properties);
  if (keys.length > MAX_PROPERTIES) issues.add(path, `must hold at most ${MAX_PROPERTIES} properties`);
  for (const key of keys) {
    checkKey(key, `${path}/${key}`, issues);
    const value = properties[key];
    if (typeof value === 'string' && value.length > MAX_PROPERTY_VALUE) {
      issues.add(`${path}/${key}`, `value must be at most ${MAX_PROPERTY_VALUE} characters`);
    } else if (typeof value === 'string') {
      checkText(value, `${path}/${key}`, issues);
    }
  }
}

/** Merges property changes (null removes a key) without ever touching a prototype. */
export function mergeProperties(current: Readonly<Record<string, string>>, changes: Readonly<Record<string, string | null>>): Record<string, string> {
  const next: Record<string, string> = {};
  for (const [key, value] of Object.entries(current)) define(next, key, value);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else define(next, key, value);
  }
  return next;
}

function define(target: Record<string, string>, key: string, value: string): void {
  // Defined, not assigned: a key may be __proto__, and assigning would set the prototype.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function checkExperimentName(name: string, issues: Issues, path = '/name'): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_EXPERIMENT_NAME) {
    issues.add(path, `must be 1-${MAX_EXPERIMENT_NAME} characters (not counting surrounding spaces)`);
  } else if (/\p{Cc}/u.test(trimmed)) {
    issues.add(path, 'must not contain control characters');
  } else {
    checkText(trimmed, path, issues);
  }
  return trimmed;
}

export function checkDescription(description: string, issues: Issues, path = '/description'): void {
  if (description.length > MAX_DESCRIPTION) issues.add(path, `must be at most ${MAX_DESCRIPTION} characters`);
  else checkText(description, path, issues);
}

/** Experiment tags are labels: trimmed, lower-cased, de-duplicated, 1-64 characters, at most 64. */
export function normalizeTags(tags: readonly string[], issues: Issues, path = '/tags'): string[] {
  const seen = new Set<string>();
  tags.forEach((raw, i) => {
    const tag = raw.trim().toLowerCase();
    if (tag.length < 1 || tag.length > MAX_TAG_LENGTH) {
      issues.add(`${path}/${i}`, `must be 1-${MAX_TAG_LENGTH} characters`);
    } else if (tag.includes(',') || /\p{Cc}/u.test(tag)) {
      issues.add(`${path}/${i}`, 'must not contain commas or control characters');
    } else if (checkText(tag, `${path}/${i}`, issues)) {
      seen.add(tag);
    }
  });
  if (seen.size > MAX_TAGS) issues.add(path, `must hold at most ${MAX_TAGS} distinct tags`);
  return [...seen];
}

export interface NewExperimentInput {
  name: string;
  description?: string;
  tags?: readonly string[];
  properties?: Readonly<Record<string, string>>;
  createdBy?: string;
}

/** Builds a valid experiment or throws InvalidArgumentError listing every bad field. */
export function newExperiment(id: ExperimentId, input: NewExperimentInput, now: Millis): Experiment {
  const issues = new Issues();
  const name = checkExperimentName(input.name, issues);
  if (input.description !== undefined) checkDescription(input.description, issues);
  const tags = normalizeTags(input.tags ?? [], issues);
  checkProperties(input.properties ?? {}, issues);
  const createdBy = (input.createdBy ?? '').trim() || DEFAULT_CREATOR;
  if (createdBy.length > 256) issues.add('/createdBy', 'must be at most 256 characters');
  else checkText(createdBy, '/createdBy', issues);
  issues.throwIfAny();
  return {
    id,
    name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    tags,
    properties: mergeProperties({}, input.properties ?? {}),
    createdBy,
    createdAt: now,
    updatedAt: now,
    lifecycleStage: 'active',
  };
}

export interface ExperimentChanges {
  name?: string;
  description?: string;
  tags?: readonly string[];
  /** Merged into the properties; a null value removes that key. */
  properties?: Readonly<Record<string, string | null>>;
}

export function applyExperimentChanges(current: Experiment, changes: ExperimentChanges, now: Millis): Experiment {
  const issues = new Issues();
  const next: Experiment = { ...current, updatedAt: Math.max(now, current.updatedAt) };
  if (changes.name !== undefined) next.name = checkExperimentName(changes.name, issues);
  if (changes.description !== undefined) {
    checkDescription(changes.description, issues);
    next.description = changes.description;
  }
  if (changes.tags !== undefined) next.tags = normalizeTags(changes.tags, issues);
  if (changes.properties !== undefined) {
    checkProperties(changes.properties, issues);
    next.properties = mergeProperties(current.properties, changes.properties);
    if (Object.keys(next.properties).length > MAX_PROPERTIES) issues.add('/properties', `an experiment holds at most ${MAX_PROPERTIES} properties`);
  }
  issues.throwIfAny();
  return next;
}

export type ExperimentOrderField = 'createdAt' | 'updatedAt' | 'name';

export interface ExperimentOrder {
  field: ExperimentOrderField;
  descending: boolean;
}

/** Filters for listing experiments; every given filter must hold. */
export interface ExperimentFilter {
  /** Only these experiments (a light read of known ones); an empty list matches none. */
  ids?: ExperimentId[];
  allTags?: string[];
  anyTags?: string[];
  nameContains?: string;
  createdBy?: string;
  createdAfter?: Millis;
  createdBefore?: Millis;
  updatedAfter?: Millis;
  updatedBefore?: Millis;
  lifecycle: LifecycleStage | 'all';
}
