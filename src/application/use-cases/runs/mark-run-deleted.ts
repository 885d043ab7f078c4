import { inject, injectable } from 'tsyringe';
import { assertMayDelete, type Principal } from '../../../domain/access.js';
import { markRunDeleted, type Run, type RunId } from '../../../domain/run.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class MarkRunDeleted {
  constructor(@inject(TOKENS.Runs) private readonly runs: RunRepository) {}

  /**
   * Moves a run to the trash (MLflow's delete): it keeps everything, stays readable, takes no
   * writes, and RestoreRun brings it back. Deleting a deleted run again is a no-op. The actor
   * (the anonymous admin when authentication is off) is recorded as `deletedBy`.
   * @throws NotFoundError; PermissionDeniedError unless the actor is an admin or a writer who created the run
   */
  async execute(id: RunId, actor: Principal): Promise<Run> {
    return this.runs.update(id, (current) => {
      assertMayDelete(actor, current, `deleting run '${id}'`);
      return markRunDeleted(current, actor.user);
    });
  }
}
