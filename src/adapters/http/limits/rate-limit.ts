import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ResourceExhaustedError } from '../../../domain/errors.js';
import { readCredential } from '../shared/authentication.js';
import type { HttpLimits } from './http-limits.js';

/**
 * Whose share a request counts against: the token it presents (as a SHA-256, so no token is ever
 * kept in memory as a key), else the address it came from. The token as the authentication reads
 * it, not the header as sent: `bearer`, `BEARER  <token>` and Basic with the same token are one
 * credential, so respelling the header does not buy a fresh count. A header that is no credential
 * at all (refused with 401 anyway) counts as itself.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) return `address:${request.ip}`;
  const token = (() => {
    try {
      return readCredential(header).token;
    } catch {
      return header;
    }
  })();
  return `credential:${createHash('sha256').update(token).digest('base64url')}`;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Requests without credentials from this machine are never limited: the laptop case, where a
 * training loop can log thousands of points a second one request each (W1 in docs/benchmarks.md);
 * and behind a proxy on the same host every such request would share one address, so one
 * client's burst would throttle everyone. Requests with credentials always count, against the
 * credential, so behind a proxy each token still gets its own share.
 */
function exempt(request: FastifyRequest): boolean {
  return request.headers.authorization === undefined && LOOPBACK.test(request.ip);
}

/**
 * The per-credential rate limit (@fastify/rate-limit, draft-spec RateLimit-* headers and
 * Retry-After on a 429). Routes marked `config: { rateLimit: false }` (health checks, the UI's
 * files) are never limited. Counts are kept in this server's memory: with several servers each
 * counts its own.
 */
export async function limitRequestRate(app: FastifyInstance, limits: HttpLimits): Promise<void> {
  if (limits.rateLimit === 0) return;
  const seconds = Math.round(limits.rateLimitWindowMs / 1000);
  await app.register(rateLimit, {
    global: true,
    max: limits.rateLimit,
    timeWindow: limits.rateLimitWindowMs,
    enableDraftSpec: true,
    keyGenerator: rateLimitKey,
    allowList: exempt,
    errorResponseBuilder: (request, context) =>
      new ResourceExhaustedError(
        `more than ${context.max} requests in ${seconds} seconds with ${request.headers.authorization ? 'this credential' : 'no credential from this address'} ` +
          `(FATHOM_RATE_LIMIT); retry in ${context.after}`,
      ),
  });
}
