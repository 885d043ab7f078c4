import { inject, injectable } from 'tsyringe';
import { Issues } from '../../../domain/errors.js';
import { applyRunChanges, assertWritable, type RunChanges, type RunId } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

/** How many ancestors of a new parent are walked to rule out a cycle; a deeper lineage is refused. */
export const MAX_LINEAGE_DEPTH = 1_000;

/**
 * Adds an issue at '/parentRunId' when `parentRunId` cannot become the parent of run `runId`: it
 * names no run, or it is one of the run's descendants (a cycle), found by walking its ancestors.
 * The run as its own parent is the domain's rule (`applyRunChanges`), not repeated here.
 */
export async function checkNewParent(runs: RunRepository, runId: RunId, parentRunId: RunId, issues: Issues): Promise<void> {
  if (parentRunId === runId) return;
  let ancestor: RunId | undefined = parentRunId;
  for (let depth = 0; ancestor !== undefined; depth++) {
    if (depth === MAX_LINEAGE_DEPTH) {
      issues.add('/parentRunId', `has a lineage more than ${MAX_LINEAGE_DEPTH} runs deep`);
      return;
    }
    const [found] = await runs.getMany([ancestor]);
    if (found === undefined) {
      // Past the first step, a missing ancestor is one deleted meanwhile: the lineage ends there.
      if (depth === 0) issues.add('/parentRunId', `names no existing run ('${parentRunId}')`);
      return;
    }
    if (found.parentRunId === runId) {
      issues.add('/parentRunId', `run '${parentRunId}' descends from run '${runId}', so it cannot be its parent`);
      return;
    }
    ancestor = found.parentRunId;
  }
}

@injectable()
export class UpdateRun {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /**
   * Finishes, renames, re-tags or re-parents a run (a null parentRunId removes its parent).
   * A new parent must exist and must not be the run or one of its descendants. That check reads
   * the lineage before the write, outside the store's transaction (the port's `change` sees the
   * run alone): two concurrent re-parentings that each close half a loop can both pass it. A
   * parent deleted in between is caught by the store (NotFoundError naming it).
   * @throws NotFoundError, InvalidArgumentError, ConflictError (reopening a finished run, or
   * changing a deleted one).
   */
  async execute(id: RunId, changes: RunChanges): Promise<RunView> {
    const now = this.clock.now();
    if (typeof changes.parentRunId === 'string') {
      const run = await this.runs.get(id);
      assertWritable(run);
      // The other fields are checked with the parent, so one error names every bad field.
      const issues = new Issues();
      issues.collect(() => applyRunChanges(run, changes, now));
      await checkNewParent(this.runs, id, changes.parentRunId, issues);
      issues.throwIfAny();
    }
    const next = await this.runs.update(id, (run) => {
      assertWritable(run);
      return applyRunChanges(run, changes, now);
    });
    return this.views.one(next);
  }
}
