import { inject, injectable } from 'tsyringe';
import { toParameters, type ParameterInput } from '../../../domain/parameter.js';
import { assertWritable, type RunId } from '../../../domain/run.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class LogParameters {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
  ) {}

  /**
   * Records parameters, write-once: the same value again is a no-op, another value is a conflict
   * that refuses the whole batch. `count` is how many were accepted (new or repeated).
   * @throws NotFoundError, InvalidArgumentError, ConflictError
   */
  async execute(runId: RunId, inputs: readonly ParameterInput[]): Promise<{ count: number }> {
    const run = await this.runs.get(runId);
    assertWritable(run);
    const parameters = toParameters(inputs);
    await this.parameters.add(run.id, parameters);
    return { count: parameters.length };
  }
}
