import { ConflictError, InvalidArgumentError, Issues } from './errors.js';
import type { Experiment, ExperimentId, LifecycleStage } from './experiment.js';
import { checkKey, checkText } from './keys.js';
import type { Millis } from './time.js';

export type RunId = string;
/**
 * Where a run is. `running` and `scheduled` are unfinished; `completed`, `failed` and `killed`
 * are finished (killed: stopped from outside, as MLflow clients report a run ended by a signal).
 */
export type RunStatus = 'running' | 'scheduled' | 'completed' | 'failed' | 'killed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'scheduled', 'completed', 'failed', 'killed'];
export const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'killed'];

/** A run as stored. Its parameters, metrics and artifacts live behind their own ports. */
export interface Run {
  id: RunId;
  experimentId: ExperimentId;
  name?: string;
  status: RunStatus;
  tags: Record<string, string>;
  parentRunId?: RunId;
  createdBy: string;
  startedAt: Millis;
  completedAt?: Millis;
  lifecycleStage: LifecycleStage;
  /** Who moved it to the trash; only while it is deleted (cleared on restore). */
  deletedBy?: string;
}

export const MAX_RUN_NAME = 256;
export const MAX_TAG_VALUE = 8_000;
export const MAX_RUN_TAGS = 1_000;

export function checkRunName(name: string, issues: Issues, path = '/name'): void {
  if (name.length > MAX_RUN_NAME) issues.add(path, `must be at most ${MAX_RUN_NAME} characters`);
  if (/\p{Cc}/u.test(name)) issues.add(path, 'must not contain control characters');
  else checkText(name, path, issues);
}

export function checkRunTags(tags: Record<string, string | null>, issues: Issues, path = '/tags'): void {
  const keys = Object.keys(tags);
  if (keys.length > MAX_RUN_TAGS) issues.add(path, `must hold at most ${MAX_RUN_TAGS} tags`);
  for (const key of keys) {
    checkKey(key, `${path}/${key}`, issues);
    const value = tags[key];
    if (typeof value === 'string' && value.length > MAX_TAG_VALUE) {
      issues.add(`${path}/${key}`, `value must be at most ${MAX_TAG_VALUE} characters`);
    } else if (typeof value === 'string') {
      checkText(value, `${path}/${key}`, issues);
    }
  }
}

export interface NewRunInput {
  name?: string;
  parentRunId?: RunId;
  tags?: Record<string, string>;
  startedAt?: Millis;
  createdBy?: string;
}

export function newRun(id: RunId, experimentId: ExperimentId, input: NewRunInput, now: Millis): Run {
  const issues = new Issues();
  if (input.name !== undefined) checkRunName(input.name, issues);
  checkRunTags(input.tags ?? {}, issues);
  if (input.startedAt !== undefined && !Number.isFinite(input.startedAt)) issues.add('/startedAt', 'must be an ISO-8601 date-time');
  if (input.createdBy !== undefined) checkText(input.createdBy, '/createdBy', issues);
  issues.throwIfAny();
  const run: Run = {
    id,
    experimentId,
    status: 'running',
    tags: { ...(input.tags ?? {}) },
    createdBy: (input.createdBy ?? '').trim() || 'anonymous',
    startedAt: input.startedAt ?? now,
    lifecycleStage: 'active',
  };
  if (input.name !== undefined && input.name !== '') run.name = input.name;
  if (input.parentRunId !== undefined) run.parentRunId = input.parentRunId;
  return run;
}

export interface RunChanges {
  status?: RunStatus;
  name?: string;
  /** Merged into the run's tags; a null value removes that tag. */
  tags?: Record<string, string | null>;
  completedAt?: Millis;
  /**
   * A new parent (lineage), or null to remove it. A run is never its own parent; that the parent
   * exists and is not one of the run's descendants needs the other runs, so the use case checks it.
   */
  parentRunId?: RunId | null;
  /**
   * Lets a finished run change status again: back to running (how MLflow clients resume a run),
   * or to another finished status. Without it a finished run is never reopened or finished again.
   */
  reopen?: boolean;
}

export function isFinishedStatus(status: RunStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

export function isFinished(run: Run): boolean {
  return isFinishedStatus(run.status);
}

/**
 * Applies a change to a run. Status only moves forward: an unfinished run (running, scheduled)
 * may finish (completed, failed, killed), and a finished one is never reopened, unless the change
 * says `reopen`. Finishing sets completedAt (now, unless given); reopening clears it.
 */
export function applyRunChanges(run: Run, changes: RunChanges, now: Millis): Run {
  const issues = new Issues();
  if (changes.name !== undefined) checkRunName(changes.name, issues);
  if (changes.tags !== undefined) checkRunTags(changes.tags, issues);
  if (changes.parentRunId === run.id) issues.add('/parentRunId', 'a run cannot be its own parent');
  if (changes.completedAt !== undefined && !Number.isFinite(changes.completedAt)) {
    issues.add('/completedAt', 'must be an ISO-8601 date-time');
    issues.throwIfAny();
  }
  const reopen = changes.reopen === true;
  if (isFinished(run) && !reopen && changes.completedAt !== undefined && changes.completedAt !== run.completedAt) {
    throw new ConflictError(`run '${run.id}' is ${run.status}; its completedAt does not change`);
  }
  const next: Run = { ...run, tags: { ...run.tags } };
  const status = changes.status ?? run.status;
  if (status !== run.status && isFinished(run) && !reopen) {
    throw new ConflictError(`run '${run.id}' is ${run.status}; a finished run is never reopened or finished again`);
  }
  next.status = status;
  if (!isFinishedStatus(status)) {
    if (changes.completedAt !== undefined) issues.add('/completedAt', 'can only be given together with a finishing status');
    delete next.completedAt;
  } else if (status !== run.status || (reopen && changes.completedAt !== undefined)) {
    const completedAt = changes.completedAt ?? Math.max(now, run.startedAt);
    if (completedAt < run.startedAt) issues.add('/completedAt', 'must not be before the run started');
    next.completedAt = completedAt;
  }
  issues.throwIfAny();
  if (changes.name !== undefined) {
    if (changes.name === '') delete next.name;
    else next.name = changes.name;
  }
  if (changes.parentRunId === null) delete next.parentRunId;
  else if (changes.parentRunId !== undefined) next.parentRunId = changes.parentRunId;
  for (const [key, value] of Object.entries(changes.tags ?? {})) {
    if (value === null) delete next.tags[key];
    // Defined, not assigned: a tag may be named __proto__, and assigning would set the prototype.
    else Object.defineProperty(next.tags, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(next.tags).length > MAX_RUN_TAGS) {
    throw InvalidArgumentError.field('/tags', `a run holds at most ${MAX_RUN_TAGS} tags`);
  }
  return next;
}

/** Duration in seconds (fractional) of a finished run. */
export function runDuration(run: Run): number | undefined {
  return run.completedAt === undefined ? undefined : (run.completedAt - run.startedAt) / 1000;
}

/**
 * The run a change of `current` leaves: the change (`changed`, what RunRepository.update's
 * callback returned) sets the name, status, tags, completion time, lifecycle stage, parent and deleter,
 * a field it leaves out being cleared; the id, experiment, creator and start time are fixed at
 * creation and stay. A new parent is for the store to check.
 */
export function changedRun(current: Run, changed: Run): Run {
  const next: Run = { ...current, status: changed.status, lifecycleStage: changed.lifecycleStage, tags: { ...changed.tags } };
  if (changed.name === undefined) delete next.name;
  else next.name = changed.name;
  if (changed.completedAt === undefined) delete next.completedAt;
  else next.completedAt = changed.completedAt;
  if (changed.parentRunId === undefined) delete next.parentRunId;
  else next.parentRunId = changed.parentRunId;
  if (changed.deletedBy === undefined) delete next.deletedBy;
  else next.deletedBy = changed.deletedBy;
  return next;
}

/** Moves a run to the trash: it stays readable, takes no writes, and can be restored. Deleting again keeps who did it first. */
export function markRunDeleted(run: Run, by: string): Run {
  if (run.lifecycleStage === 'deleted') return run;
  return { ...run, lifecycleStage: 'deleted', deletedBy: by };
}

/**
 * Who the runs an experiment moves take as `deletedBy`: those it takes to the trash show its
 * deleter (runs already there keep their own, they do not move); those it brings back, nobody.
 * Stores apply it to exactly the runs whose stage changes.
 */
export function deletedByOfMovedRuns(experiment: Experiment): string | undefined {
  return experiment.lifecycleStage === 'deleted' ? experiment.deletedBy : undefined;
}

/** New runs start in active experiments only: a deleted one takes none until it is restored. */
export function assertExperimentTakesRuns(experimentId: ExperimentId, experimentStage: LifecycleStage): void {
  if (experimentStage === 'deleted') {
    throw new ConflictError(`experiment '${experimentId}' is deleted; restore it before starting runs in it`);
  }
}

/** Brings a run back from the trash; not while its experiment is deleted (restore that instead). */
export function restoreRun(run: Run, experimentStage: LifecycleStage): Run {
  if (experimentStage === 'deleted') {
    throw new ConflictError(`run '${run.id}' belongs to a deleted experiment; restore the experiment instead`);
  }
  const restored: Run = { ...run, lifecycleStage: 'active' };
  delete restored.deletedBy;
  return restored;
}

/** Logging into a deleted run (or one of a deleted experiment) is refused: restore it first. */
export function assertWritable(run: Run): void {
  if (run.lifecycleStage === 'deleted') {
    throw new ConflictError(`run '${run.id}' is deleted; restore it (or its experiment) before logging to it`);
  }
}
