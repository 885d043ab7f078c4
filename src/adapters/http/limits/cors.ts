import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * Cross-origin calls from browsers, only for the configured origins (FATHOM_CORS_ORIGINS);
 * without any, no CORS header is ever sent and browsers keep other sites' pages out. Credentials
 * (cookies) are never allowed: the API takes a token in the Authorization header, which is
 * therefore an allowed request header, and `*` is safe only because of that.
 */
export async function allowCrossOrigin(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  await app.register(cors, {
    // A function, not the list: for an origin not listed the plugin then does nothing at all (a
    // list would still answer a preflight with the allowed methods and headers).
    origin: (origin, callback) => callback(null, origin !== undefined && (any || allowed.has(origin)) ? (any ? '*' : origin) : false),
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'If-Range', 'Range'],
    exposedHeaders: [
      'Location',
      'ETag',
      // The artifact's SHA-256, for a browser app checking what it downloaded (docs/security.md: ranges are unchecked).
      'X-Checksum-Sha256',
      'Content-Disposition',
      'Content-Range',
      'Accept-Ranges',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ],
    maxAge: 600,
  });
}
