import { inject, injectable } from 'tsyringe';
import { markRunDeleted, type Run, type RunId } from '../../../domain/run.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class MarkRunDeleted {
  constructor(@inject(TOKENS.Runs) private readonly runs: RunRepository) {}

  /**
   * Moves a run to the trash (MLflow's delete): it keeps everything, stays readable, takes no
   * writes, and RestoreRun brings it back. Deleting a deleted run again is a no-op.
   * @throws NotFoundError
   */
  async execute(id: RunId): Promise<Run> {
    return this.runs.update(id, markRunDeleted);
  }
}
