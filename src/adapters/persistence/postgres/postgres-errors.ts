import pg from 'pg';
import { DomainError, InvalidArgumentError, UnavailableError } from '../../../domain/errors.js';

/**
 * Driver errors become domain errors: anything that says the database cannot serve now (cannot be
 * reached, timed out, shutting down, out of connections or disk) is an UnavailableError (503, try
 * again), a unique violation is whatever the caller said it means, text PostgreSQL cannot take
 * is bad input (400), and the rest is a bug that stays as it is (500). Messages name the server, never the connection string (it may hold a
 * password).
 */

/** What the messages say about the server and its limits. */
export interface ErrorContext {
  /** host:port/database. */
  server: string;
  statementTimeoutMs: number;
  connectionTimeoutMs: number;
  poolSize: number;
  /** Whether every pooled connection was in use when the error happened. */
  poolExhausted?: () => boolean;
}

/** Maps the name of a unique index or constraint to the domain error its violation means. */
export type UniqueViolations = Readonly<Record<string, () => DomainError>>;

/** SQLSTATEs of a transaction the server aborted to keep concurrent ones consistent: retry it. */
export const RETRYABLE_STATES: ReadonlySet<string> = new Set(['40001', '40P01']);

const UNAVAILABLE_STATES: Readonly<Record<string, string>> = {
  '55P03': 'a lock stayed held past its timeout',
  '57P01': 'the database server is shutting down',
  '57P02': 'the database server crashed',
  '57P03': 'the database server is starting up or shutting down',
  '25006': 'the database is read-only (a standby?)',
  '3D000': 'the database does not exist',
  '28000': 'the database refused the connection (pg_hba.conf)',
  '28P01': 'the database refused the credentials',
};

const UNAVAILABLE_CLASSES: Readonly<Record<string, string>> = {
  '08': 'the connection to the database failed',
  '53': 'the database server is out of resources (connections, memory or disk)',
  '58': 'the database server hit a system error',
};

/**
 * SQLSTATEs of text PostgreSQL cannot take: NUL in a text parameter (22021, an invalid byte
 * sequence) or a \u0000 escape in JSON (22P05). The domain refuses NUL in what is written and the
 * repositories answer lookups by it themselves (postgres-text.ts); one that still gets here is
 * the caller's text, not the server's fault.
 */
const UNTAKEABLE_TEXT_STATES: ReadonlySet<string> = new Set(['22021', '22P05']);

/** Node's socket errors that mean the server cannot be reached. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** pg's own errors (no SQLSTATE) that mean the connection is gone or never came. */
const LOST_CONNECTION = [
  'Connection terminated',
  'Query read timeout',
  'not queryable',
  'Cannot use a pool after calling end on the pool',
];

export function translate(error: unknown, context: ErrorContext, unique: UniqueViolations = {}): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof pg.DatabaseError && error.code) {
    const state = error.code;
    if (state === '23505') {
      const meaning = error.constraint === undefined ? undefined : unique[error.constraint];
      return meaning ? meaning() : error;
    }
    if (state === '57014') {
      return new UnavailableError(`the database did not finish a statement within ${context.statementTimeoutMs} ms (statement timeout); retry shortly`);
    }
    if (UNTAKEABLE_TEXT_STATES.has(state)) {
      return InvalidArgumentError.field('/', 'holds the NUL character (U+0000), which no stored text holds');
    }
    if (RETRYABLE_STATES.has(state)) {
      return new UnavailableError('the write kept colliding with concurrent writes (serialization failure or deadlock); retry shortly');
    }
    const reason = UNAVAILABLE_STATES[state] ?? UNAVAILABLE_CLASSES[state.slice(0, 2)];
    if (reason) return new UnavailableError(`${reason} (${context.server}, SQLSTATE ${state}): ${error.message}`);
    return error;
  }
  if (!(error instanceof Error)) return error;
  // pg's Client says 'timeout expired' when connecting took too long; the pool wraps it.
  if (error.message === 'timeout expired' || error.message === 'Connection terminated due to connection timeout') {
    return new UnavailableError(`could not connect to the database at ${context.server} within ${context.connectionTimeoutMs} ms`);
  }
  if (error.message === 'Query read timeout') {
    return new UnavailableError(
      `the database at ${context.server} did not answer within ${context.statementTimeoutMs + context.connectionTimeoutMs} ms (statement timeout plus connection timeout)`,
    );
  }
  if (error.message === 'timeout exceeded when trying to connect') {
    return new UnavailableError(
      context.poolExhausted?.()
        ? `all ${context.poolSize} database connections stayed busy for ${context.connectionTimeoutMs} ms; retry shortly`
        : `could not connect to the database at ${context.server} within ${context.connectionTimeoutMs} ms`,
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && SOCKET_CODES.has(code)) {
    return new UnavailableError(`cannot reach the database at ${context.server} (${code})`);
  }
  if (LOST_CONNECTION.some((text) => error.message.includes(text))) {
    return new UnavailableError(`lost the connection to the database at ${context.server}: ${error.message}`);
  }
  return error;
}

/**
 * Whether the connection that saw this error is gone or in an unknown state (a socket error, a
 * client-side timeout with the query still running, a server terminating it): the pool must drop
 * it rather than hand it out again. A statement's own error leaves the connection usable.
 */
export function connectionLost(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return /^(08|57P)/.test(error.code ?? '');
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && SOCKET_CODES.has(code)) || LOST_CONNECTION.some((text) => error.message.includes(text));
}
