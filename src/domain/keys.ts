import type { Issues } from './errors.js';

/** Keys of metrics, parameters and run tags: what MLflow allows, so its clients never get surprised. */
const KEY_PATTERN = /^[A-Za-z0-9_\-./: ]+$/;
export const MAX_KEY_LENGTH = 250;

/** A lone UTF-16 surrogate: text that is not Unicode, which stores cannot keep as it is. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Text must be well-formed Unicode, and without NUL. JSON can carry a lone surrogate ("\ud800"),
 * which no UTF-8 store can keep: SQLite would silently turn it into U+FFFD, so two names that
 * differ on the way in would be equal once stored. And PostgreSQL's text cannot hold U+0000 at
 * all. Both are refused at the door, so every store keeps exactly what was accepted.
 */
export function checkText(value: string, path: string, issues: Issues): boolean {
  if (LONE_SURROGATE.test(value)) {
    issues.add(path, 'must be well-formed Unicode (it holds an unpaired surrogate)');
    return false;
  }
  if (value.includes('\u0000')) {
    issues.add(path, 'must not contain the NUL character (U+0000)');
    return false;
  }
  return true;
}

/**
 * Whether every store keeps this text exactly as it is: well-formed Unicode without NUL, the text
 * checkText lets in. No stored text differs from it, so a lookup by any other text (an id in a
 * path, a name in a query string) finds nothing, on every store alike.
 */
export function isStorableText(value: string): boolean {
  return !LONE_SURROGATE.test(value) && !value.includes('\u0000');
}

export function checkKey(key: string, path: string, issues: Issues): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
    issues.add(path, `must be 1-${MAX_KEY_LENGTH} characters`);
  } else if (!KEY_PATTERN.test(key)) {
    issues.add(path, 'may contain only letters, digits, spaces and _ - . / :');
  }
}
