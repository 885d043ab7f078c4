import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import type { Readiness } from '../../application/ports/readiness.js';
import { TOKENS } from '../../application/tokens.js';

const Status = Type.Object({ status: Type.String() });
/** Load balancers and orchestrators ask often, from few addresses: never rate-limited. */
const UNLIMITED = { rateLimit: false as const };

/** Liveness (the process answers) and readiness (the stores answer). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const readiness = container.resolve<Readiness>(TOKENS.Readiness);
  app.get('/healthz', { config: UNLIMITED, schema: { tags: ['operations'], response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { config: UNLIMITED, schema: { tags: ['operations'], response: { 200: Status, '5xx': Type.Unsafe({ $ref: 'Problem#' }) } } },
    async () => {
      await readiness.check();
      return { status: 'ready' };
    },
  );
};
