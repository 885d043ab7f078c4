import { inject, injectable } from 'tsyringe';
import type { RunId } from '../../../domain/run.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ListChildRuns {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /** The runs whose parent is this run. @throws NotFoundError */
  async execute(parentRunId: RunId): Promise<RunView[]> {
    await this.runs.get(parentRunId);
    return this.views.of(await this.runs.listChildren(parentRunId));
  }
}
