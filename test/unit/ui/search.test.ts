import { describe, expect, it } from 'vitest';
import { addCondition, condition, errorPosition, fieldExpression, parseSortTerm, quoteKey, sortTerm, type Sort } from '../../../src/adapters/http/ui/web/lib/search.js';

describe('the search language as the UI writes it', () => {
  it.each([
    ['lr', 'lr'],
    ['train/loss', 'train/loss'],
    ['2nd_layer-x:y', '2nd_layer-x:y'],
    ['val.loss', '`val.loss`'],
    ['model name', '`model name`'],
    ['odd`key', '`odd``key`'],
  ])('quoteKey(%s) is %s', (key, quoted) => {
    expect(quoteKey(key)).toBe(quoted);
  });

  it('quotes only the key of a params/metrics field', () => {
    expect(fieldExpression('params.model name')).toBe('params.`model name`');
    expect(fieldExpression('metrics.val.loss')).toBe('metrics.`val.loss`');
    expect(fieldExpression('startedAt')).toBe('startedAt');
  });

  it.each([
    ['optimizer', 'adam', "params.optimizer = 'adam'"],
    ['optimizer', "it's", "params.optimizer = 'it''s'"],
    ['lr', 0.01, 'params.lr = 0.01'],
    ['augment', true, 'params.augment = true'],
    ['model name', '1', "params.`model name` = '1'"],
  ] as const)('condition(%s, %o) is %s', (key, value, text) => {
    expect(condition(key, value)).toBe(text);
  });

  it('brackets a filter with an or before adding a condition', () => {
    expect(addCondition('', 'params.lr = 0.1')).toBe('params.lr = 0.1');
    expect(addCondition('  ', 'params.lr = 0.1')).toBe('params.lr = 0.1');
    expect(addCondition("params.optimizer = 'sgd'", 'params.lr = 0.1')).toBe("params.optimizer = 'sgd' and params.lr = 0.1");
    expect(addCondition('a = 1 or b = 2', 'c = 3')).toBe('(a = 1 or b = 2) and c = 3');
    expect(addCondition('a = 1 OR b = 2 ', 'c = 3')).toBe('(a = 1 OR b = 2) and c = 3');
    // `or` inside a word is not the operator.
    expect(addCondition("params.optimizer = 'sgd'", 'params.order = 1')).toBe("params.optimizer = 'sgd' and params.order = 1");
  });

  it('finds the character a filter error names', () => {
    expect(errorPosition("at character 11 ('0.01'): expected a comparison")).toBe(11);
    expect(errorPosition('unknown field')).toBeUndefined();
  });
});

describe('sort terms', () => {
  const ATTRIBUTES = ['status', 'name', 'startedAt', 'duration'];
  const DEFAULT: Sort = { field: 'startedAt', direction: 'desc' };
  const parse = (term: string | null) => parseSortTerm(term, ATTRIBUTES, DEFAULT);

  it.each([
    [null, DEFAULT],
    ['  ', DEFAULT],
    ['metrics.acc desc', { field: 'metrics.acc', direction: 'desc' }],
    ['params.lr', { field: 'params.lr', direction: 'asc' }],
    ['PARAMS.lr ASC', { field: 'params.lr', direction: 'asc' }],
    ['params.`model name` desc', { field: 'params.model name', direction: 'desc' }],
    ['params.`odd``key`', { field: 'params.odd`key', direction: 'asc' }],
    ['attributes.startedat desc', { field: 'startedAt', direction: 'desc' }],
    ['Duration', { field: 'duration', direction: 'asc' }],
    ['whatever desc', { field: 'whatever', direction: 'desc' }],
  ] as const)('parseSortTerm(%o)', (term, sort) => {
    expect(parse(term)).toEqual(sort);
  });

  it('writes what it reads back', () => {
    for (const sort of [
      { field: 'params.model name', direction: 'desc' },
      { field: 'metrics.train/loss', direction: 'asc' },
      { field: 'duration', direction: 'desc' },
    ] as const) {
      expect(parse(sortTerm(sort))).toEqual(sort);
    }
  });
});
