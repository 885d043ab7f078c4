import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { bodyTooLargeMessage } from '../shared/body-too-large.js';
import { DomainError, InvalidArgumentError, UnauthenticatedError, type ErrorCode } from '../../../domain/errors.js';

/** The error codes MLflow clients know (databricks_pb2.ErrorCode names). */
export type MlflowErrorCode =
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'BAD_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL_ERROR';

export interface MlflowErrorBody {
  error_code: MlflowErrorCode;
  message: string;
}

/** An error raised by the adapter itself, in MLflow's terms (a missing request parameter, say). */
export class MlflowError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
    readonly status = code === 'RESOURCE_DOES_NOT_EXIST' || code === 'ENDPOINT_NOT_FOUND' ? 404 : 400,
  ) {
    super(message);
  }
}

export function invalid(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

/** Fathom's error codes in MLflow's words. Statuses follow MLflow (RESOURCE_ALREADY_EXISTS is a 400 there). */
const FROM_DOMAIN: Record<ErrorCode, { code: MlflowErrorCode; status: number }> = {
  INVALID_ARGUMENT: { code: 'INVALID_PARAMETER_VALUE', status: 400 },
  NOT_FOUND: { code: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  ALREADY_EXISTS: { code: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  // A parameter logged again with another value, or a write to a deleted run: MLflow answers both
  // with INVALID_PARAMETER_VALUE.
  CONFLICT: { code: 'INVALID_PARAMETER_VALUE', status: 400 },
  PAYLOAD_TOO_LARGE: { code: 'BAD_REQUEST', status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { code: 'BAD_REQUEST', status: 415 },
  RANGE_NOT_SATISFIABLE: { code: 'BAD_REQUEST', status: 416 },
  UNAVAILABLE: { code: 'TEMPORARILY_UNAVAILABLE', status: 503 },
  RESOURCE_EXHAUSTED: { code: 'RESOURCE_EXHAUSTED', status: 429 },
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', status: 401 },
  PERMISSION_DENIED: { code: 'PERMISSION_DENIED', status: 403 },
  INTERNAL: { code: 'INTERNAL_ERROR', status: 500 },
};

export function toMlflowError(error: unknown): { status: number; body: MlflowErrorBody } {
  if (error instanceof MlflowError) return { status: error.status, body: { error_code: error.code, message: error.message } };
  if (error instanceof InvalidArgumentError) {
    const message = error.issues.length > 0 ? error.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : error.message;
    return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } };
  }
  if (error instanceof DomainError) {
    const { code, status } = FROM_DOMAIN[error.code];
    return { status, body: { error_code: code, message: error.message } };
  }
  const status = (error as FastifyError).statusCode;
  // A body that is not JSON, or not sent as application/json: MLflow's server answers both with
  // INVALID_PARAMETER_VALUE and a 400, which its clients turn into an MlflowException.
  if (status === 400 || status === 415) {
    const message = status === 415 ? "Bad Request. Content-Type must be one of ['application/json']." : (error as Error).message;
    return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: MlflowErrorCode = status === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST';
    return { status, body: { error_code: code, message: (error as Error).message } };
  }
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'the server failed to handle this request; the error has been logged' } };
}

/** The MLflow adapter's error handler: every error becomes {error_code, message}; 500s are logged, never leaked. */
export function sendMlflowError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toMlflowError(error);
  if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') body.message = bodyTooLargeMessage(request);
  // MLflow clients send a token as Bearer (MLFLOW_TRACKING_TOKEN) or as Basic's password.
  if (error instanceof UnauthenticatedError) reply.header('www-authenticate', ['Bearer realm="fathom"', 'Basic realm="fathom"']);
  if (status >= 500 && body.error_code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'request failed');
  else request.log.debug({ err: error }, 'request rejected');
  return reply.status(status).type('application/json').send(body);
}
