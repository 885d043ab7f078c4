import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Issues } from '../../../src/domain/errors.js';

describe('Issues', () => {
  it('collects the issues of every failed check and throws them together', () => {
    const issues = new Issues();
    expect(issues.collect(() => 42)).toBe(42);
    expect(issues.collect(() => {
      throw InvalidArgumentError.field('/name', 'is required');
    })).toBeUndefined();
    issues.add('/tags/0', 'is empty');
    expect(() => issues.throwIfAny()).toThrow(
      expect.objectContaining({ issues: [{ path: '/name', message: 'is required' }, { path: '/tags/0', message: 'is empty' }] }),
    );
  });

  it('lets any other error through: only bad input is collected', () => {
    expect(() => new Issues().collect(() => {
      throw new TypeError('a bug');
    })).toThrow(TypeError);
  });

  it('does not throw when nothing was wrong', () => {
    const issues = new Issues();
    issues.collect(() => 'fine');
    expect(issues.empty).toBe(true);
    expect(() => issues.throwIfAny()).not.toThrow();
  });
});
