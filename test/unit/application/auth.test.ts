import { describe, expect, it } from 'vitest';
import type { AccessRepository } from '../../../src/application/ports/access-repository.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { AddUser } from '../../../src/application/use-cases/access/add-user.js';
import { Authenticate } from '../../../src/application/use-cases/access/authenticate.js';
import { ChangeUserRole } from '../../../src/application/use-cases/access/change-user-role.js';
import { CreateToken } from '../../../src/application/use-cases/access/create-token.js';
import { ListTokens } from '../../../src/application/use-cases/access/list-tokens.js';
import { ListUsers } from '../../../src/application/use-cases/access/list-users.js';
import { RemoveUser } from '../../../src/application/use-cases/access/remove-user.js';
import { RevokeToken } from '../../../src/application/use-cases/access/revoke-token.js';
import type { Principal } from '../../../src/domain/access.js';
import { AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError, PermissionDeniedError, UnauthenticatedError } from '../../../src/domain/errors.js';
import { rejectionOf, useFathom } from './support.js';

const fathom = useFathom();
const ADMIN: Principal = { user: 'root', role: 'admin' };
const START = Date.parse('2026-01-15T10:00:00.000Z');

async function givenUser(name: string, role: 'admin' | 'writer' | 'reader'): Promise<string> {
  await fathom().use(AddUser).execute({ name, role }, ADMIN);
  return (await fathom().use(CreateToken).execute(name, {}, ADMIN)).token;
}

describe('users', () => {
  it('adds a user with a trimmed name and a role, and lists users by name', async () => {
    expect(await fathom().use(AddUser).execute({ name: '  zoë ', role: 'reader' }, ADMIN)).toEqual({ name: 'zoë', role: 'reader', createdAt: START });
    await fathom().use(AddUser).execute({ name: 'ada', role: 'admin' }, ADMIN);
    expect((await fathom().use(ListUsers).execute(ADMIN)).map((u) => [u.name, u.role])).toEqual([
      ['ada', 'admin'],
      ['zoë', 'reader'],
    ]);
  });

  it('refuses a bad name and a bad role together, and a taken name', async () => {
    const error = await rejectionOf(fathom().use(AddUser).execute({ name: ' ', role: 'owner' }, ADMIN), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/name', '/role']);
    expect(error.issues[1]?.message).toBe('must be one of admin, writer, reader');
    await rejectionOf(fathom().use(AddUser).execute({ name: 'tab\there', role: 'reader' }, ADMIN), InvalidArgumentError);
    // Basic authentication (MLflow's user name and password) ends the user name at the first colon.
    const colon = await rejectionOf(fathom().use(AddUser).execute({ name: 'team:ci', role: 'writer' }, ADMIN), InvalidArgumentError);
    expect(colon.issues).toEqual([{ path: '/name', message: expect.stringContaining("must not contain ':'") }]);
    await fathom().use(AddUser).execute({ name: 'ada', role: 'reader' }, ADMIN);
    await rejectionOf(fathom().use(AddUser).execute({ name: 'ada', role: 'writer' }, ADMIN), AlreadyExistsError);
  });

  it('lets only admins manage users and tokens', async () => {
    const writer: Principal = { user: 'w', role: 'writer' };
    const error = await rejectionOf(fathom().use(AddUser).execute({ name: 'x', role: 'admin' }, writer), PermissionDeniedError);
    expect(error.message).toBe("adding a user needs the admin role or higher; user 'w' has the writer role");
    await rejectionOf(fathom().use(ListUsers).execute(writer), PermissionDeniedError);
    await rejectionOf(fathom().use(ListTokens).execute(undefined, { user: 'r', role: 'reader' }), PermissionDeniedError);
    await rejectionOf(fathom().use(CreateToken).execute('x', {}, writer), PermissionDeniedError);
    await rejectionOf(fathom().use(RevokeToken).execute('x', writer), PermissionDeniedError);
    await rejectionOf(fathom().use(RemoveUser).execute('x', writer), PermissionDeniedError);
    await rejectionOf(fathom().use(ChangeUserRole).execute('x', 'admin', writer), PermissionDeniedError);
    expect(await fathom().use(ListUsers).execute(ADMIN)).toEqual([]);
  });

  it('changes a role, which the next authentication sees', async () => {
    const token = await givenUser('ada', 'reader');
    await givenUser('root', 'admin');
    expect((await fathom().use(ChangeUserRole).execute('ada', 'writer', ADMIN)).role).toBe('writer');
    expect(await fathom().use(Authenticate).execute({ kind: 'bearer', token })).toEqual({ user: 'ada', role: 'writer' });
    await rejectionOf(fathom().use(ChangeUserRole).execute('ada', 'boss', ADMIN), InvalidArgumentError);
    await rejectionOf(fathom().use(ChangeUserRole).execute('nobody', 'reader', ADMIN), NotFoundError);
  });

  it('never demotes or removes the only admin', async () => {
    await givenUser('root', 'admin');
    expect((await rejectionOf(fathom().use(ChangeUserRole).execute('root', 'writer', ADMIN), ConflictError)).message).toContain('only admin');
    await rejectionOf(fathom().use(RemoveUser).execute('root', ADMIN), ConflictError);
    await givenUser('second', 'admin');
    await fathom().use(RemoveUser).execute('root', ADMIN);
    expect((await fathom().use(ListUsers).execute(ADMIN)).map((u) => u.name)).toEqual(['second']);
  });

  it('removing a user removes their tokens, which stop working at once', async () => {
    const token = await givenUser('ada', 'writer');
    await fathom().use(RemoveUser).execute('ada', ADMIN);
    expect(await fathom().use(ListTokens).execute(undefined, ADMIN)).toEqual([]);
    await rejectionOf(fathom().use(Authenticate).execute({ kind: 'bearer', token }), UnauthenticatedError);
    await rejectionOf(fathom().use(RemoveUser).execute('ada', ADMIN), NotFoundError);
  });
});

describe('tokens', () => {
  it('are shown once as fth_<id>_<secret>; only the SHA-256 of the secret is stored', async () => {
    await fathom().use(AddUser).execute({ name: 'ada', role: 'writer' }, ADMIN);
    const created = await fathom().use(CreateToken).execute('ada', { label: ' laptop ' }, ADMIN);
    const match = /^fth_([A-Za-z0-9-]{12})_([A-Za-z0-9_-]{43})$/.exec(created.token);
    expect(match).not.toBeNull();
    const [, id, secret] = match as RegExpExecArray;
    expect(created.record).toEqual({ id, userName: 'ada', label: 'laptop', secretHash: expect.stringMatching(/^[0-9a-f]{64}$/), createdAt: START });
    const stored = await fathom().use<AccessRepository>(TOKENS.Access).findToken(id as string);
    expect(JSON.stringify(stored)).not.toContain(secret as string);
    const { createHash } = await import('node:crypto');
    expect(stored?.token.secretHash).toBe(createHash('sha256').update(secret as string).digest('hex'));
    expect(await fathom().use(ListTokens).execute('ada', ADMIN)).toEqual([created.record]);
  });

  it('two tokens never share an id or a secret', async () => {
    await fathom().use(AddUser).execute({ name: 'ada', role: 'writer' }, ADMIN);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => fathom().use(CreateToken).execute('ada', {}, ADMIN)));
    expect(new Set(tokens.map((t) => t.record.id)).size).toBe(20);
    expect(new Set(tokens.map((t) => t.token.split('_')[2])).size).toBe(20);
  });

  it('refuses a token for an unknown user and a label that is too long', async () => {
    await rejectionOf(fathom().use(CreateToken).execute('nobody', {}, ADMIN), NotFoundError);
    await fathom().use(AddUser).execute({ name: 'ada', role: 'writer' }, ADMIN);
    const error = await rejectionOf(fathom().use(CreateToken).execute('ada', { label: 'x'.repeat(257) }, ADMIN), InvalidArgumentError);
    expect(error.issues[0]?.path).toBe('/label');
  });

  it('a revoked token fails from then on; revoking again keeps the first time', async () => {
    const token = await givenUser('ada', 'writer');
    const [record] = await fathom().use(ListTokens).execute('ada', ADMIN);
    fathom().clock.advance(1000);
    expect((await fathom().use(RevokeToken).execute(record?.id as string, ADMIN)).revokedAt).toBe(START + 1000);
    fathom().clock.advance(1000);
    expect((await fathom().use(RevokeToken).execute(record?.id as string, ADMIN)).revokedAt).toBe(START + 1000);
    expect((await rejectionOf(fathom().use(Authenticate).execute({ kind: 'bearer', token }), UnauthenticatedError)).message).toBe('the token was revoked');
    await rejectionOf(fathom().use(RevokeToken).execute('unknown', ADMIN), NotFoundError);
  });
});

describe('Authenticate', () => {
  it('proves the token’s user and role, by Bearer or by Basic with the same user', async () => {
    const token = await givenUser('ada', 'reader');
    expect(await fathom().use(Authenticate).execute({ kind: 'bearer', token })).toEqual({ user: 'ada', role: 'reader' });
    expect(await fathom().use(Authenticate).execute({ kind: 'basic', user: 'ada', token })).toEqual({ user: 'ada', role: 'reader' });
    const error = await rejectionOf(fathom().use(Authenticate).execute({ kind: 'basic', user: 'bob', token }), UnauthenticatedError);
    expect(error.message).not.toContain(token);
  });

  it('refuses what is not a token, an unknown id, and a wrong secret, never echoing the credential', async () => {
    const token = await givenUser('ada', 'reader');
    const wrongSecret = `${token.slice(0, -4)}AAAA`;
    const unknownId = `fth_AAAAAAAAAAAA_${token.split('_')[2] ?? ''}`;
    for (const bad of ['nonsense', 'fth_!', 'fth_short_x', wrongSecret, unknownId]) {
      const error = await rejectionOf(fathom().use(Authenticate).execute({ kind: 'bearer', token: bad }), UnauthenticatedError);
      expect(error.message).not.toContain(bad);
    }
  });

  it('records the last use at most once a minute', async () => {
    const token = await givenUser('ada', 'reader');
    const access = fathom().use<AccessRepository>(TOKENS.Access);
    const id = token.split('_')[1] as string;
    await fathom().use(Authenticate).execute({ kind: 'bearer', token });
    expect((await access.findToken(id))?.token.lastUsedAt).toBe(START);
    fathom().clock.advance(59_999);
    await fathom().use(Authenticate).execute({ kind: 'bearer', token });
    expect((await access.findToken(id))?.token.lastUsedAt).toBe(START);
    fathom().clock.advance(1);
    await fathom().use(Authenticate).execute({ kind: 'bearer', token });
    expect((await access.findToken(id))?.token.lastUsedAt).toBe(START + 60_000);
  });
});
