import type { ParameterValue } from '../parameter.js';
import { RUN_STATUSES } from '../run.js';
import { parseIsoDate } from '../time.js';
import type { Field, FilterValue } from './filter.js';

/**
 * What each field holds, and so which values it compares with. One definition, read by the
 * parser (to refuse a comparison that can never be true), the in-memory evaluator and the SQL
 * compilers, so every store agrees on what a filter means.
 *
 * - `param`: parameters have three views. Text (strings as logged, numbers as JavaScript prints
 *   them, booleans as 'true'/'false'), numeric (numbers, and strings that read as a number, which
 *   is how MLflow clients log every value) and boolean (booleans, and 'true'/'false' in any case).
 *   A literal picks the view: `params.lr < 0.01` compares numbers, `params.opt = 'adam'` text.
 * - `text`: tags and the attributes id, name, status, lifecycleStage, experimentId, parentRunId, createdBy.
 * - `number`: metric values and aggregates, duration (seconds).
 * - `time`: startedAt and completedAt, epoch milliseconds or an ISO-8601 date or date-time in quotes.
 */
export type FieldType = 'param' | 'text' | 'number' | 'time';

export function fieldType(field: Field): FieldType {
  switch (field.kind) {
    case 'param':
      return 'param';
    case 'tag':
      return 'text';
    case 'metric':
      return 'number';
    case 'attribute':
      if (field.name === 'startedAt' || field.name === 'completedAt') return 'time';
      return field.name === 'duration' ? 'number' : 'text';
  }
}

/** How a field is written in a filter, for messages. */
export function fieldName(field: Field): string {
  switch (field.kind) {
    case 'param':
      return `params.${field.key}`;
    case 'tag':
      return `tags.${field.key}`;
    case 'metric':
      return field.aggregate === 'latest' ? `metrics.${field.key}` : `metrics.${field.key}.${field.aggregate}`;
    case 'attribute':
      return field.name;
  }
}

/** A number written the way people and MLflow clients write one: 3, -0.5, 1e-05, .5, 2. */
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The numeric view of a parameter: numbers, and strings that read as a finite number. */
export function numericView(value: ParameterValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean' || !NUMERIC_TEXT.test(value)) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** The text view of a parameter: what `=` with a quoted value and `like` see. */
export function textView(value: ParameterValue): string {
  return typeof value === 'string' ? value : String(value);
}

/** The boolean view of a parameter, from its text view: 'true' or 'false' in any (ASCII) case. */
export function booleanView(text: string): boolean | null {
  // Without the u flag, i matches ASCII letters only against ASCII: no 'ſ' for 's'.
  return /^(?:true|false)$/i.test(text) ? text.toLowerCase() === 'true' : null;
}

/**
 * Checks a literal against its field, and turns quoted date-times into epoch milliseconds.
 * @returns the value to compare with, or a message saying why it cannot be compared.
 */
export function literalFor(field: Field, value: FilterValue): { value: FilterValue } | { error: string } {
  const type = fieldType(field);
  const name = fieldName(field);
  if (type === 'param') return { value };
  if (type === 'text') {
    if (typeof value !== 'string') return { error: `${name} holds text: quote the value ('${String(value)}')` };
    if (field.kind === 'attribute' && field.name === 'status' && !(RUN_STATUSES as readonly string[]).includes(value)) {
      return { error: `status is one of ${RUN_STATUSES.map((s) => `'${s}'`).join(', ')}` };
    }
    if (field.kind === 'attribute' && field.name === 'lifecycleStage' && value !== 'active' && value !== 'deleted') {
      return { error: "lifecycleStage is 'active' or 'deleted'" };
    }
    return { value };
  }
  if (type === 'number') {
    if (typeof value !== 'number') return { error: `${name} holds numbers: compare it with a number` };
    return { value };
  }
  if (typeof value === 'number') return { value };
  // The API's own reading of dates: a calendar date must exist, and no offset means UTC.
  const millis = typeof value === 'string' ? parseIsoDate(value) : undefined;
  if (millis === undefined) {
    const what = typeof value === 'string' ? `'${value}' is not a date that exists` : `${String(value)} is not a time`;
    return { error: `${name} compares with epoch milliseconds or an ISO-8601 date or date-time in quotes ('2026-01-31', '2026-01-31T12:00:00Z'): ${what}` };
  }
  return { value: millis };
}

/** Whether `like` / `ilike` apply: only to what has a text view. */
export function hasText(field: Field): boolean {
  const type = fieldType(field);
  return type === 'param' || type === 'text';
}

/**
 * A `like` pattern as a test: `%` any run of characters, `_` one character (a code point), `\`
 * makes the next character literal. `ilike` ignores case by Unicode simple case folding, one
 * character to one (so a final ς matches Σ, and İ stays one character); SQL stores call this
 * very function, so every store folds case alike.
 */
export function likeMatcher(pattern: string, caseInsensitive: boolean): (text: string) => boolean {
  // The pattern as segments between its %s, each a regular expression of literals and '.' only,
  // so each matches a fixed number of characters and nothing can backtrack without end (a
  // pattern like '%a%a%a%a%b' against a long text stays linear per segment).
  const segments: string[] = [''];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '%') segments.push('');
    else segments[segments.length - 1] += c === '_' ? '.' : escapeRegExp(c === '\\' && i + 1 < chars.length ? (chars[++i] as string) : c);
  }
  const flags = caseInsensitive ? 'isu' : 'su';
  if (segments.length === 1) {
    const whole = new RegExp(`^(?:${segments[0] as string})$`, flags);
    return (text) => whole.test(text);
  }
  const first = new RegExp(segments[0] as string, `${flags}y`);
  const middle = segments.slice(1, -1).filter((s) => s !== '').map((s) => new RegExp(s, `${flags}g`));
  const last = new RegExp(`(?:${segments[segments.length - 1] as string})$`, `${flags}g`);
  return (text) => {
    first.lastIndex = 0;
    if (!first.test(text)) return false;
    let position = first.lastIndex;
    // The leftmost match of each middle segment leaves the most room for the rest.
    for (const segment of middle) {
      segment.lastIndex = position;
      const found = segment.exec(text);
      if (!found) return false;
      position = found.index + found[0].length;
    }
    last.lastIndex = position;
    return last.test(text);
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
