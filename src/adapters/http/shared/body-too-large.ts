import type { FastifyRequest } from 'fastify';

const MiB = 1024 * 1024;

/** Which setting bounds a route's body (the limits module marks each route with its kind). */
const SETTING: Record<string, string> = { json: 'FATHOM_MAX_JSON_BYTES', batch: 'FATHOM_MAX_BATCH_BYTES' };

export function describeBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Fastify's "Request body is too large", with the limit and the setting that raises it. */
export function bodyTooLargeMessage(request: FastifyRequest): string {
  const limit = request.routeOptions.bodyLimit;
  const kind = (request.routeOptions.config as { body?: { kind?: string } }).body?.kind ?? 'json';
  const setting = SETTING[kind];
  return `the request body is larger than the ${describeBytes(limit)} this route accepts${setting ? ` (${setting})` : ''}`;
}
