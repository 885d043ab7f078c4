import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidArgumentError } from '../../../src/domain/errors.js';
import { newParametersOnly, toParameters, withoutTextualRepeats, type Parameter } from '../../../src/domain/parameter.js';
import { thrownBy } from './thrown.js';

const held = (...parameters: Parameter[]): Map<string, Parameter> => new Map(parameters.map((p) => [p.key, p]));

describe('parameter types', () => {
  it('are inferred from the JSON type of the value', () => {
    expect(
      toParameters([
        { key: 'optimizer', value: 'adam' },
        { key: 'lr', value: 0.001 },
        { key: 'layers', value: 12 },
        { key: 'amp', value: false },
      ]),
    ).toEqual([
      { key: 'optimizer', value: 'adam', type: 'string' },
      { key: 'lr', value: 0.001, type: 'number' },
      { key: 'layers', value: 12, type: 'number' },
      { key: 'amp', value: false, type: 'boolean' },
    ]);
  });

  it('allow strings up to 6,000 characters', () => {
    expect(toParameters([{ key: 'prompt', value: 'p'.repeat(6_000) }])[0]?.value).toHaveLength(6_000);
    const error = thrownBy(() => toParameters([{ key: 'prompt', value: 'p'.repeat(6_001) }]), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/parameters/0/value', message: 'must be at most 6000 characters' }]);
  });

  it('refuse non-finite numbers, null, objects and arrays, naming every bad entry', () => {
    const error = thrownBy(
      () =>
        toParameters([
          { key: 'ok', value: 1 },
          { key: 'nan', value: NaN },
          { key: 'inf', value: Infinity },
          { key: 'nothing', value: null },
          { key: 'object', value: { a: 1 } },
          { key: 'list', value: [1] },
          { key: 'bad key!', value: 1 },
        ]),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      '/parameters/1/value',
      '/parameters/2/value',
      '/parameters/3/value',
      '/parameters/4/value',
      '/parameters/5/value',
      '/parameters/6/key',
    ]);
  });

  it('come at most 1,000 to a request', () => {
    const many = Array.from({ length: 1_000 }, (_, i) => ({ key: `p${i}`, value: i }));
    expect(toParameters(many)).toHaveLength(1_000);
    const error = thrownBy(() => toParameters([...many, { key: 'extra', value: 1 }]), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/parameters', message: 'must hold at most 1000 parameters' }]);
  });
});

describe('repeated keys in one request', () => {
  it('collapse when they agree', () => {
    expect(toParameters([{ key: 'lr', value: 0.1 }, { key: 'lr', value: 0.1 }])).toEqual([{ key: 'lr', value: 0.1, type: 'number' }]);
  });

  it('are refused when they disagree, even only in type', () => {
    const error = thrownBy(() => toParameters([{ key: 'seed', value: 1 }, { key: 'seed', value: '1' }]), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/parameters/1/value', message: "conflicts with an earlier value for 'seed' in the same request" }]);
  });
});

describe('write-once parameters', () => {
  const lr: Parameter = { key: 'lr', value: 0.01, type: 'number' };

  it('keeps only keys the run does not hold yet; the same value again is a no-op', () => {
    const fresh = newParametersOnly(held(lr), [lr, { key: 'batch', value: 32, type: 'number' }]);
    expect(fresh).toEqual([{ key: 'batch', value: 32, type: 'number' }]);
  });

  it('refuses another value, naming the key and both values', () => {
    const error = thrownBy(() => newParametersOnly(held(lr), [{ key: 'lr', value: 0.02, type: 'number' }]), ConflictError);
    expect(error.message).toBe("parameter 'lr' is already 0.01; it cannot be changed to 0.02");
    expect(error.code).toBe('CONFLICT');
  });

  it('refuses the same-looking value of another type', () => {
    const error = thrownBy(
      () => newParametersOnly(held({ key: 'seed', value: 1, type: 'number' }), [{ key: 'seed', value: '1', type: 'string' }]),
      ConflictError,
    );
    expect(error.message).toBe(`parameter 'seed' is already 1; it cannot be changed to "1"`);
  });
});

describe('repeats as text (MLflow clients see every parameter as text)', () => {
  it('leaves out a string that is the text of a held number or boolean, and nothing else', () => {
    const held = toParameters([
      { key: 'lr', value: 0.01 },
      { key: 'amp', value: true },
      { key: 'opt', value: 'adam' },
    ]);
    const incoming = toParameters([
      { key: 'lr', value: '0.01' },
      { key: 'amp', value: 'true' },
      { key: 'opt', value: 'adam' },
      { key: 'seed', value: '1' },
    ]);
    expect(withoutTextualRepeats(held, incoming).map((p) => p.key)).toEqual(['opt', 'seed']);
    // Another text is not a repeat: write-once still refuses it later.
    expect(withoutTextualRepeats(held, toParameters([{ key: 'lr', value: '0.010' }, { key: 'amp', value: 'True' }])).map((p) => p.key)).toEqual(['lr', 'amp']);
  });
});
