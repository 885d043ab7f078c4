import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifySchema, type FastifyServerOptions } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { healthRoutes } from './health-routes.js';
import { uiRoutes } from './ui/ui-routes.js';
import { downloadResponses, uploadForm } from './native/artifact-routes.js';
import { sendMlflowError } from './mlflow/errors.js';
import { isMlflowUrl, mlflowApi } from './mlflow/mlflow-api.js';
import { nativeApi } from './native/native-api.js';
import { UnavailableError } from '../../domain/errors.js';
import { Problem, problem, sendProblem } from './shared/problem.js';
import { installAuthentication, isPublicUrl } from './shared/authentication.js';
import { validatorCompiler } from './shared/validator-compiler.js';
import { addGuards } from './limits/guards.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './limits/http-limits.js';
import { docsContentSecurity } from './limits/security-headers.js';
import { timeoutOptions } from './limits/timeouts.js';

export interface ServerOptions {
  container: DependencyContainer;
  logger?: FastifyServerOptions['logger'];
  /** Body sizes, rate, timeouts, concurrent uploads, CORS: the defaults unless given (see http-limits.ts). */
  limits?: Partial<HttpLimits>;
  /** The built web UI (dist/ui), served at `/`; without it `/` says how to build it. */
  uiDir?: string;
}

/** Builds the HTTP app: one error handler, TypeBox validation, OpenAPI, and the API plugins. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logger ?? false,
    // The largest body any route takes; each route gets its own limit from the table (http-limits.ts).
    bodyLimit: Math.max(limits.maxJsonBytes, limits.maxBatchBytes),
    ...timeoutOptions(limits),
    // While closing, requests on kept-alive connections get a 503 problem (the hook below).
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    ajv: { customOptions: { allErrors: true } },
    // Malformed URLs and over-long path parameters are answered by Fastify before any route:
    // send them through the same error table so they too are problem+json.
    // (MLflow's shape under MLflow's prefixes: its clients read error_code.)
    frameworkErrors: (error, request, reply) => {
      void (isMlflowUrl(request.url) ? sendMlflowError(error, request, reply) : sendProblem(error, request, reply));
    },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // TypeBox validates and never coerces bodies: "1" is not accepted where a number is expected.
  app.setValidatorCompiler(validatorCompiler);
  // Only JSON (and multipart, below) is accepted: a text/plain body gets 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  // An empty body with a JSON content type (common from HTTP libraries on POST …/restore) means "no body".
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
  // Graceful shutdown: close() only ends the keep-alive connections idle at that moment. One whose
  // request was still in flight turns idle afterwards and would hold close() (and the process)
  // open until the keep-alive timeout, so it is closed as soon as its response is done.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (closing) {
      await sendProblem(new UnavailableError('the server is shutting down; retry on another instance or shortly'), request, reply.header('connection', 'close'));
    }
  });
  app.addHook('onResponse', async () => {
    if (closing) setImmediate(() => app.server.closeIdleConnections());
  });
  await addGuards(app, limits);
  installAuthentication(app, options.container);
  app.addSchema(Problem);
  app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).type('application/problem+json').send(problem('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Fathom', version: '0.1.0', description: 'ML experiment tracking: experiments, runs, parameters, metrics, artifacts.' },
      // What FATHOM_AUTH=token asks for (docs/api.md#authentication-and-roles): the docs page gets
      // an Authorize button and generated clients learn to send a token. Public routes say none.
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token, fth_<id>_<secret> (fathom tokens create NAME)' },
          basic: { type: 'http', scheme: 'basic', description: 'user name and API token as password (MLflow clients)' },
        },
      },
      security: [{ bearer: [] }, { basic: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: documentRoute,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', ...docsContentSecurity });
  await app.register(multipart, {
    // The blob store enforces the upload limit itself while streaming; busboy would truncate silently.
    // files: 2 lets a second file part reach the route, which refuses it with a 400 naming the part
    // (at 1, busboy answered a misleading 413 "reach files limit").
    limits: { fileSize: Infinity, files: 2, fields: 20, fieldSize: 128 * 1024, parts: 32 },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { container: options.container });
  await app.register(nativeApi, { container: options.container, prefix: '/api' });
  await app.register(mlflowApi, { container: options.container });
  await app.register(uiRoutes, { dir: options.uiDir });
  return app;
}

/** What the OpenAPI document says beyond the validation schemas (this only shapes the document). */
function documentRoute(route: { schema: FastifySchema; url: string }) {
  const { schema, url } = documentWildcard(route);
  const extra: Record<string, unknown> = {};
  if (isPublicUrl(url)) extra.security = [];
  const consumes = (schema as { consumes?: string[] }).consumes ?? [];
  const produces = (schema as { produces?: string[] }).produces ?? [];
  if (consumes.includes('multipart/form-data')) extra.body = uploadForm;
  if (produces.includes('application/octet-stream')) extra.response = { ...(schema.response as object), ...downloadResponses };
  return { schema: { ...schema, ...extra }, url };
}

/**
 * Routes whose last parameter may contain `/` (artifact names, metric keys) use Fastify's `*`
 * wildcard. OpenAPI has no wildcard: document it as a named path parameter instead.
 */
function documentWildcard({ schema, url }: { schema: FastifySchema; url: string }) {
  if (!url.endsWith('/*')) return { schema, url };
  const name = url.includes('/metrics/') ? 'key' : 'name';
  const params = (schema?.params ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown>; required?: string[] };
  return {
    url: `${url.slice(0, -1)}:${name}`,
    schema: {
      ...schema,
      params: {
        ...params,
        properties: { ...params.properties, [name]: { type: 'string', description: 'may contain /' } },
        required: [...(params.required ?? []), name],
      },
    },
  };
}

/**
 * Errors the HTTP parser meets before Fastify has a request (headers too large, a timeout,
 * garbage on the wire): answered as a problem on the raw socket, then closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail =
    status === 431 ? 'the request headers (or URL) are too large' : status === 408 ? 'the request took too long to arrive' : 'the request is not valid HTTP';
  const body = JSON.stringify(problem('INVALID_ARGUMENT', detail, undefined, status));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
