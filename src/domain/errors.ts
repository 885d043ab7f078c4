/**
 * Domain errors carry a stable `code`. One table at the HTTP boundary maps codes to statuses;
 * nothing below that boundary knows about HTTP.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL';

/** One bad field: `path` is a JSON-pointer-like location ("/metrics/3/value"), `message` says why. */
export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} '${id}' does not exist`);
  }
}

export class AlreadyExistsError extends DomainError {
  readonly code = 'ALREADY_EXISTS';
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

export class RangeNotSatisfiableError extends DomainError {
  readonly code = 'RANGE_NOT_SATISFIABLE';
  constructor(readonly size: number) {
    super(`the requested range is outside the ${size} bytes of the content`);
  }
}

export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}

/** A client used up its share (requests in a window): it may retry later. */
export class ResourceExhaustedError extends DomainError {
  readonly code = 'RESOURCE_EXHAUSTED';
}

/**
 * Stored content that no longer matches what was recorded of it (its SHA-256, its size): the
 * storage under the server is damaged. A server fault, so INTERNAL: never the client's doing.
 */
export class IntegrityError extends DomainError {
  readonly code = 'INTERNAL';
}

/** No credentials, or credentials that prove nobody (malformed, unknown, revoked). Never echoes the credential. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

/** A known principal asked for something its role (or its ownership) does not allow. */
export class PermissionDeniedError extends DomainError {
  readonly code = 'PERMISSION_DENIED';
}

/** Bad input. Lists every bad field so a client can fix them all in one round trip. */
export class InvalidArgumentError extends DomainError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }

  static field(path: string, message: string): InvalidArgumentError {
    return new InvalidArgumentError([{ path, message }]);
  }
}

/** Collects field issues while validating a whole input, then throws them together. */
export class Issues {
  private readonly list: FieldIssue[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** Runs a check that throws InvalidArgumentError and keeps its issues instead; undefined when it failed. */
  collect<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      this.list.push(...error.issues);
      return undefined;
    }
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidArgumentError([...this.list]);
  }
}
