import { inject, injectable } from 'tsyringe';
import { applyRunChanges, assertWritable, type RunChanges, type RunId } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class UpdateRun {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /**
   * Finishes, renames or re-tags a run. @throws NotFoundError, InvalidArgumentError,
   * ConflictError (reopening a finished run, or changing a deleted one).
   */
  async execute(id: RunId, changes: RunChanges): Promise<RunView> {
    const now = this.clock.now();
    const next = await this.runs.update(id, (run) => {
      assertWritable(run);
      return applyRunChanges(run, changes, now);
    });
    return this.views.one(next);
  }
}
