import { inject, injectable } from 'tsyringe';
import type { Experiment } from '../domain/experiment.js';
import type { RunRepository } from './ports/run-repository.js';
import { RunViews, type RunView } from './run-views.js';
import { TOKENS } from './tokens.js';

/** An experiment as users see it: with all its runs, newest first. */
export interface ExperimentView extends Experiment {
  runs: RunView[];
}

@injectable()
export class ExperimentViews {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(RunViews) private readonly runViews: RunViews,
  ) {}

  async of(experiment: Experiment): Promise<ExperimentView> {
    const runs = await this.runs.listAllByExperiments([experiment.id]);
    return { ...experiment, runs: await this.runViews.of(runs) };
  }
}
