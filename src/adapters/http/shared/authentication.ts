import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { TOKENS, type AuthMode } from '../../../application/tokens.js';
import { Authenticate, type Credential } from '../../../application/use-cases/access/authenticate.js';
import { ANONYMOUS, assertAccess, type AccessLevel, type Principal } from '../../../domain/access.js';
import { UnauthenticatedError } from '../../../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: the token's user, the anonymous admin with FATHOM_AUTH=none, null on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** What a route needs, when its method says otherwise (a POST that only reads: 'read'). */
    access?: AccessLevel;
  }
  interface FastifyInstance {
    /** Every route and what it needs, as decided when it was registered (for the audit test and the docs). */
    routeAccess: RouteAccess[];
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  access: AccessLevel | 'public';
}

/**
 * The API (native, MLflow, MLflow's artifact proxy) needs credentials; everything else (health,
 * the web UI's files, the API docs) is public: a sign-in page must load before anyone signs in.
 */
export function isPublicUrl(url: string): boolean {
  return !(url === '/api' || url.startsWith('/api/') || url === '/ajax-api' || url.startsWith('/ajax-api/'));
}

/** A route's level: its `config.access`, else by method (GET and HEAD read, the others write). */
export function accessOf(method: string, url: string, config: { access?: AccessLevel } | undefined): RouteAccess['access'] {
  if (isPublicUrl(url)) return 'public';
  return config?.access ?? (method === 'GET' || method === 'HEAD' ? 'read' : 'write');
}

/** The principal of a request that needs one; a route reached without one fails closed. */
export function actorOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError('this request carries no credentials');
  return request.principal;
}

/** `Authorization: Bearer <token>`, or `Basic base64(user:token)` (MLflow's username and password). */
export function readCredential(header: string | undefined): Credential {
  if (header === undefined || header.trim() === '') {
    throw new UnauthenticatedError('no credentials: send Authorization: Bearer <token> (or Basic with user name and token)');
  }
  const [scheme = '', value = '', ...rest] = header.trim().split(/\s+/);
  if (rest.length === 0 && value !== '') {
    if (scheme.toLowerCase() === 'bearer') return { kind: 'bearer', token: value };
    if (scheme.toLowerCase() === 'basic') {
      const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon > 0) return { kind: 'basic', user: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
    }
  }
  throw new UnauthenticatedError('malformed Authorization header: expected Bearer <token>, or Basic base64(user:token)');
}

/**
 * Sets `request.principal` on every request and, with FATHOM_AUTH=token, refuses API requests
 * without valid credentials (401) or with a role below the route's level (403). Install before
 * any route is registered, so every route is seen (and listed in `app.routeAccess`).
 */
export function installAuthentication(app: FastifyInstance, container: DependencyContainer): void {
  const mode = container.resolve<AuthMode>(TOKENS.AuthMode);
  const authenticate = container.resolve(Authenticate);
  const routes: RouteAccess[] = [];
  app.decorate('routeAccess', routes);
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access: accessOf(method, route.url, route.config) });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (mode === 'none') {
      request.principal = ANONYMOUS;
      return;
    }
    const url = request.routeOptions.url;
    // No route (a 404, answered as usual) or a public one: nothing to prove.
    if (url === undefined || isPublicUrl(url)) return;
    try {
      request.principal = await authenticate.execute(readCredential(request.headers.authorization));
      const access = accessOf(request.method, url, request.routeOptions.config);
      if (access !== 'public') assertAccess(request.principal, access, `${request.method} ${url}`);
    } catch (error) {
      // Answered before its body was read (refused, mostly; or the store failed): close the
      // connection after the answer rather than read and discard an upload of gigabytes.
      if (hasBody(request.headers)) void reply.header('connection', 'close');
      throw error;
    }
  });
}

function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}
