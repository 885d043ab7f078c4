import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { bodyTooLargeMessage } from './body-too-large.js';
import { DomainError, InvalidArgumentError, RangeNotSatisfiableError, UnauthenticatedError, type ErrorCode, type FieldIssue } from '../../../domain/errors.js';

/** RFC 9457 problem details, with Fathom's stable `code` and the list of bad fields. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'application/problem+json (RFC 9457)' },
);
export type Problem = Static<typeof Problem>;

/** The one table that maps error codes to HTTP: every route relies on it, none builds errors by hand. */
const STATUS: Record<ErrorCode, { status: number; title: string }> = {
  INVALID_ARGUMENT: { status: 400, title: 'Invalid argument' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  ALREADY_EXISTS: { status: 409, title: 'Already exists' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  RESOURCE_EXHAUSTED: { status: 429, title: 'Too many requests' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthenticated' },
  PERMISSION_DENIED: { status: 403, title: 'Permission denied' },
  INTERNAL: { status: 500, title: 'Internal error' },
};

/** Codes for errors raised by Fastify and its plugins before a use case ran. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 406:
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 416:
      return 'RANGE_NOT_SATISFIABLE';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  }
}

export function problem(code: ErrorCode, detail: string, errors?: FieldIssue[], status = STATUS[code].status): Problem {
  const body: Problem = {
    type: `urn:fathom:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: STATUS[code].title,
    status,
    detail,
    code,
  };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

interface SchemaIssue {
  keyword?: string;
  schemaPath?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns schema validation errors into field issues that say which field and why. */
function schemaIssues(error: FastifyError): FieldIssue[] {
  // Body and query fields are named by their own path ("/limit"); path parameters and headers by where they are.
  const where = error.validationContext;
  const context = where === 'params' || where === 'headers' ? `/${where}` : '';
  const issues: FieldIssue[] = [];
  const all = (error.validation ?? []) as SchemaIssue[];
  // A union reports every branch's failure; say once that none matched instead.
  const unions = all.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath ?? ''}/anyOf/`);
  const inUnion = (e: SchemaIssue): boolean => unions.some((prefix) => (e.schemaPath ?? '').startsWith(prefix));
  for (const raw of all.filter((e) => !inUnion(e))) {
    const at = `${context}${raw.instancePath ?? ''}` || '/';
    if (raw.keyword === 'additionalProperties') continue; // reported per field below
    if (raw.keyword === 'boolean' && raw.message === 'schema is false') {
      issues.push({ path: at, message: 'is not a known field' });
    } else if (raw.keyword === 'required') {
      const missing = (raw.params?.requiredProperties ?? raw.params?.missingProperty ?? []) as string[] | string;
      for (const name of Array.isArray(missing) ? missing : [missing]) {
        issues.push({ path: `${at === '/' ? '' : at}/${name}`, message: 'is required' });
      }
    } else if (raw.keyword === 'anyOf') {
      issues.push({ path: at, message: unionMessage(raw, all) });
    } else if (raw.keyword === 'minProperties') {
      issues.push({ path: at, message: 'must hold at least one field to change' });
    } else if (at === '/' && raw.keyword === 'type' && where === 'body') {
      issues.push({ path: at, message: 'a JSON object body is required' });
    } else {
      issues.push({ path: at, message: raw.message ?? 'is invalid' });
    }
  }
  const unique = new Map(issues.map((i) => [`${i.path}\u0000${i.message}`, i]));
  return [...unique.values()];
}

/** "must be one of a, b, c" for a union of literals; a generic sentence for other unions. */
function unionMessage(union: SchemaIssue, all: SchemaIssue[]): string {
  const prefix = `${union.schemaPath ?? ''}/anyOf/`;
  const branches = all.filter((e) => (e.schemaPath ?? '').startsWith(prefix));
  if (branches.length > 0 && branches.every((e) => e.keyword === 'const')) {
    return `must be one of ${branches.map((e) => String(e.params?.allowedValue)).join(', ')}`;
  }
  if (branches.length > 0 && branches.every((e) => e.keyword === 'type')) {
    return `must be ${[...new Set(branches.map((e) => `a ${String(e.params?.type)}`))].join(' or ')}`;
  }
  return 'does not have an allowed type or shape';
}

export function toProblem(error: unknown): Problem {
  if (error instanceof InvalidArgumentError) return problem('INVALID_ARGUMENT', error.message, error.issues);
  if (error instanceof DomainError) return problem(error.code, error.message);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const issues = schemaIssues(fastifyError);
    return problem('INVALID_ARGUMENT', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return problem(codeForStatus(status), fastifyError.message, undefined, status);
  }
  return problem('INTERNAL', 'the server failed to handle this request; the error has been logged');
}

/** The central error handler: domain and framework errors become problems; 500s are logged, never leaked. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = toProblem(error);
  if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    body.detail = `Content-Type '${request.headers['content-type'] ?? ''}' is not accepted here; send application/json`;
  }
  if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') body.detail = bodyTooLargeMessage(request);
  if (error instanceof RangeNotSatisfiableError) reply.header('content-range', `bytes */${error.size}`);
  if (error instanceof UnauthenticatedError) reply.header('www-authenticate', 'Bearer realm="fathom"');
  if (clientWentAway(error, request)) {
    // An aborted upload, say: nobody will read an answer, and it is not a server fault.
    request.log.info({ err: error }, 'client closed the connection before the response');
  } else if (body.code === 'INTERNAL') {
    request.log.error({ err: error }, 'request failed');
  } else if (body.status >= 500) {
    request.log.warn({ err: error }, 'request refused: service unavailable');
  } else {
    request.log.debug({ err: error }, 'request rejected');
  }
  return reply.status(body.status).type('application/problem+json').send(body);
}

/** The errors streams raise when the client hangs up mid-request, once its socket is gone. */
const HANG_UPS = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'FST_REQ_FILE_TOO_LARGE']);

function clientWentAway(error: unknown, request: FastifyRequest): boolean {
  if (!request.raw.socket?.destroyed) return false;
  const { code, message } = error as { code?: string; message?: string };
  return (code !== undefined && HANG_UPS.has(code)) || /premature close|unexpected end of (form|multipart)|aborted/i.test(message ?? '');
}
