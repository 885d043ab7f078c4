import { STATUS_CODES } from 'node:http';
import type { ServerOptions } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problem } from '../shared/problem.js';
import type { HttpLimits } from './http-limits.js';

/**
 * Node's own timeouts, as Fastify server options. The whole-request timeout stays off at this
 * level (requestTimeout 0: a multi-GiB upload may take hours); instead
 * - headers must arrive within headersTimeoutMs (Node answers 408 and closes),
 * - a connection idle in both directions for idleTimeoutMs is destroyed: a stalled upload's
 *   stream then fails, which removes its staging file, releases its blob hold and frees its
 *   upload slot (the upload's own error paths), and
 * - other requests get a whole-request bound from `boundRequestTime`.
 */
export function timeoutOptions(limits: HttpLimits): { connectionTimeout: number; requestTimeout: number; http: ServerOptions } {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks headers timeouts on this interval (30 s by default): a short timeout needs a
      // shorter check to mean anything.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}

/**
 * A request other than an upload must arrive whole (its body parsed) within requestTimeoutMs of
 * its headers: a client trickling a JSON body a byte a minute would otherwise hold a connection
 * and a buffer for ever. A late one gets 408 and its connection is closed. Handlers' own time is
 * bounded elsewhere (the database's statement timeout).
 */
export function boundRequestTime(app: FastifyInstance, limits: HttpLimits): void {
  const ms = limits.requestTimeoutMs;
  const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>();
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.body?.kind === 'upload') {
      done();
      return;
    }
    const timer = setTimeout(() => {
      const response = reply.raw;
      if (response.headersSent || response.destroyed) {
        request.raw.socket?.destroy();
        return;
      }
      request.log.info({ timeoutMs: ms }, 'request body too slow to arrive: closing the connection');
      const body = JSON.stringify(problem('INVALID_ARGUMENT', `the request did not arrive whole within ${ms} ms (FATHOM_REQUEST_TIMEOUT)`, undefined, 408));
      response.writeHead(408, STATUS_CODES[408], {
        'content-type': 'application/problem+json',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      response.end(body, () => request.raw.socket?.destroy());
    }, ms);
    timer.unref();
    timers.set(request, timer);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
  // The body has arrived (and been parsed) by now.
  app.addHook('preValidation', (request, _reply, done) => {
    clearTimeout(timers.get(request));
    done();
  });
}
