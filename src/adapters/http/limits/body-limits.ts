import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import { InvalidArgumentError } from '../../../domain/errors.js';
import { routeBody, type HttpLimits, type RouteBody } from './http-limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How this route's body is bounded (set for every route from the table in http-limits.ts). */
    body?: RouteBody;
  }
}

/**
 * Gives every route registered after this its body limit from ROUTE_BODIES, and batch routes a
 * check of their arrays' lengths. Must be added before the routes (an onRoute hook).
 */
export function applyBodyLimits(app: FastifyInstance, limits: HttpLimits): void {
  app.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method[0] : route.method;
    const body = routeBody(String(method), route.url);
    route.config = { ...route.config, body };
    // Uploads are streamed to the blob store, which bounds them itself (FATHOM_MAX_UPLOAD_BYTES).
    if (body.kind === 'upload') return;
    route.bodyLimit ??= body.kind === 'batch' ? limits.maxBatchBytes : limits.maxJsonBytes;
    if (body.batchFields) route.preValidation = [...hooks(route.preValidation), batchItemsCheck(body.batchFields, limits.maxBatchItems)];
  });
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  if (existing === undefined) return [];
  return Array.isArray(existing) ? existing : [existing];
}

/** Runs before schema validation, so the setting (not a schema's own bound) decides, and names itself. */
function batchItemsCheck(fields: readonly string[], max: number): preValidationAsyncHookHandler {
  return async (request: FastifyRequest) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null) return;
    for (const field of fields) {
      const items = (body as Record<string, unknown>)[field];
      if (Array.isArray(items) && items.length > max) {
        throw InvalidArgumentError.field(`/${field}`, `holds ${items.length} items; a request may carry at most ${max} (FATHOM_MAX_BATCH_ITEMS)`);
      }
    }
  };
}
