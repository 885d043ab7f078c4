import { inject, injectable } from 'tsyringe';
import { restoreRun, type Run, type RunId } from '../../../domain/run.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class RestoreRun {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
  ) {}

  /**
   * Brings a run back from the trash. Restoring an active run is a no-op.
   * @throws NotFoundError; ConflictError while its experiment is deleted (restore that instead).
   */
  async execute(id: RunId): Promise<Run> {
    const run = await this.runs.get(id);
    const experiment = await this.experiments.get(run.experimentId);
    return this.runs.update(id, (current) => restoreRun(current, experiment.lifecycleStage));
  }
}
