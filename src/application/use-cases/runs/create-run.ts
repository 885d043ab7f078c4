import { inject, injectable } from 'tsyringe';
import { ConflictError, InvalidArgumentError, type FieldIssue } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { toParameters, type ParameterInput } from '../../../domain/parameter.js';
import { newRun, type NewRunInput } from '../../../domain/run.js';
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
   * @throws NotFoundError (experiment), ConflictError (deleted experiment), InvalidArgumentError.
   */
  async execute(experimentId: ExperimentId, input: CreateRunInput): Promise<RunView> {
    const experiment = await this.experiments.get(experimentId);
    if (experiment.lifecycleStage === 'deleted') {
      throw new ConflictError(`experiment '${experimentId}' is deleted; restore it before starting runs in it`);
    }
    // Validate the run and its parameters together, so one 400 lists every bad field.
    const issues: FieldIssue[] = [];
    const run = collectIssues(() => newRun(this.ids.next(), experimentId, input, this.clock.now()), issues);
    const parameters = collectIssues(() => toParameters(input.parameters ?? []), issues);
    if (input.parentRunId !== undefined && !(await this.exists(input.parentRunId))) {
      issues.push({ path: '/parentRunId', message: `names no existing run ('${input.parentRunId}')` });
    }
    if (issues.length > 0 || run === undefined || parameters === undefined) throw new InvalidArgumentError(issues);
    await this.runs.create(run, parameters);
    return this.views.one(run);
  }

  private async exists(runId: string): Promise<boolean> {
    return (await this.runs.getMany([runId])).length > 0;
  }
}

function collectIssues<T>(validate: () => T, issues: FieldIssue[]): T | undefined {
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    issues.push(...error.issues);
    return undefined;
  }
}
