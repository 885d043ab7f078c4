import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer (@fastify/helmet). API answers are data, never pages: nothing
 * in them may load or run, nor may they be framed, and X-Content-Type-Options: nosniff stops a
 * browser from running a downloaded artifact as a script or page. Routes that serve pages set
 * their own policy (the UI in ui-routes.ts, the API docs below). Strict-Transport-Security is
 * left to whatever terminates TLS (on plain HTTP it means nothing, and a server behind a proxy
 * does not know which hosts the proxy serves).
 */
export async function addSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
  });
}

/**
 * The API docs page (swagger-ui) runs its own bundled scripts and an inline initialiser, allowed
 * by hash (the plugin's `staticCSP`). Its policy asks browsers to upgrade requests to HTTPS,
 * which breaks the page on a plain-HTTP laptop, so that is taken out, and framing is refused.
 */
export const docsContentSecurity = {
  staticCSP: true,
  transformStaticCSP: (header: string): string =>
    header
      .replace(/\s*upgrade-insecure-requests;?/, '')
      .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
      .trim(),
};
