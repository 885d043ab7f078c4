import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { RecordLoggedModel } from '../../../application/use-cases/runs/record-logged-model.js';
import { invalid } from './errors.js';
import { argsOf, requiredString, runIdOf } from './request.js';

/**
 * The model endpoints MLflow clients call while logging, without a model registry: MLflow 2's
 * `log_model` records the model's metadata (its files go up as artifacts), and newer clients
 * look for logged models, of which there are none.
 */
export const modelRoutes: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const record = container.resolve(RecordLoggedModel);
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
    await record.execute(runId, model as Record<string, unknown>);
    return {};
  });

  app.post('/logged-models/search', { ...hidden, config: { access: 'read' as const } }, async () => ({ models: [] }));
};
