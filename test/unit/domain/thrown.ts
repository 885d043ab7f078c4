import { expect } from 'vitest';

/** Runs `fn`, expects it to throw an instance of `type`, and returns the error for closer checks. */
export function thrownBy<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected a ${type.name} to be thrown, but nothing was`);
  expect(caught).toBeInstanceOf(type);
  return caught as E;
}
