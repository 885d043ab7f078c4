import { inject, injectable } from 'tsyringe';
import { InvalidArgumentError } from '../../../domain/errors.js';
import { applyRunChanges, assertWritable, type RunId } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

/** Where the models logged to a run are listed, as MLflow's tracking server keeps them: a JSON list in a run tag. */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';

@injectable()
export class RecordLoggedModel {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Appends a model's description (a JSON object; its files are the run's artifacts) to the run's
   * list of logged models. The append happens inside the run's update, so concurrent calls all land.
   * @throws NotFoundError, ConflictError (deleted run), InvalidArgumentError (the list would pass
   * a tag's size limit, or the tag holds something that is not a list)
   */
  async execute(runId: RunId, model: Readonly<Record<string, unknown>>): Promise<void> {
    const now = this.clock.now();
    await this.runs.update(runId, (current) => {
      assertWritable(current);
      const held = current.tags[LOGGED_MODELS_TAG];
      const models = held === undefined ? [] : listIn(held);
      return applyRunChanges(current, { tags: { [LOGGED_MODELS_TAG]: JSON.stringify([...models, model]) } }, now);
    });
  }
}

function listIn(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    throw InvalidArgumentError.field(`/tags/${LOGGED_MODELS_TAG}`, 'holds something other than a JSON list; delete the tag to log models again');
  }
  return parsed;
}
