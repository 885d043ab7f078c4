import { describe, expect, it } from 'vitest';
import { RUN_STATUSES } from '../../../src/domain/run.js';
import { parseFilter, type Field } from '../../../src/domain/search/filter.js';
import { booleanView, fieldType, hasText, likeMatcher, literalFor, numericView, textView } from '../../../src/domain/search/values.js';

const param: Field = { kind: 'param', key: 'lr' };
const tag: Field = { kind: 'tag', key: 'team' };
const metric: Field = { kind: 'metric', key: 'acc', aggregate: 'latest' };
const attribute = (name: Extract<Field, { kind: 'attribute' }>['name']): Field => ({ kind: 'attribute', name });

describe('what each field holds', () => {
  it('params have views, tags and text attributes hold text, metrics and duration numbers, start and end times', () => {
    expect(fieldType(param)).toBe('param');
    expect(fieldType(tag)).toBe('text');
    for (const name of ['id', 'name', 'status', 'experimentId', 'parentRunId', 'createdBy'] as const) expect(fieldType(attribute(name))).toBe('text');
    expect(fieldType(metric)).toBe('number');
    expect(fieldType({ kind: 'metric', key: 'acc', aggregate: 'count' })).toBe('number');
    expect(fieldType(attribute('duration'))).toBe('number');
    expect(fieldType(attribute('startedAt'))).toBe('time');
    expect(fieldType(attribute('completedAt'))).toBe('time');
  });

  it('lets like and ilike apply only to what has text', () => {
    expect([param, tag, attribute('name'), attribute('id')].map(hasText)).toEqual([true, true, true, true]);
    expect([metric, attribute('duration'), attribute('startedAt')].map(hasText)).toEqual([false, false, false]);
  });
});

describe('the numeric view of a parameter', () => {
  it('reads numbers, and strings written as a number (how MLflow clients log every value)', () => {
    expect(numericView(0.001)).toBe(0.001);
    expect(numericView('0.001')).toBe(0.001);
    expect(numericView('1e-05')).toBe(1e-5);
    expect(numericView('1E3')).toBe(1000);
    expect(numericView('.5')).toBe(0.5);
    expect(numericView('2.')).toBe(2);
    expect(numericView('+3')).toBe(3);
    expect(numericView('-0.5')).toBe(-0.5);
    expect(numericView('007')).toBe(7);
    expect(numericView(1e21)).toBe(1e21);
  });

  it('is missing for booleans and for text that is not strictly a finite number', () => {
    for (const value of [true, false, 'true', '', ' 5', '5 ', '0x10', '1_000', '1,5', 'Infinity', '-Infinity', 'NaN', '1e400', '٣', 'adam', '1e', '.', '-']) {
      expect(numericView(value), JSON.stringify(value)).toBeNull();
    }
  });
});

describe('the text view of a parameter', () => {
  it('keeps strings as logged and prints numbers as JavaScript does, booleans as true/false', () => {
    expect(textView('0.0010')).toBe('0.0010');
    expect(textView(0.001)).toBe('0.001');
    expect(textView(1e-7)).toBe('1e-7');
    expect(textView(1e21)).toBe('1e+21');
    expect(textView(32)).toBe('32');
    expect(textView(1.0)).toBe('1');
    expect(textView(true)).toBe('true');
    expect(textView(false)).toBe('false');
  });
});

describe('the boolean view of a parameter', () => {
  it("reads 'true' and 'false' in any ASCII case", () => {
    expect(['true', 'True', 'TRUE', 'tRuE'].map(booleanView)).toEqual([true, true, true, true]);
    expect(['false', 'False', 'FALSE'].map(booleanView)).toEqual([false, false, false]);
  });

  it('is missing for anything else, including look-alikes that only Unicode case folding would equate', () => {
    for (const text of ['yes', '1', '0', '', ' true', 'true ', 'truth', 'falſe', 'ｔｒｕｅ']) expect(booleanView(text), text).toBeNull();
  });
});

describe('like patterns', () => {
  const like = (pattern: string, text: string, caseInsensitive = false) => likeMatcher(pattern, caseInsensitive)(text);

  it('% is any run of characters, empty included; the pattern must match the whole text', () => {
    expect(like('resnet%', 'resnet50')).toBe(true);
    expect(like('resnet%', 'resnet')).toBe(true);
    expect(like('%net%', 'resnet50')).toBe(true);
    expect(like('resnet', 'resnet50')).toBe(false);
    expect(like('%50', 'resnet50-v2')).toBe(false);
    expect(like('%', '')).toBe(true);
    expect(like('a%b', 'a\nb')).toBe(true);
  });

  it('_ is exactly one character, counted in code points: an emoji is one', () => {
    expect(like('run_', 'run7')).toBe(true);
    expect(like('run_', 'run')).toBe(false);
    expect(like('run_', 'run77')).toBe(false);
    expect(like('run_', 'run🚀')).toBe(true);
    expect(like('run__', 'run🚀')).toBe(false);
    expect(like('_', '\n')).toBe(true);
    expect(like('_', '')).toBe(false);
  });

  it('\\ makes the next character literal: \\% \\_ and \\\\', () => {
    expect(like('100\\%', '100%')).toBe(true);
    expect(like('100\\%', '1000')).toBe(false);
    expect(like('a\\_b', 'a_b')).toBe(true);
    expect(like('a\\_b', 'axb')).toBe(false);
    expect(like('a\\\\b', 'a\\b')).toBe(true);
    expect(like('a\\b', 'ab')).toBe(true);
    // A trailing backslash has nothing to escape: it is itself.
    expect(like('a\\', 'a\\')).toBe(true);
  });

  it('treats every other character literally, regular-expression syntax included', () => {
    expect(like('v1.0', 'v1.0')).toBe(true);
    expect(like('v1.0', 'v1x0')).toBe(false);
    expect(like('(a|b)*', '(a|b)*')).toBe(true);
    expect(like('(a|b)*', 'a')).toBe(false);
    expect(like('[ab]+?^$/{2}', '[ab]+?^$/{2}')).toBe(true);
  });

  it('like is case-sensitive; ilike compares lower-case forms, non-ASCII letters included', () => {
    expect(like('Adam', 'adam')).toBe(false);
    expect(like('Adam', 'adam', true)).toBe(true);
    expect(like('ÄDAM%', 'ädam-v2', true)).toBe(true);
    expect(like('%ÉTÉ', 'Résumé d’été', true)).toBe(true);
    expect(like('ΑΘΉΝΑ', 'αθήνα', true)).toBe(true);
    expect(like('straße', 'STRASSE', true)).toBe(false);
    expect(like('\\A%', 'abc', true)).toBe(true);
  });

  it('ilike matches a text against itself, whatever its letters', () => {
    expect(like('ΟΔΟΣ', 'ΟΔΟΣ', true)).toBe(true);
    expect(like('_', 'İ', true)).toBe(true);
  });
});

describe('checking a literal against its field', () => {
  it('lets params compare with text, numbers and booleans alike', () => {
    for (const value of ['adam', 0.1, true]) expect(literalFor(param, value)).toEqual({ value });
  });

  it('wants quoted text for tags and text attributes, and a run status for status', () => {
    expect(literalFor(tag, 'nlp')).toEqual({ value: 'nlp' });
    expect(literalFor(tag, 3)).toEqual({ error: "tags.team holds text: quote the value ('3')" });
    expect(literalFor(attribute('name'), true)).toEqual({ error: "name holds text: quote the value ('true')" });
    for (const status of RUN_STATUSES) expect(literalFor(attribute('status'), status)).toEqual({ value: status });
    expect(literalFor(attribute('status'), 'Completed')).toEqual({ error: `status is one of ${RUN_STATUSES.map((s) => `'${s}'`).join(', ')}` });
    expect(literalFor(attribute('id'), '01a2')).toEqual({ value: '01a2' });
    expect(literalFor(attribute('id'), 12)).toEqual({ error: "id holds text: quote the value ('12')" });
  });

  it('wants numbers for metrics, their aggregates and duration', () => {
    expect(literalFor(metric, 0.9)).toEqual({ value: 0.9 });
    expect(literalFor(metric, '0.9')).toEqual({ error: 'metrics.acc holds numbers: compare it with a number' });
    expect(literalFor({ kind: 'metric', key: 'loss', aggregate: 'mean' }, true)).toEqual({ error: 'metrics.loss.mean holds numbers: compare it with a number' });
    expect(literalFor(attribute('duration'), '60')).toEqual({ error: 'duration holds numbers: compare it with a number' });
  });

  it('turns a quoted ISO date or date-time into epoch milliseconds for startedAt and completedAt', () => {
    expect(literalFor(attribute('startedAt'), '2026-01-15T10:00:00Z')).toEqual({ value: Date.UTC(2026, 0, 15, 10) });
    expect(literalFor(attribute('startedAt'), '2026-01-15T12:00:00.500+02:00')).toEqual({ value: Date.UTC(2026, 0, 15, 10, 0, 0, 500) });
    expect(literalFor(attribute('completedAt'), '2026-01-15')).toEqual({ value: Date.UTC(2026, 0, 15) });
    expect(literalFor(attribute('completedAt'), 1_768_471_200_000)).toEqual({ value: 1_768_471_200_000 });
  });

  it('refuses times that are not a date, and booleans', () => {
    const error = "startedAt compares with epoch milliseconds or an ISO-8601 date or date-time in quotes ('2026-01-31', '2026-01-31T12:00:00Z')";
    for (const value of ['yesterday', '15/01/2026', '2026-01-15garbage', '']) {
      expect(literalFor(attribute('startedAt'), value), value).toEqual({ error: `${error}: '${value}' is not a date that exists` });
    }
    expect(literalFor(attribute('startedAt'), true)).toEqual({ error: `${error}: true is not a time` });
  });

  it('refuses a date that does not exist', () => {
    expect(literalFor(attribute('startedAt'), '2026-02-30')).toHaveProperty('error');
    expect(() => parseFilter("startedAt < '2026-02-30'")).toThrow(/'2026-02-30' is not a date that exists/);
  });
});
