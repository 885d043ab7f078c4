import type { Issues } from './errors.js';

/** Keys of metrics, parameters and run tags: what MLflow allows, so its clients never get surprised. */
const KEY_PATTERN = /^[A-Za-z0-9_\-./: ]+$/;
export const MAX_KEY_LENGTH = 250;

export function checkKey(key: string, path: string, issues: Issues): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
    issues.add(path, `must be 1-${MAX_KEY_LENGTH} characters`);
  } else if (!KEY_PATTERN.test(key)) {
    issues.add(path, 'may contain only letters, digits, spaces and _ - . / :');
  }
}
