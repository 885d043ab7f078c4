import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Issues } from '../../../src/domain/errors.js';
import {
  applyExperimentChanges,
  checkProperties,
  MAX_PROPERTIES,
  MAX_PROPERTY_VALUE,
  mergeProperties,
  newExperiment,
  type Experiment,
} from '../../../src/domain/experiment.js';
import { thrownBy } from './thrown.js';

const NOW = Date.parse('2026-01-15T10:00:00.000Z');

function issuesOf(fn: () => unknown): string[] {
  return thrownBy(fn, InvalidArgumentError).issues.map((i) => i.path);
}

describe('a new experiment', () => {
  it('is active, trimmed, created and updated now, by "anonymous" unless someone is named', () => {
    const experiment = newExperiment('e1', { name: '  resnet sweep  ' }, NOW);
    expect(experiment).toEqual({
      id: 'e1',
      name: 'resnet sweep',
      tags: [],
      properties: {},
      createdBy: 'anonymous',
      createdAt: NOW,
      updatedAt: NOW,
      lifecycleStage: 'active',
    });
    expect(newExperiment('e2', { name: 'x', createdBy: ' ada ' }, NOW).createdBy).toBe('ada');
    expect(newExperiment('e3', { name: 'x', createdBy: '   ' }, NOW).createdBy).toBe('anonymous');
  });

  it('keeps a description only when one is given', () => {
    expect(newExperiment('e1', { name: 'x', description: 'why' }, NOW).description).toBe('why');
    expect(newExperiment('e1', { name: 'x' }, NOW)).not.toHaveProperty('description');
  });

  it('accepts names of 1 to 256 characters and refuses longer, blank or control-character names', () => {
    expect(newExperiment('e1', { name: 'n'.repeat(256) }, NOW).name).toHaveLength(256);
    for (const name of ['', '   ', 'n'.repeat(257), 'tab\there', 'new\nline']) {
      expect(issuesOf(() => newExperiment('e1', { name }, NOW))).toEqual(['/name']);
    }
  });

  it('refuses a description over 10,000 characters and a creator over 256', () => {
    expect(issuesOf(() => newExperiment('e1', { name: 'x', description: 'd'.repeat(10_001) }, NOW))).toEqual(['/description']);
    expect(issuesOf(() => newExperiment('e1', { name: 'x', createdBy: 'c'.repeat(257) }, NOW))).toEqual(['/createdBy']);
  });

  it('lists every bad field at once', () => {
    const error = thrownBy(() => newExperiment('e1', { name: '', tags: ['ok', '', 't'.repeat(65)] }, NOW), InvalidArgumentError);
    expect(error.issues).toEqual([
      { path: '/name', message: expect.stringContaining('1-256') },
      { path: '/tags/1', message: 'must be 1-64 characters' },
      { path: '/tags/2', message: 'must be 1-64 characters' },
    ]);
    expect(error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('experiment tags', () => {
  const tagsOf = (tags: string[]): string[] => newExperiment('e1', { name: 'x', tags }, NOW).tags;

  it('are trimmed, lower-cased and de-duplicated, in first-seen order', () => {
    expect(tagsOf([' Vision', 'vision', 'NLP ', 'nlp', 'CNN'])).toEqual(['vision', 'nlp', 'cnn']);
  });

  it('are 1 to 64 characters each', () => {
    expect(tagsOf(['t'.repeat(64)])).toEqual(['t'.repeat(64)]);
    expect(issuesOf(() => tagsOf(['fine', '  ']))).toEqual(['/tags/1']);
    expect(issuesOf(() => tagsOf(['t'.repeat(65)]))).toEqual(['/tags/0']);
  });

  it('may not contain commas or control characters (a comma-separated filter could not name them)', () => {
    expect(issuesOf(() => tagsOf(['a,b', 'x\u0007']))).toEqual(['/tags/0', '/tags/1']);
  });

  it('number at most 64 distinct, counted after de-duplication', () => {
    const distinct = Array.from({ length: 64 }, (_, i) => `tag-${i}`);
    expect(tagsOf(distinct)).toHaveLength(64);
    expect(tagsOf([...distinct, 'TAG-0', ' tag-1 '])).toHaveLength(64);
    const error = thrownBy(() => tagsOf([...distinct, 'one-too-many']), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/tags', message: 'must hold at most 64 distinct tags' }]);
  });
});

describe('changing an experiment', () => {
  const current: Experiment = newExperiment('e1', { name: 'base', tags: ['a'], description: 'old' }, NOW);

  it('renames, re-describes and re-tags, and bumps updatedAt but not createdAt', () => {
    const later = NOW + 60_000;
    const next = applyExperimentChanges(current, { name: ' renamed ', description: 'new', tags: ['B', 'b'] }, later);
    expect(next).toMatchObject({ name: 'renamed', description: 'new', tags: ['b'], createdAt: NOW, updatedAt: later });
  });

  it('leaves fields that are not given as they were', () => {
    const next = applyExperimentChanges(current, { description: 'only this' }, NOW + 1);
    expect(next).toMatchObject({ name: 'base', tags: ['a'], description: 'only this' });
  });

  it('never moves updatedAt backwards when the clock does', () => {
    expect(applyExperimentChanges(current, { name: 'x' }, NOW - 5_000).updatedAt).toBe(NOW);
  });

  it('refuses bad changes, naming each field, and leaves the experiment untouched', () => {
    expect(issuesOf(() => applyExperimentChanges(current, { name: '', tags: [''] }, NOW + 1))).toEqual(['/name', '/tags/0']);
    expect(current).toMatchObject({ name: 'base', tags: ['a'], updatedAt: NOW });
  });
});

describe('experiment properties (MLflow experiment tags)', () => {
  const problems = (properties: Record<string, string | null>): string[] => {
    const issues = new Issues();
    checkProperties(properties, issues);
    return issuesOf(() => issues.throwIfAny());
  };

  it('are kept on a new experiment exactly as given: keys and values untrimmed, case kept', () => {
    const experiment = newExperiment('e1', { name: 'x', properties: { 'mlflow.note.content': ' Notes ', Team: 'NLP' } }, NOW);
    expect(experiment.properties).toEqual({ 'mlflow.note.content': ' Notes ', Team: 'NLP' });
  });

  it('take keys by the run-tag key rules (1-250 of letters, digits, space and _ - . / :), naming the bad ones', () => {
    expect(() => checkProperties({ 'a-b_c.d/e:f g': 'v', ['k'.repeat(250)]: 'v' }, new Issues())).not.toThrow();
    expect(problems({ 'bad*key': 'v', '': 'v', ['k'.repeat(251)]: 'v', fine: 'v' })).toEqual(['/properties/bad*key', '/properties/', `/properties/${'k'.repeat(251)}`]);
  });

  it(`take values of up to ${MAX_PROPERTY_VALUE} characters, naming the key of a longer one`, () => {
    expect(problems({ ok: 'v'.repeat(MAX_PROPERTY_VALUE), long: 'v'.repeat(MAX_PROPERTY_VALUE + 1) })).toEqual(['/properties/long']);
    const error = thrownBy(() => newExperiment('e1', { name: 'x', properties: { long: 'v'.repeat(5_001) } }, NOW), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/properties/long', message: 'value must be at most 5000 characters' }]);
  });

  it('refuses a value that is not well-formed Unicode', () => {
    expect(problems({ text: 'lone \ud800' })).toEqual(['/properties/text']);
  });

  it(`number at most ${MAX_PROPERTIES} on a new experiment`, () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(newExperiment('e1', { name: 'x', properties: many(MAX_PROPERTIES) }, NOW).properties)).toHaveLength(MAX_PROPERTIES);
    expect(issuesOf(() => newExperiment('e1', { name: 'x', properties: many(MAX_PROPERTIES + 1) }, NOW))).toEqual(['/properties']);
  });

  it('are merged by a change: new keys added, given ones replaced, null removing one, the rest kept', () => {
    const current = newExperiment('e1', { name: 'x', properties: { keep: '1', change: 'old', drop: 'x' } }, NOW);
    const next = applyExperimentChanges(current, { properties: { change: 'new', drop: null, add: 'yes', absent: null } }, NOW + 1);
    expect(next.properties).toEqual({ keep: '1', change: 'new', add: 'yes' });
    expect(next.updatedAt).toBe(NOW + 1);
    expect(current.properties).toEqual({ keep: '1', change: 'old', drop: 'x' });
  });

  it(`refuses a change that would leave more than ${MAX_PROPERTIES}, and one with a bad key or value, changing nothing`, () => {
    const full = newExperiment('e1', { name: 'x', properties: Object.fromEntries(Array.from({ length: MAX_PROPERTIES }, (_, i) => [`k${i}`, 'v'])) }, NOW);
    expect(issuesOf(() => applyExperimentChanges(full, { properties: { one: 'too many' } }, NOW + 1))).toEqual(['/properties']);
    expect(Object.keys(applyExperimentChanges(full, { properties: { one: 'in', k0: null } }, NOW + 1).properties)).toHaveLength(MAX_PROPERTIES);
    expect(issuesOf(() => applyExperimentChanges(full, { name: '', properties: { 'no!': null, k1: 'v'.repeat(5_001) } }, NOW + 1))).toEqual([
      '/name',
      '/properties/no!',
      '/properties/k1',
    ]);
    expect(Object.keys(full.properties)).toHaveLength(MAX_PROPERTIES);
    expect(full.properties.k1).toBe('v');
  });

  it('may have a key named __proto__: an own property, never the prototype', () => {
    const created = newExperiment('e1', { name: 'x', properties: JSON.parse('{"__proto__": "p", "a": "1"}') as Record<string, string> }, NOW);
    expect(Object.keys(created.properties).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(created.properties)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(created.properties, '__proto__')?.value).toBe('p');

    const merged = mergeProperties({ a: '1' }, JSON.parse('{"__proto__": "q"}') as Record<string, string>);
    expect(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value).toBe('q');
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(merged))).toEqual(JSON.parse('{"a": "1", "__proto__": "q"}'));

    const removed = mergeProperties(merged, JSON.parse('{"__proto__": null}') as Record<string, string | null>);
    expect(Object.keys(removed)).toEqual(['a']);
    expect(Object.getPrototypeOf(removed)).toBe(Object.prototype);
  });
});
