import { inject, injectable } from 'tsyringe';
import { creatorOf, type Principal } from '../../../domain/access.js';
import { Issues } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { toParameters, type Parameter, type ParameterInput } from '../../../domain/parameter.js';
import { assertExperimentTakesRuns, newRun, type NewRunInput, type Run } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { IdGenerator } from '../../ports/id-generator.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { RunViews, type RunView } from '../../run-views.js';
import { TOKENS } from '../../tokens.js';

export interface CreateRunInput extends NewRunInput {
  parameters?: readonly ParameterInput[];
}

@injectable()
export class CreateRun {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Ids) private readonly ids: IdGenerator,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(RunViews) private readonly views: RunViews,
  ) {}

  /**
   * Starts a run (status "running") in an active experiment, with its first parameters.
   * The creator is the actor; only with authentication off (the anonymous actor) does the input's
   * `createdBy` count.
   * @throws NotFoundError (experiment), ConflictError (deleted experiment), InvalidArgumentError.
   */
  async execute(experimentId: ExperimentId, input: CreateRunInput, actor: Principal): Promise<RunView> {
    // Checked here first, so a deleted experiment is a 409 whatever else the input holds; the
    // store checks again in its write, for an experiment deleted meanwhile.
    const experiment = await this.experiments.get(experimentId);
    assertExperimentTakesRuns(experimentId, experiment.lifecycleStage);
    // Validate the run and its parameters together, so one 400 lists every bad field.
    const issues = new Issues();
    const { createdBy: claimed, ...rest } = input;
    const createdBy = creatorOf(actor, claimed);
    const runInput = createdBy === undefined ? rest : { ...rest, createdBy };
    const run = issues.collect(() => newRun(this.ids.next(), experimentId, runInput, this.clock.now()));
    const parameters = issues.collect(() => toParameters(input.parameters ?? []));
    if (input.parentRunId !== undefined && !(await this.exists(input.parentRunId))) {
      issues.add('/parentRunId', `names no existing run ('${input.parentRunId}')`);
    }
    issues.throwIfAny(); // so run and parameters are defined below
    await this.runs.create(run as Run, parameters as Parameter[]);
    return this.views.one(run as Run);
  }

  private async exists(runId: string): Promise<boolean> {
    return (await this.runs.getMany([runId])).length > 0;
  }
}
