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
 * The API docs page (swagger-ui) runs only its own script files, and applies inline styles (it
 * does: checked in Chromium). The plugin's `staticCSP` policy, adjusted: no HTTPS upgrade (it
 * breaks the page on a plain-HTTP laptop), inline styles but no stylesheets or fonts from other
 * sites, no images from swagger.io (its validator badge would send it the spec's address), and no framing.
 */
export const docsContentSecurity = {
  staticCSP: true,
  transformStaticCSP: (header: string): string =>
    header
      .replace(/\s*upgrade-insecure-requests;?/, '')
      .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'")
      .replace(/font-src [^;]*/, "font-src 'self' data:")
      .replace(' validator.swagger.io', '')
      .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
      .replace(/ +;/g, ';')
      .trim(),
};
