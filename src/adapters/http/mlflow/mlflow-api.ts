import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { EnsureDefaultExperiment } from '../../../application/use-cases/experiments/ensure-default-experiment.js';
import { artifactListRoute, artifactRoutes } from './artifact-routes.js';
import { MlflowError, sendMlflowError } from './errors.js';
import { experimentRoutes } from './experiment-routes.js';
import { metricRoutes } from './metric-routes.js';
import { modelRoutes } from './model-routes.js';
import { runRoutes } from './run-routes.js';

const TRACKING_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];
const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];

/** Whether a request URL is under one of MLflow's prefixes, so its errors take MLflow's shape. */
export function isMlflowUrl(url: string): boolean {
  return [...TRACKING_PREFIXES, ...ARTIFACT_PREFIXES].some((prefix) => url.startsWith(`${prefix}/`));
}

/**
 * MLflow's tracking REST API, so MLflow clients (`MLFLOW_TRACKING_URI=http://fathom:5000`) work
 * unchanged: the same use cases as the native API, in MLflow's JSON, errors and semantics.
 * Served under /api/2.0/mlflow and /ajax-api/2.0/mlflow, artifacts under …/mlflow-artifacts.
 */
export const mlflowApi: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  // Experiment "0", "Default", is where MLflow clients log when no experiment is set.
  const outcome = await container.resolve(EnsureDefaultExperiment).execute();
  if (outcome === 'name-taken') {
    app.log.warn("experiment id '0' does not exist and the name 'Default' is taken: MLflow clients that set no experiment will get an error");
  }
  const options = { container };
  const scoped: FastifyPluginAsync = async (api) => {
    api.setErrorHandler((error, request, reply) => sendMlflowError(error, request, reply));
    api.setNotFoundHandler((request, reply) =>
      sendMlflowError(new MlflowError('ENDPOINT_NOT_FOUND', `No API endpoint ${request.method} ${request.url.split('?')[0]}`), request, reply),
    );
  };
  for (const prefix of TRACKING_PREFIXES) {
    await app.register(
      async (api) => {
        await scoped(api, {});
        await api.register(experimentRoutes, options);
        await api.register(runRoutes, options);
        await api.register(metricRoutes, options);
        await api.register(modelRoutes, options);
        await api.register(artifactListRoute, options);
      },
      { prefix },
    );
  }
  for (const prefix of ARTIFACT_PREFIXES) {
    await app.register(
      async (api) => {
        await scoped(api, {});
        await api.register(artifactRoutes, options);
      },
      { prefix },
    );
  }
};
