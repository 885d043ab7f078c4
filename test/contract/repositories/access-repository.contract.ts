import { expect, it } from 'vitest';
import type { ApiToken, User } from '../../../src/domain/access.js';
import { AlreadyExistsError, NotFoundError } from '../../../src/domain/errors.js';
import { type RepositoryStore, T0, uniqueId } from './support.js';

function aUser(overrides: Partial<User> = {}): User {
  return { name: uniqueId('user-'), role: 'writer', createdAt: T0, ...overrides };
}

function aToken(userName: string, overrides: Partial<ApiToken> = {}): ApiToken {
  return { id: uniqueId('tok'), userName, secretHash: 'ab'.repeat(32), createdAt: T0, ...overrides };
}

/** The AccessRepository port's contract: users, and tokens that never outlive their user. */
export function accessContract(store: () => RepositoryStore): void {
  it('adds users and lists them by name in code point order; a name is taken once', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'zoë', role: 'reader' }));
    await access.addUser(aUser({ name: 'Zed', role: 'admin', createdAt: T0 + 5 }));
    await access.addUser(aUser({ name: 'ada' }));
    await expect(access.addUser(aUser({ name: 'ada', role: 'admin' }))).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await access.listUsers()).toEqual([
      { name: 'Zed', role: 'admin', createdAt: T0 + 5 },
      { name: 'ada', role: 'writer', createdAt: T0 },
      { name: 'zoë', role: 'reader', createdAt: T0 },
    ]);
  });

  it('changes a role; an unknown user is NotFoundError', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'ada' }));
    expect(await access.changeRole('ada', 'admin')).toEqual({ name: 'ada', role: 'admin', createdAt: T0 });
    expect((await access.listUsers())[0]?.role).toBe('admin');
    await expect(access.changeRole('nobody', 'reader')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps a token record exactly as given and finds it by id with its user', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'ada', role: 'reader' }));
    const full = aToken('ada', { label: 'laptop', revokedAt: T0 + 10, lastUsedAt: T0 + 5 });
    const bare = aToken('ada', { createdAt: T0 + 1 });
    await access.addToken(full);
    await access.addToken(bare);
    expect(await access.findToken(full.id)).toEqual({ token: full, user: { name: 'ada', role: 'reader', createdAt: T0 } });
    const found = await access.findToken(bare.id);
    expect(found?.token).toEqual(bare);
    expect(found?.token).not.toHaveProperty('label');
    expect(found?.token).not.toHaveProperty('revokedAt');
    expect(await access.findToken('unknown')).toBeUndefined();
    expect(await access.findToken('bad\u0000id')).toBeUndefined();
  });

  it('refuses a token of an unknown user or with a taken id', async () => {
    const access = store().access;
    await expect(access.addToken(aToken('nobody'))).rejects.toBeInstanceOf(NotFoundError);
    await access.addUser(aUser({ name: 'ada' }));
    const token = aToken('ada');
    await access.addToken(token);
    await expect(access.addToken({ ...token, secretHash: 'cd'.repeat(32) })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await access.findToken(token.id))?.token.secretHash).toBe('ab'.repeat(32));
  });

  it('lists tokens oldest first, all or one user’s', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'ada' }));
    await access.addUser(aUser({ name: 'bob' }));
    const late = aToken('ada', { id: 'tok-a', createdAt: T0 + 2 });
    const early = aToken('bob', { id: 'tok-b', createdAt: T0 });
    const tie = aToken('ada', { id: 'tok-c', createdAt: T0 });
    for (const token of [late, early, tie]) await access.addToken(token);
    expect((await access.listTokens()).map((t) => t.id)).toEqual(['tok-b', 'tok-c', 'tok-a']);
    expect((await access.listTokens('ada')).map((t) => t.id)).toEqual(['tok-c', 'tok-a']);
    expect(await access.listTokens('nobody')).toEqual([]);
  });

  it('revokes once: revoking again keeps the first time; an unknown id is NotFoundError', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'ada' }));
    const token = aToken('ada');
    await access.addToken(token);
    expect((await access.revokeToken(token.id, T0 + 100)).revokedAt).toBe(T0 + 100);
    expect((await access.revokeToken(token.id, T0 + 200)).revokedAt).toBe(T0 + 100);
    expect((await access.findToken(token.id))?.token.revokedAt).toBe(T0 + 100);
    await expect(access.revokeToken('unknown', T0)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('records the last use, never moving it backwards; an unknown id is ignored', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'ada' }));
    const token = aToken('ada');
    await access.addToken(token);
    await access.touchToken(token.id, T0 + 60_000);
    await access.touchToken(token.id, T0 + 1);
    await access.touchToken('unknown', T0);
    expect((await access.findToken(token.id))?.token.lastUsedAt).toBe(T0 + 60_000);
  });

  it('removes a user with every token of theirs, and a new user of that name gets none back', async () => {
    const access = store().access;
    await access.addUser(aUser({ name: 'ada' }));
    await access.addUser(aUser({ name: 'bob' }));
    const adas = aToken('ada');
    const bobs = aToken('bob');
    await access.addToken(adas);
    await access.addToken(bobs);
    await access.removeUser('ada');
    expect((await access.listUsers()).map((u) => u.name)).toEqual(['bob']);
    expect(await access.findToken(adas.id)).toBeUndefined();
    expect((await access.listTokens()).map((t) => t.id)).toEqual([bobs.id]);
    await access.addUser(aUser({ name: 'ada' }));
    expect(await access.listTokens('ada')).toEqual([]);
    await expect(access.removeUser('ada-nobody')).rejects.toBeInstanceOf(NotFoundError);
  });
}
