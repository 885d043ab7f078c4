import { inject, injectable } from 'tsyringe';
import type { Run, RunId } from '../../../domain/run.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class LookUpRun {
  constructor(@inject(TOKENS.Runs) private readonly runs: RunRepository) {}

  /** The run record alone, without its parameters, metrics or artifacts: one read. @throws NotFoundError */
  async execute(id: RunId): Promise<Run> {
    return this.runs.get(id);
  }
}
