import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { GetRun } from '../../../application/use-cases/runs/get-run.js';
import { UpdateRun } from '../../../application/use-cases/runs/update-run.js';
import { MAX_TAG_VALUE } from '../../../domain/run.js';
import { invalid } from './errors.js';
import { argsOf, requiredString, runIdOf } from './request.js';

/** Where MLflow 2 records the models logged to a run: a JSON list in this run tag. */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';

/**
 * The model endpoints MLflow clients call while logging, without a model registry: MLflow 2's
 * `log_model` records the model's metadata (its files go up as artifacts), and newer clients
 * look for logged models, of which there are none.
 */
export const modelRoutes: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const get = container.resolve(GetRun);
  const update = container.resolve(UpdateRun);
  const hidden = { schema: { hide: true } };

  app.post('/runs/log-model', hidden, async (request) => {
    const args = argsOf(request);
    const runId = runIdOf(args);
    const text = requiredString(args, 'model_json');
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch {
      throw invalid("Invalid value for parameter 'model_json' supplied: it is not JSON");
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) throw invalid("Invalid value for parameter 'model_json' supplied: it must be a JSON object");
    // As MLflow's server does: appended to the run's list of logged models, kept in a tag.
    const run = await get.execute(runId);
    const held = run.tags[LOGGED_MODELS_TAG];
    const models = held === undefined ? [] : listIn(held);
    const value = JSON.stringify([...models, model]);
    if (value.length > MAX_TAG_VALUE) throw invalid(`the run's logged models would take more than ${MAX_TAG_VALUE} characters in tag ${LOGGED_MODELS_TAG}`);
    await update.execute(runId, { tags: { [LOGGED_MODELS_TAG]: value } });
    return {};
  });

  app.post('/logged-models/search', hidden, async () => ({ models: [] }));
};

function listIn(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw invalid(`the run's tag ${LOGGED_MODELS_TAG} holds something other than a JSON list; delete it to log models again`);
  return parsed;
}
