import { ConflictError, Issues, PermissionDeniedError } from './errors.js';
import { checkText } from './keys.js';
import type { Millis } from './time.js';

/** Readers read; writers also create, log, and delete what they created; admins do anything. */
export type Role = 'admin' | 'writer' | 'reader';
export const ROLES: readonly Role[] = ['admin', 'writer', 'reader'];

/** What a request needs: to read, to write (create, log, change), or to administer users and tokens. */
export type AccessLevel = 'read' | 'write' | 'admin';

export interface User {
  name: string;
  role: Role;
  createdAt: Millis;
}

/**
 * An API token as stored: the secret itself is never kept, only its SHA-256 (hex), so a copy of
 * the database does not hand out working tokens. `id` is public (it names the token in lists and
 * revocations, and is how a presented token is looked up).
 */
export interface ApiToken {
  id: string;
  userName: string;
  label?: string;
  secretHash: string;
  createdAt: Millis;
  revokedAt?: Millis;
  lastUsedAt?: Millis;
}

/** Who is asking. `anonymous` marks the stand-in used when authentication is off (FATHOM_AUTH=none). */
export interface Principal {
  user: string;
  role: Role;
  anonymous?: boolean;
}

/** The principal of every request when authentication is off: anyone may do anything, as before. */
export const ANONYMOUS: Principal = Object.freeze({ user: 'anonymous', role: 'admin', anonymous: true });

export const MAX_USER_NAME = 256;
export const MAX_TOKEN_LABEL = 256;
/** A token's textual form: `fth_<id>_<secret>`; ids and secrets are base64url (no `_` in ids). */
export const TOKEN_PREFIX = 'fth_';
const TOKEN_ID = /^[A-Za-z0-9-]{8,64}$/;
const TOKEN_SECRET = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * User names follow the name rules of experiments (trimmed, 1-256 characters, no control
 * characters), without `:`: HTTP Basic (MLflow's user name and password) ends the user name at the
 * first colon, so such a user could never sign in that way.
 */
export function checkUserName(name: string, issues: Issues, path = '/name'): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_USER_NAME) {
    issues.add(path, `must be 1-${MAX_USER_NAME} characters (not counting surrounding spaces)`);
  } else if (/\p{Cc}/u.test(trimmed)) {
    issues.add(path, 'must not contain control characters');
  } else if (trimmed.includes(':')) {
    issues.add(path, "must not contain ':' (HTTP Basic authentication, which MLflow clients use, ends the user name there)");
  } else {
    checkText(trimmed, path, issues);
  }
  return trimmed;
}

export function checkRole(role: string, issues: Issues, path = '/role'): Role {
  if (!(ROLES as readonly string[]).includes(role)) issues.add(path, `must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

export function newUser(input: { name: string; role: string }, now: Millis): User {
  const issues = new Issues();
  const name = checkUserName(input.name, issues);
  const role = checkRole(input.role, issues);
  issues.throwIfAny();
  return { name, role, createdAt: now };
}

/** A label is free text for people ("laptop", "CI"); optional, at most 256 characters. */
export function checkTokenLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  const issues = new Issues();
  const trimmed = label.trim();
  if (trimmed.length > MAX_TOKEN_LABEL) issues.add('/label', `must be at most ${MAX_TOKEN_LABEL} characters`);
  else if (/\p{Cc}/u.test(trimmed)) issues.add('/label', 'must not contain control characters');
  else checkText(trimmed, '/label', issues);
  issues.throwIfAny();
  return trimmed === '' ? undefined : trimmed;
}

export function formatToken(id: string, secret: string): string {
  return `${TOKEN_PREFIX}${id}_${secret}`;
}

/** The id and secret of a token's text, or undefined when it is not shaped like one. */
export function parseToken(text: string): { id: string; secret: string } | undefined {
  if (!text.startsWith(TOKEN_PREFIX)) return undefined;
  const rest = text.slice(TOKEN_PREFIX.length);
  const split = rest.indexOf('_');
  if (split < 0) return undefined;
  const id = rest.slice(0, split);
  const secret = rest.slice(split + 1);
  return TOKEN_ID.test(id) && TOKEN_SECRET.test(secret) ? { id, secret } : undefined;
}

const RANK: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };
const NEEDED: Record<AccessLevel, Role> = { read: 'reader', write: 'writer', admin: 'admin' };

export function mayAccess(principal: Principal, level: AccessLevel): boolean {
  return RANK[principal.role] >= RANK[NEEDED[level]];
}

/** @throws PermissionDeniedError naming the action and the role when the role is not enough. */
export function assertAccess(principal: Principal, level: AccessLevel, action: string): void {
  if (!mayAccess(principal, level)) {
    throw new PermissionDeniedError(`${action} needs the ${NEEDED[level]} role or higher; user '${principal.user}' has the ${principal.role} role`);
  }
}

/**
 * Deleting (or restoring) something: admins may touch anything, writers only what they created,
 * readers nothing. @throws PermissionDeniedError
 */
export function assertMayDelete(principal: Principal, resource: { createdBy: string }, action: string): void {
  assertAccess(principal, 'write', action);
  if (principal.role === 'admin' || resource.createdBy === principal.user) return;
  throw new PermissionDeniedError(
    `${action}: user '${principal.user}' (${principal.role}) may only do this to what they created; this was created by '${resource.createdBy}'`,
  );
}

/**
 * Who created something: the authenticated user, whatever the request claims; with authentication
 * off, the claim (else undefined, for the record's own default), as before authentication existed.
 */
export function creatorOf(principal: Principal, claimed: string | undefined): string | undefined {
  return principal.anonymous ? claimed : principal.user;
}

/**
 * Removing or demoting the only admin would leave nobody to manage users over the API (the CLI
 * still could): refused. @throws ConflictError
 */
export function assertNotLastAdmin(users: readonly User[], name: string, nextRole?: Role): void {
  const admins = users.filter((u) => u.role === 'admin');
  if (admins.length === 1 && admins[0]?.name === name && nextRole !== 'admin') {
    throw new ConflictError(`'${name}' is the only admin; make another user admin first`);
  }
}
