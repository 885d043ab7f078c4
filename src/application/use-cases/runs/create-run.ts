import { inject, injectable } from 'tsyringe';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { toParameters, type ParameterInput } from '../../../domain/parameter.js';
import { newRun, type NewRunInput } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import type { IdGenerator } from '../../ports/id-generator.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
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
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
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
    const run = newRun(this.ids.next(), experimentId, input, this.clock.now());
    const parameters = toParameters(input.parameters ?? []);
    if (input.parentRunId !== undefined) await this.checkParent(input.parentRunId);
    await this.runs.create(run);
    if (parameters.length > 0) await this.parameters.add(run.id, parameters);
    return this.views.one(run);
  }

  private async checkParent(parentRunId: string): Promise<void> {
    try {
      await this.runs.get(parentRunId);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw InvalidArgumentError.field('/parentRunId', `names no existing run ('${parentRunId}')`);
      }
      throw error;
    }
  }
}
