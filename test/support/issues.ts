import { expect } from 'vitest';
import { InvalidArgumentError } from '../../src/domain/errors.js';

/** The one issue a call fails with: it must throw an InvalidArgumentError naming exactly one field. */
export function issueOf(call: () => unknown): { path: string; message: string } {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const issues = (error as InvalidArgumentError).issues;
    expect(issues).toHaveLength(1);
    return issues[0] as { path: string; message: string };
  }
  throw new Error('expected an InvalidArgumentError');
}
