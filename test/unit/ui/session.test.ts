import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** sessionStorage as the browser has it, for the UI's session module running in Node. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** A fresh copy of the module (it reads the storage once, when loaded), over `storage`. */
async function loadSession(storage: MemoryStorage | undefined) {
  vi.resetModules();
  vi.stubGlobal('sessionStorage', storage);
  return import('../../../src/adapters/http/ui/web/session.js');
}

describe('the UI session', () => {
  let storage: MemoryStorage;
  beforeEach(() => {
    storage = new MemoryStorage();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('starts signed out without asking for a sign-in (a server with FATHOM_AUTH=none never asks)', async () => {
    const { session, canWrite } = await loadSession(storage);
    expect(session()).toEqual({ signInNeeded: false });
    expect(canWrite()).toBe(true);
  });

  it('keeps a signed-in token for the tab: a reload (a fresh module over the same storage) is still signed in', async () => {
    const first = await loadSession(storage);
    const changes: unknown[] = [];
    first.onSessionChange(() => changes.push(first.session()));
    first.signIn('fth_abc_secret', { user: 'ada', role: 'reader', auth: 'token' });
    expect(changes).toHaveLength(1);
    expect(first.canWrite()).toBe(false);
    const reloaded = await loadSession(storage);
    expect(reloaded.session()).toEqual({ token: 'fth_abc_secret', identity: { user: 'ada', role: 'reader', auth: 'token' }, signInNeeded: false });
  });

  it('forgets a refused token and says why; a refusal without a token only asks for a sign-in', async () => {
    const { session, signIn, unauthenticated } = await loadSession(storage);
    unauthenticated('no credentials');
    expect(session()).toEqual({ signInNeeded: true });
    signIn('fth_abc_secret', { user: 'ada', role: 'writer', auth: 'token' });
    unauthenticated('the token fth_abc is revoked');
    expect(session()).toEqual({ signInNeeded: true, reason: 'the token fth_abc is revoked' });
    expect(storage.items.size).toBe(0);
  });

  it('signs out at once, and stops telling a listener that stopped listening', async () => {
    const { session, signIn, signOut, onSessionChange } = await loadSession(storage);
    const heard = vi.fn();
    const stop = onSessionChange(heard);
    signIn('fth_abc_secret', { user: 'ada', role: 'admin', auth: 'token' });
    stop();
    signOut();
    expect(heard).toHaveBeenCalledTimes(1);
    expect(session()).toEqual({ signInNeeded: true });
    expect(storage.items.size).toBe(0);
  });

  it('works in memory where storage is off (privacy settings), and starts signed out over a damaged stored identity', async () => {
    const off = await loadSession(undefined);
    off.signIn('fth_abc_secret', { user: 'ada', role: 'writer', auth: 'token' });
    expect(off.session().token).toBe('fth_abc_secret');
    storage.setItem('fathom.token', 'fth_abc_secret');
    storage.setItem('fathom.identity', '{not json');
    const damaged = await loadSession(storage);
    // No token is sent then, so the server's first 401 brings the sign-in form back.
    expect(damaged.session()).toEqual({ signInNeeded: false });
  });
});
