import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidArgumentError } from '../../../src/domain/errors.js';
import {
  applyRunChanges,
  assertWritable,
  changedRun,
  FINISHED_STATUSES,
  isFinished,
  isFinishedStatus,
  markRunDeleted,
  newRun,
  restoreRun,
  RUN_STATUSES,
  runDuration,
  type Run,
  type RunStatus,
} from '../../../src/domain/run.js';
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

describe('the five statuses', () => {
  it('are running and scheduled (unfinished), completed, failed and killed (finished)', () => {
    expect([...RUN_STATUSES].sort()).toEqual(['completed', 'failed', 'killed', 'running', 'scheduled']);
    expect([...FINISHED_STATUSES].sort()).toEqual(['completed', 'failed', 'killed']);
    expect(RUN_STATUSES.filter((s) => !isFinishedStatus(s)).sort()).toEqual(['running', 'scheduled']);
    expect(isFinished(running({ status: 'killed', completedAt: NOW }))).toBe(true);
    expect(isFinished(running({ status: 'scheduled' }))).toBe(false);
  });

  it('a running run may wait as scheduled and go back to running, never gaining a completedAt', () => {
    const scheduled = applyRunChanges(running(), { status: 'scheduled' }, NOW + 1_000);
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled).not.toHaveProperty('completedAt');
    const again = applyRunChanges(scheduled, { status: 'running' }, NOW + 2_000);
    expect(again.status).toBe('running');
    expect(again).not.toHaveProperty('completedAt');
  });

  it.each(['completed', 'failed', 'killed'] as const)('a scheduled run may finish as %s, ending now', (to) => {
    const scheduled = running({ status: 'scheduled' });
    const done = applyRunChanges(scheduled, { status: to }, NOW + 3_000);
    expect(done).toMatchObject({ status: to, completedAt: NOW + 3_000 });
    expect(runDuration(done)).toBe(3);
  });

  it('killing a running run finishes it, at the completedAt given', () => {
    expect(applyRunChanges(running(), { status: 'killed', completedAt: NOW + 42 }, NOW + 99)).toMatchObject({ status: 'killed', completedAt: NOW + 42 });
  });
});

describe('status moves only forward without reopen', () => {
  const finishedAs = (status: RunStatus): Run => applyRunChanges(running(), { status }, NOW + 1_000);
  const pairs = FINISHED_STATUSES.flatMap((from) => RUN_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(pairs)('a %s run is never moved to %s: ConflictError, with reopen absent or false', (from, to) => {
    const finished = finishedAs(from);
    for (const changes of [{ status: to }, { status: to, reopen: false }]) {
      const error = thrownBy(() => applyRunChanges(finished, changes, NOW + 2_000), ConflictError);
      expect(error.message).toContain(`is ${from}`);
    }
  });

  it('keeps a finished run exactly as it was when a change is refused', () => {
    const finished = finishedAs('killed');
    const copy = structuredClone(finished);
    expect(() => applyRunChanges(finished, { status: 'running', tags: { note: 'x' } }, NOW + 2_000)).toThrow(ConflictError);
    expect(finished).toEqual(copy);
  });

  it('still renames and re-tags a finished run, its end untouched', () => {
    const finished = finishedAs('failed');
    const next = applyRunChanges(finished, { name: 'post-mortem', tags: { cause: 'oom' } }, NOW + 50_000);
    expect(next).toMatchObject({ status: 'failed', name: 'post-mortem', tags: { cause: 'oom' }, completedAt: NOW + 1_000 });
  });
});

describe('reopening a finished run (reopen: true)', () => {
  const finished = (status: RunStatus = 'completed'): Run => applyRunChanges(running(), { status }, NOW + 1_000);

  it.each(['completed', 'failed', 'killed'] as const)('takes a %s run back to running and clears completedAt (no duration)', (from) => {
    const resumed = applyRunChanges(finished(from), { status: 'running', reopen: true }, NOW + 5_000);
    expect(resumed.status).toBe('running');
    expect(resumed).not.toHaveProperty('completedAt');
    expect(runDuration(resumed)).toBeUndefined();
  });

  it('takes a finished run back to scheduled, clearing completedAt too', () => {
    const scheduled = applyRunChanges(finished('killed'), { status: 'scheduled', reopen: true }, NOW + 5_000);
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled).not.toHaveProperty('completedAt');
  });

  it('refuses a completedAt with an unfinished status, even when reopening', () => {
    const error = thrownBy(() => applyRunChanges(finished(), { status: 'running', reopen: true, completedAt: NOW + 2_000 }, NOW + 5_000), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/completedAt', message: 'can only be given together with a finishing status' }]);
  });

  it('moves a finished run to another finished status, ending now (never before its start)', () => {
    const killed = applyRunChanges(finished('failed'), { status: 'killed', reopen: true }, NOW + 7_000);
    expect(killed).toMatchObject({ status: 'killed', completedAt: NOW + 7_000 });
    const future = running({ startedAt: NOW + 60_000, status: 'failed', completedAt: NOW + 60_000 });
    expect(applyRunChanges(future, { status: 'completed', reopen: true }, NOW).completedAt).toBe(NOW + 60_000);
  });

  it('moves a finished run to another finished status at the completedAt given, but not one before the start', () => {
    expect(applyRunChanges(finished('failed'), { status: 'completed', reopen: true, completedAt: NOW + 3_000 }, NOW + 9_000).completedAt).toBe(NOW + 3_000);
    const error = thrownBy(() => applyRunChanges(finished('failed'), { status: 'completed', reopen: true, completedAt: NOW - 1 }, NOW + 9_000), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/completedAt', message: 'must not be before the run started' }]);
  });

  it('changes the end of a finished run that keeps its status, but only with reopen', () => {
    const done = finished('completed');
    expect(() => applyRunChanges(done, { completedAt: NOW + 4_000 }, NOW + 9_000)).toThrow(ConflictError);
    expect(applyRunChanges(done, { completedAt: NOW + 4_000, reopen: true }, NOW + 9_000)).toMatchObject({ status: 'completed', completedAt: NOW + 4_000 });
    expect(applyRunChanges(done, { status: 'completed', completedAt: NOW + 4_000, reopen: true }, NOW + 9_000).completedAt).toBe(NOW + 4_000);
  });

  it('without a new status or completedAt, leaves the status and the end as they were', () => {
    const done = finished('killed');
    expect(applyRunChanges(done, { reopen: true, tags: { a: 'b' } }, NOW + 9_000)).toMatchObject({ status: 'killed', completedAt: NOW + 1_000, tags: { a: 'b' } });
    expect(applyRunChanges(done, { status: 'killed', reopen: true }, NOW + 9_000).completedAt).toBe(NOW + 1_000);
  });

  it('is harmless on an unfinished run: it finishes as usual', () => {
    expect(applyRunChanges(running(), { status: 'completed', reopen: true }, NOW + 2_000)).toMatchObject({ status: 'completed', completedAt: NOW + 2_000 });
    expect(applyRunChanges(running(), { status: 'scheduled', reopen: true }, NOW + 2_000)).not.toHaveProperty('completedAt');
  });

  it('leaves the run it was given untouched', () => {
    const done = finished('completed');
    applyRunChanges(done, { status: 'running', reopen: true }, NOW + 5_000);
    expect(done).toMatchObject({ status: 'completed', completedAt: NOW + 1_000 });
  });
});

describe("a run's parent", () => {
  it('is set, replaced and removed (null) by a change, the rest of the run kept', () => {
    const orphan = running({ tags: { a: 'b' } });
    const child = applyRunChanges(orphan, { parentRunId: 'r0' }, NOW + 1);
    expect(child).toEqual({ ...orphan, parentRunId: 'r0' });
    expect(applyRunChanges(child, { parentRunId: 'r9' }, NOW + 2)).toEqual({ ...orphan, parentRunId: 'r9' });
    const detached = applyRunChanges(child, { parentRunId: null }, NOW + 3);
    expect(detached).toEqual(orphan);
    expect(detached).not.toHaveProperty('parentRunId');
    expect(applyRunChanges(child, { name: 'renamed' }, NOW + 4).parentRunId).toBe('r0');
    expect(child.parentRunId).toBe('r0');
  });

  it('is never the run itself: refused at /parentRunId together with other bad fields', () => {
    const error = thrownBy(() => applyRunChanges(running(), { parentRunId: 'r1', name: 'bad\u0000' }, NOW), InvalidArgumentError);
    expect(error.issues).toEqual([
      { path: '/name', message: expect.any(String) },
      { path: '/parentRunId', message: 'a run cannot be its own parent' },
    ]);
  });

  it('may change on a finished run, whose end stays as it was', () => {
    const done = applyRunChanges(running(), { status: 'completed' }, NOW + 1_000);
    expect(applyRunChanges(done, { parentRunId: 'r0' }, NOW + 9_000)).toMatchObject({ status: 'completed', completedAt: NOW + 1_000, parentRunId: 'r0' });
  });
});

describe('the run a store keeps after a change', () => {
  it('takes the changeable fields from the change, clearing those it leaves out', () => {
    const current = running({ tags: { a: 'b' }, parentRunId: 'r0', completedAt: NOW + 5, status: 'completed' });
    const { name: _name, parentRunId: _parent, completedAt: _completed, ...bare } = current;
    expect(changedRun(current, { ...bare, status: 'failed', tags: { c: 'd' }, lifecycleStage: 'deleted' })).toStrictEqual({
      ...bare,
      status: 'failed',
      tags: { c: 'd' },
      lifecycleStage: 'deleted',
    });
    expect(changedRun(running(), current)).toStrictEqual(current);
  });

  it('keeps the id, experiment, creator and start time, whatever the change says', () => {
    const current = running();
    const next = changedRun(current, { ...current, id: 'other', experimentId: 'e9', createdBy: 'mallory', startedAt: NOW - 1 });
    expect(next).toEqual(current);
  });

  it('copies the tags, so a change holding on to its object cannot alter the kept run', () => {
    const changed = running({ tags: { a: 'b' } });
    const next = changedRun(running(), changed);
    changed.tags.a = 'z';
    expect(next.tags).toEqual({ a: 'b' });
  });
});

describe('the trash: markRunDeleted and restoreRun', () => {
  it('moving a run to the trash keeps everything but its lifecycle stage, and does not touch the original', () => {
    const run = running({ tags: { a: 'b' }, status: 'completed', completedAt: NOW + 5 });
    const trashed = markRunDeleted(run, 'ada');
    expect(trashed).toEqual({ ...run, lifecycleStage: 'deleted', deletedBy: 'ada' });
    expect(run.lifecycleStage).toBe('active');
    expect(markRunDeleted(trashed, 'bob')).toEqual(trashed);
  });

  it('a trashed run takes no writes; restored, it does again', () => {
    const trashed = markRunDeleted(running(), 'ada');
    expect(() => assertWritable(trashed)).toThrow(ConflictError);
    const restored = restoreRun(trashed, 'active');
    expect(restored).toEqual(running());
    expect(() => assertWritable(restored)).not.toThrow();
    expect(trashed.lifecycleStage).toBe('deleted');
  });

  it('is not restored while its experiment is deleted: ConflictError pointing at the experiment', () => {
    const trashed = markRunDeleted(running(), 'ada');
    const error = thrownBy(() => restoreRun(trashed, 'deleted'), ConflictError);
    expect(error.message).toContain("run 'r1' belongs to a deleted experiment");
    expect(error.message).toContain('restore the experiment');
  });

  it('restoring an active run changes nothing', () => {
    expect(restoreRun(running(), 'active')).toEqual(running());
  });
});
