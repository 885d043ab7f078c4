import { inject, injectable } from 'tsyringe';
import { assertWritable, type RunId } from '../../../domain/run.js';
import { toDatasetInputs, type DatasetInputDraft } from '../../../domain/run-input.js';
import type { RunInputRepository } from '../../ports/run-input-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class LogRunInputs {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.RunInputs) private readonly inputs: RunInputRepository,
  ) {}

  /**
   * Records the datasets a run used; one it already holds (same name and digest) is kept as it was.
   * @throws NotFoundError, ConflictError (deleted run), InvalidArgumentError
   */
  async execute(runId: RunId, datasets: readonly DatasetInputDraft[]): Promise<void> {
    const inputs = toDatasetInputs(datasets);
    assertWritable(await this.runs.get(runId));
    if (inputs.length > 0) await this.inputs.add(runId, inputs);
  }
}
