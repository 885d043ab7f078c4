import { inject, injectable } from 'tsyringe';
import { toParameters, withoutTextualRepeats, type Parameter, type ParameterInput } from '../../../domain/parameter.js';
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
   * that refuses the whole batch. `count` is how many were accepted (new or repeated). With
   * `asText` (MLflow clients, which see every parameter as text), a string that repeats the text
   * of a number or boolean the run holds is a repeat too.
   * @throws NotFoundError, InvalidArgumentError, ConflictError
   */
  async execute(runId: RunId, inputs: readonly ParameterInput[], options: { asText?: boolean } = {}): Promise<{ count: number }> {
    const run = await this.runs.get(runId);
    assertWritable(run);
    const parameters = toParameters(inputs);
    const fresh = options.asText ? await this.notTextualRepeats(run.id, parameters) : parameters;
    if (fresh.length > 0) await this.parameters.add(run.id, fresh);
    return { count: parameters.length };
  }

  private async notTextualRepeats(runId: RunId, parameters: Parameter[]): Promise<Parameter[]> {
    if (parameters.length === 0) return parameters;
    const held = (await this.parameters.listForRuns([runId])).get(runId) ?? [];
    return withoutTextualRepeats(held, parameters);
  }
}
