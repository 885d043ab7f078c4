import type { FastifyInstance } from 'fastify';
import { applyBodyLimits } from './body-limits.js';
import { allowCrossOrigin } from './cors.js';
import type { HttpLimits } from './http-limits.js';
import { limitRequestRate } from './rate-limit.js';
import { addSecurityHeaders } from './security-headers.js';
import { boundRequestTime } from './timeouts.js';
import { capConcurrentUploads } from './upload-slots.js';

/**
 * Everything that bounds what a client may ask of the server, registered before any route (the
 * hooks and plugins apply to routes registered after them). Order matters where two apply to one
 * request: CORS headers go on every answer, refusals included, so a browser can read a 429.
 */
export async function addGuards(app: FastifyInstance, limits: HttpLimits): Promise<void> {
  applyBodyLimits(app, limits);
  boundRequestTime(app, limits);
  await addSecurityHeaders(app);
  await allowCrossOrigin(app, limits.corsOrigins);
  await limitRequestRate(app, limits);
  capConcurrentUploads(app, limits.maxConcurrentUploads);
}
