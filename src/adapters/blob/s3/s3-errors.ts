import { DomainError, UnavailableError } from '../../../domain/errors.js';

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** Errors a server or network gives while S3 cannot serve: retrying later may work. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeTooSkewed', 'SlowDown', 'ServiceUnavailable', 'InternalError']);
/**
 * The store is set up wrongly (bucket, region, credentials): no request can succeed until an
 * operator fixes it, which is "unavailable" to a user, with the reason in the message and the log.
 */
const MISCONFIGURED_NAMES = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'InvalidBucketName',
]);

/** The object (or its bucket, for a HEAD, which has no body to tell them apart) is absent. */
export function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as AwsLikeError;
  return name === 'NoSuchKey' || (name === 'NotFound' && $metadata?.httpStatusCode === 404);
}

/**
 * Turns what the AWS SDK throws into a domain error where one applies: network failures, 5xx and
 * throttling, and a misconfigured bucket or credentials become UnavailableError (503 at the HTTP
 * boundary). Anything else is returned as it is (a bug, logged as a 500).
 */
export function translateS3Error(error: unknown, doing: string): unknown {
  if (error instanceof DomainError || typeof error !== 'object' || error === null) return error;
  const { name = '', code, message, $fault, $metadata } = error as AwsLikeError;
  const status = $metadata?.httpStatusCode;
  if (MISCONFIGURED_NAMES.has(name)) {
    return new UnavailableError(`the artifact store refused to ${doing} (${name}: ${message ?? ''}); check the S3 bucket, region, endpoint and credentials`, {
      cause: error,
    });
  }
  if (
    (status !== undefined && status >= 500) ||
    $fault === 'server' ||
    TRANSIENT_NAMES.has(name) ||
    (code !== undefined && NETWORK_CODES.has(code))
  ) {
    return new UnavailableError(`the artifact store could not ${doing} (${code ?? name}${status ? ` ${status}` : ''}); try again later`, { cause: error });
  }
  return error;
}
