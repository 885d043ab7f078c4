import { inject, injectable } from 'tsyringe';
import type { Parameter } from '../../../domain/parameter.js';
import type { RunId } from '../../../domain/run.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ListParameters {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
  ) {}

  /** @throws NotFoundError */
  async execute(runId: RunId): Promise<Parameter[]> {
    await this.runs.get(runId);
    return (await this.parameters.listForRuns([runId])).get(runId) ?? [];
  }
}
