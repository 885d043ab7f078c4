import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { accessRoutes } from './access-routes.js';
import { artifactRoutes } from './artifact-routes.js';
import { comparisonRoutes } from './comparison-routes.js';
import { experimentRoutes } from './experiment-routes.js';
import { metricRoutes } from './metric-routes.js';
import { parameterRoutes } from './parameter-routes.js';
import { runRoutes } from './run-routes.js';

/** Fathom's own REST API (mounted under /api). */
export const nativeApi: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const options = { container };
  await app.register(experimentRoutes, options);
  await app.register(runRoutes, options);
  await app.register(metricRoutes, options);
  await app.register(parameterRoutes, options);
  await app.register(artifactRoutes, options);
  await app.register(comparisonRoutes, options);
  await app.register(accessRoutes, options);
};
