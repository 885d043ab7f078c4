import { inject, injectable } from 'tsyringe';
import type { RunId } from '../../../domain/run.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class GetRun {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /** @throws NotFoundError */
  async execute(id: RunId): Promise<RunView> {
    return this.views.one(await this.runs.get(id));
  }
}
