/**
 * Who the UI speaks as. With FATHOM_AUTH=token the server wants a token on every API request: the
 * sign-in form checks one against `GET /api/auth/me` and keeps it in sessionStorage, so it lives
 * as long as the tab (a reload keeps it, a closed tab forgets it) and no other site can read it.
 * With FATHOM_AUTH=none nothing is ever stored and no sign-in is asked for.
 */

export type Role = 'admin' | 'writer' | 'reader';

export interface Identity {
  user: string;
  role: Role;
  auth: 'none' | 'token';
}

export interface Session {
  /** The token sent as `Authorization: Bearer`, when signed in. */
  token?: string;
  identity?: Identity;
  /** The server refused the request for want of (valid) credentials: the shell shows the sign-in form. */
  signInNeeded: boolean;
  /** Why the last token stopped working (revoked, expired), for the sign-in form to say. */
  reason?: string;
}

const TOKEN_KEY = 'fathom.token';
const IDENTITY_KEY = 'fathom.identity';
/** Tells listeners (use-session.ts) about changes. Not `window`: api.ts, which reads the session, also runs in Node's unit tests. */
const changes = new EventTarget();

/** What this module needs of sessionStorage, looked up on globalThis for the same reason. */
interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function storage(): KeyValueStorage | undefined {
  return (globalThis as { sessionStorage?: KeyValueStorage }).sessionStorage;
}

let current: Session = load();

function load(): Session {
  const token = read(TOKEN_KEY);
  const identity = parseIdentity(read(IDENTITY_KEY));
  // Both or neither: a token without its identity would be a session with no name and no Sign out.
  return { ...(token && identity ? { token, identity } : {}), signInNeeded: false };
}

/** sessionStorage throws where storage is off (some privacy settings): then the session lives in memory only. */
function read(key: string): string | undefined {
  try {
    return storage()?.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: string | undefined): void {
  try {
    if (value === undefined) storage()?.removeItem(key);
    else storage()?.setItem(key, value);
  } catch {
    // In memory only (see read).
  }
}

function parseIdentity(text: string | undefined): Identity | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Identity>;
    return typeof value.user === 'string' && typeof value.role === 'string' ? (value as Identity) : undefined;
  } catch {
    return undefined;
  }
}

function set(next: Session): void {
  current = next;
  changes.dispatchEvent(new Event('change'));
}

/** Calls `listener` after every change; returns the way to stop. */
export function onSessionChange(listener: () => void): () => void {
  changes.addEventListener('change', listener);
  return () => changes.removeEventListener('change', listener);
}

export function session(): Session {
  return current;
}

/** Keeps a token the server accepted, and who it belongs to. */
export function signIn(token: string, identity: Identity): void {
  write(TOKEN_KEY, token);
  write(IDENTITY_KEY, JSON.stringify(identity));
  set({ token, identity, signInNeeded: false });
}

export function signOut(): void {
  write(TOKEN_KEY, undefined);
  write(IDENTITY_KEY, undefined);
  set({ signInNeeded: true });
}

/**
 * A 401 from the API: the token (if any) is no longer good — revoked, or its user removed — so it
 * is forgotten, and the shell asks for another.
 */
export function unauthenticated(detail: string): void {
  if (current.signInNeeded && !current.token) return;
  write(TOKEN_KEY, undefined);
  write(IDENTITY_KEY, undefined);
  set({ signInNeeded: true, ...(current.token ? { reason: detail } : {}) });
}

/**
 * Whether the person may change things: readers may not, so the UI hides what would only be
 * refused (a writer may still be refused deleting what someone else created: the server says so).
 */
export function canWrite(value: Session = current): boolean {
  return value.identity?.role !== 'reader';
}
