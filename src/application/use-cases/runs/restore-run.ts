import { inject, injectable } from 'tsyringe';
import { assertMayDelete, type Principal } from '../../../domain/access.js';
import { restoreRun, type Run, type RunId } from '../../../domain/run.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class RestoreRun {
  constructor(@inject(TOKENS.Runs) private readonly runs: RunRepository) {}

  /**
   * Brings a run back from the trash. Restoring an active run is a no-op.
   * @throws NotFoundError; ConflictError while its experiment is deleted (restore that instead);
   *   PermissionDeniedError unless the actor is an admin or a writer who created the run.
   */
  async execute(id: RunId, actor: Principal): Promise<Run> {
    // The experiment's stage is read inside the run's update, so an experiment deleted at the same
    // moment cannot end up holding an active run.
    return this.runs.update(id, (current, experiment) => {
      assertMayDelete(actor, current, `restoring run '${id}'`);
      return restoreRun(current, experiment.lifecycleStage);
    });
  }
}
