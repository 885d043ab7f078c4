import { ConflictError, Issues } from './errors.js';
import { checkKey, checkText } from './keys.js';

export type ParameterValue = string | number | boolean;
export type ParameterType = 'string' | 'number' | 'boolean';

export interface Parameter {
  key: string;
  value: ParameterValue;
  type: ParameterType;
}

export const MAX_PARAM_STRING = 6_000;
export const MAX_PARAMS_PER_REQUEST = 1_000;

export interface ParameterInput {
  key: string;
  value: unknown;
}

/**
 * Validates parameters and infers each type from the JSON type of its value. Duplicates inside
 * one batch are tolerated only when they agree, exactly as write-once would treat them.
 */
export function toParameters(inputs: readonly ParameterInput[], basePath = '/parameters'): Parameter[] {
  const issues = new Issues();
  if (inputs.length > MAX_PARAMS_PER_REQUEST) {
    issues.add(basePath, `must hold at most ${MAX_PARAMS_PER_REQUEST} parameters`);
  }
  const byKey = new Map<string, Parameter>();
  inputs.forEach((input, i) => {
    const path = `${basePath}/${i}`;
    checkKey(input.key, `${path}/key`, issues);
    const parameter = toParameter(input.key, input.value, `${path}/value`, issues);
    if (!parameter) return;
    const earlier = byKey.get(parameter.key);
    if (earlier && !sameParameterValue(earlier, parameter)) {
      issues.add(`${path}/value`, `conflicts with an earlier value for '${parameter.key}' in the same request`);
    }
    byKey.set(parameter.key, parameter);
  });
  issues.throwIfAny();
  return [...byKey.values()];
}

function toParameter(key: string, value: unknown, path: string, issues: Issues): Parameter | undefined {
  switch (typeof value) {
    case 'string':
      if (value.length > MAX_PARAM_STRING) {
        issues.add(path, `must be at most ${MAX_PARAM_STRING} characters`);
        return undefined;
      }
      if (!checkText(value, path, issues)) return undefined;
      return { key, value, type: 'string' };
    case 'number':
      if (!Number.isFinite(value)) {
        issues.add(path, 'must be a finite number');
        return undefined;
      }
      return { key, value, type: 'number' };
    case 'boolean':
      return { key, value, type: 'boolean' };
    default:
      issues.add(path, 'must be a string, a finite number or a boolean');
      return undefined;
  }
}

export function sameParameterValue(a: Parameter, b: Parameter): boolean {
  return a.type === b.type && a.value === b.value;
}

/** Parameters are write-once: logging a key again with another value is a conflict. */
export function parameterConflict(existing: Parameter, incoming: Parameter): ConflictError {
  return new ConflictError(
    `parameter '${existing.key}' is already ${JSON.stringify(existing.value)}; ` +
      `it cannot be changed to ${JSON.stringify(incoming.value)}`,
  );
}

/**
 * Leaves out the incoming string parameters that only repeat, as text, a parameter the run holds
 * as a number or boolean. MLflow clients read every parameter as text (`0.01`, `true`) and may log
 * it back (resuming a run, say): the same value, not a change that write-once must refuse.
 */
export function withoutTextualRepeats(held: readonly Parameter[], incoming: readonly Parameter[]): Parameter[] {
  const text = new Map(held.filter((p) => p.type !== 'string').map((p) => [p.key, String(p.value)]));
  return incoming.filter((p) => !(p.type === 'string' && text.get(p.key) === p.value));
}

/**
 * Splits incoming parameters against what a run already has: new ones to insert; throws on the
 * first conflicting one so the whole batch is refused.
 */
export function newParametersOnly(existing: ReadonlyMap<string, Parameter>, incoming: readonly Parameter[]): Parameter[] {
  const fresh: Parameter[] = [];
  for (const parameter of incoming) {
    const current = existing.get(parameter.key);
    if (current === undefined) fresh.push(parameter);
    else if (!sameParameterValue(current, parameter)) throw parameterConflict(current, parameter);
  }
  return fresh;
}
