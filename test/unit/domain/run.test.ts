import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidArgumentError } from '../../../src/domain/errors.js';
import { applyRunChanges, assertWritable, newRun, runDuration, type Run } from '../../../src/domain/run.js';
import { thrownBy } from './thrown.js';

const NOW = Date.parse('2026-01-15T10:00:00.000Z');

const running = (overrides: Partial<Run> = {}): Run => ({ ...newRun('r1', 'e1', { name: 'trial' }, NOW), ...overrides });

describe('a new run', () => {
  it('is running, active and started now unless a start is given', () => {
    expect(newRun('r1', 'e1', {}, NOW)).toEqual({
      id: 'r1',
      experimentId: 'e1',
      status: 'running',
      tags: {},
      createdBy: 'anonymous',
      startedAt: NOW,
      lifecycleStage: 'active',
    });
    expect(newRun('r1', 'e1', { startedAt: NOW - 1000 }, NOW).startedAt).toBe(NOW - 1000);
  });

  it('keeps its name, tags and parent, and treats an empty name as none', () => {
    const run = newRun('r1', 'e1', { name: 'trial', tags: { gpu: 'a100' }, parentRunId: 'r0' }, NOW);
    expect(run).toMatchObject({ name: 'trial', tags: { gpu: 'a100' }, parentRunId: 'r0' });
    expect(newRun('r1', 'e1', { name: '' }, NOW)).not.toHaveProperty('name');
  });

  it('refuses a long or control-character name and bad tag keys or values, naming each', () => {
    const error = thrownBy(
      () => newRun('r1', 'e1', { name: 'bad\u0000name', tags: { 'not*a*key': 'v', fine: 'v'.repeat(8_001) } }, NOW),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual(['/name', '/tags/not*a*key', '/tags/fine']);
    expect(thrownBy(() => newRun('r1', 'e1', { name: 'n'.repeat(257) }, NOW), InvalidArgumentError).issues[0]?.path).toBe('/name');
  });
});

describe('run status', () => {
  it('goes from running to completed, setting completedAt and a fractional duration in seconds', () => {
    const done = applyRunChanges(running(), { status: 'completed' }, NOW + 1_500);
    expect(done).toMatchObject({ status: 'completed', completedAt: NOW + 1_500 });
    expect(runDuration(done)).toBe(1.5);
  });

  it('goes from running to failed the same way', () => {
    const failed = applyRunChanges(running(), { status: 'failed' }, NOW + 250);
    expect(failed.status).toBe('failed');
    expect(runDuration(failed)).toBe(0.25);
  });

  it('uses a given completedAt, but not one before the run started', () => {
    expect(applyRunChanges(running(), { status: 'completed', completedAt: NOW + 10_000 }, NOW + 99_000).completedAt).toBe(NOW + 10_000);
    const error = thrownBy(() => applyRunChanges(running(), { status: 'completed', completedAt: NOW - 1 }, NOW + 1), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/completedAt', message: 'must not be before the run started' }]);
  });

  it('refuses a completedAt without a finishing status', () => {
    const error = thrownBy(() => applyRunChanges(running(), { completedAt: NOW + 1 }, NOW + 1), InvalidArgumentError);
    expect(error.issues[0]?.path).toBe('/completedAt');
  });

  it('never gives a negative duration when the run was started in the future', () => {
    const done = applyRunChanges(running({ startedAt: NOW + 5_000 }), { status: 'completed' }, NOW);
    expect(done.completedAt).toBe(NOW + 5_000);
    expect(runDuration(done)).toBe(0);
  });

  it.each([
    ['completed', 'running'],
    ['completed', 'failed'],
    ['failed', 'running'],
    ['failed', 'completed'],
  ] as const)('never reopens or re-finishes a %s run as %s', (from, to) => {
    const finished = applyRunChanges(running(), { status: from }, NOW + 1_000);
    const error = thrownBy(() => applyRunChanges(finished, { status: to }, NOW + 2_000), ConflictError);
    expect(error.message).toContain(`is ${from}`);
    expect(error.code).toBe('CONFLICT');
  });

  it('treats finishing an already finished run with the same status as no change', () => {
    const finished = applyRunChanges(running(), { status: 'completed' }, NOW + 1_000);
    expect(applyRunChanges(finished, { status: 'completed' }, NOW + 9_000).completedAt).toBe(NOW + 1_000);
  });

  it('has no duration while running', () => {
    expect(runDuration(running())).toBeUndefined();
  });
});

describe('renaming and re-tagging a run', () => {
  it('merges tags, removing those set to null, and clears the name with an empty one', () => {
    const run = running({ tags: { gpu: 'a100', seed: '1' } });
    const next = applyRunChanges(run, { name: '', tags: { seed: null, note: 'baseline' } }, NOW);
    expect(next.tags).toEqual({ gpu: 'a100', note: 'baseline' });
    expect(next).not.toHaveProperty('name');
    expect(run.tags).toEqual({ gpu: 'a100', seed: '1' });
    expect(run.name).toBe('trial');
  });

  it('refuses bad names and tags', () => {
    const error = thrownBy(() => applyRunChanges(running(), { name: 'x\u0001', tags: { 'bad key!': 'v' } }, NOW), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/name', '/tags/bad key!']);
  });
});

describe('writing to a run', () => {
  it('is allowed while active and a conflict once deleted', () => {
    expect(() => assertWritable(running())).not.toThrow();
    const error = thrownBy(() => assertWritable(running({ lifecycleStage: 'deleted' })), ConflictError);
    expect(error.message).toContain("run 'r1' is deleted");
  });
});

describe('the completion time of a finished run', () => {
  const finished: Run = {
    id: 'r1',
    experimentId: 'e1',
    status: 'completed',
    tags: {},
    createdBy: 'anonymous',
    startedAt: 1_000,
    completedAt: 5_000,
    lifecycleStage: 'active',
  };

  it('does not change once the run has finished', () => {
    expect(() => applyRunChanges(finished, { completedAt: 9_000 }, 10_000)).toThrow(ConflictError);
  });

  it('may be repeated as it is', () => {
    expect(applyRunChanges(finished, { completedAt: 5_000 }, 10_000).completedAt).toBe(5_000);
  });
});
