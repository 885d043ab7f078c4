import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import { applyExperimentChanges, newExperiment } from '../../../src/domain/experiment.js';
import { toParameters } from '../../../src/domain/parameter.js';
import { applyRunChanges, newRun } from '../../../src/domain/run.js';

const LONE_HIGH = 'lone \ud800 surrogate';
const LONE_LOW = 'lone \udc00 surrogate';
const PAIRED = 'an emoji \ud83d\ude42 is fine';
const NOW = Date.UTC(2026, 0, 15);

function issuesOf(action: () => unknown): { path: string; message: string }[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).issues;
  }
  throw new Error('expected an InvalidArgumentError');
}

const unpaired = expect.stringContaining('unpaired surrogate');

describe('text must be well-formed Unicode (a lone surrogate cannot be stored as it is)', () => {
  it('in experiment names, descriptions, tags and creators', () => {
    expect(issuesOf(() => newExperiment('e', { name: LONE_HIGH, description: LONE_LOW, tags: [LONE_HIGH], createdBy: LONE_LOW }, NOW))).toEqual([
      { path: '/name', message: unpaired },
      { path: '/description', message: unpaired },
      { path: '/tags/0', message: unpaired },
      { path: '/createdBy', message: unpaired },
    ]);
    const experiment = newExperiment('e', { name: PAIRED, description: PAIRED, tags: [PAIRED] }, NOW);
    expect(experiment).toMatchObject({ name: PAIRED, description: PAIRED, tags: [PAIRED] });
    expect(issuesOf(() => applyExperimentChanges(experiment, { name: LONE_LOW }, NOW))).toEqual([{ path: '/name', message: unpaired }]);
  });

  it('in run names, run tag values and creators', () => {
    expect(issuesOf(() => newRun('r', 'e', { name: LONE_HIGH, tags: { note: LONE_LOW }, createdBy: LONE_HIGH }, NOW))).toEqual([
      { path: '/name', message: unpaired },
      { path: '/tags/note', message: unpaired },
      { path: '/createdBy', message: unpaired },
    ]);
    const run = newRun('r', 'e', { name: PAIRED, tags: { note: PAIRED } }, NOW);
    expect(run).toMatchObject({ name: PAIRED, tags: { note: PAIRED } });
    expect(issuesOf(() => applyRunChanges(run, { tags: { note: LONE_HIGH } }, NOW))).toEqual([{ path: '/tags/note', message: unpaired }]);
  });

  it('in string parameter values', () => {
    expect(issuesOf(() => toParameters([{ key: 'optimizer', value: LONE_HIGH }]))).toEqual([{ path: '/parameters/0/value', message: unpaired }]);
    expect(toParameters([{ key: 'optimizer', value: PAIRED }])).toEqual([{ key: 'optimizer', value: PAIRED, type: 'string' }]);
  });
});

describe('text must not hold NUL (U+0000): PostgreSQL cannot store it, so no store is given it', () => {
  const nul = expect.stringContaining('NUL');

  it('in descriptions, run tag values, parameter values and experiment properties', () => {
    expect(issuesOf(() => newExperiment('e', { name: 'ok', description: 'a\u0000b', properties: { note: 'x\u0000' } }, NOW))).toEqual([
      { path: '/description', message: nul },
      { path: '/properties/note', message: nul },
    ]);
    expect(issuesOf(() => newRun('r', 'e', { tags: { note: '\u0000' } }, NOW))).toEqual([{ path: '/tags/note', message: nul }]);
    expect(issuesOf(() => toParameters([{ key: 'p', value: 'nul\u0000byte' }]))).toEqual([{ path: '/parameters/0/value', message: nul }]);
  });

  it('while other control characters in free text stay allowed (tabs and newlines in notes, say)', () => {
    expect(newRun('r', 'e', { tags: { note: 'line 1\nline 2\tend' } }, NOW).tags.note).toBe('line 1\nline 2\tend');
    expect(toParameters([{ key: 'p', value: 'a\u0001b' }])[0]?.value).toBe('a\u0001b');
  });
});
