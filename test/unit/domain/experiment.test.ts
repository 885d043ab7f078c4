import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import { applyExperimentChanges, newExperiment, type Experiment } from '../../../src/domain/experiment.js';
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
