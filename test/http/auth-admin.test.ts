import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aUser, bearer } from '../support/access.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { expectStatus } from './api.js';

describe('the admin API', () => {
  let server: TestServer;
  let admin: { authorization: string };
  beforeEach(async () => {
    server = await aServer({ auth: 'token' });
    admin = bearer(await aUser(server, 'root', 'admin'));
  });
  afterEach(async () => {
    await server.close();
  });
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = admin): Promise<LightMyRequestResponse> =>
    server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('adds users (201), lists them by name, and refuses a taken name (409) or a bad role (400 naming the field)', async () => {
    expect(expectStatus(await send('POST', '/api/admin/users', { name: ' ada ', role: 'writer' }), 201)).toEqual({
      name: 'ada',
      role: 'writer',
      createdAt: '2026-01-15T10:00:00.000Z',
    });
    expectStatus(await send('POST', '/api/admin/users', { name: 'ada', role: 'reader' }), 409);
    const bad = expectStatus(await send('POST', '/api/admin/users', { name: 'bob', role: 'owner' }), 400);
    expect(bad.errors).toEqual([{ path: '/role', message: 'must be one of admin, writer, reader' }]);
    expectStatus(await send('POST', '/api/admin/users', { name: '', role: 'reader' }), 400);
    const { users } = expectStatus(await send('GET', '/api/admin/users'), 200);
    expect(users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(['ada:writer', 'root:admin']);
  });

  it('changes a role (200), never demotes the only admin (409), 404 for an unknown user', async () => {
    await send('POST', '/api/admin/users', { name: 'ada', role: 'reader' });
    expect(expectStatus(await send('PATCH', '/api/admin/users/ada', { role: 'admin' }), 200).role).toBe('admin');
    expectStatus(await send('PATCH', '/api/admin/users/ada', { role: 'reader' }), 200);
    const conflict = expectStatus(await send('PATCH', '/api/admin/users/root', { role: 'writer' }), 409);
    expect(conflict.detail).toContain('only admin');
    expectStatus(await send('PATCH', '/api/admin/users/nobody', { role: 'reader' }), 404);
    expectStatus(await send('DELETE', '/api/admin/users/root'), 409);
    expectStatus(await send('DELETE', '/api/admin/users/nobody'), 404);
  });

  it('creates a token shown once (201), lists tokens without secrets or hashes, revokes (204)', async () => {
    await send('POST', '/api/admin/users', { name: 'ada', role: 'reader' });
    const created = expectStatus(await send('POST', '/api/admin/users/ada/tokens', { label: 'laptop' }), 201);
    expect(created).toEqual({ id: expect.any(String), user: 'ada', label: 'laptop', createdAt: '2026-01-15T10:00:00.000Z', token: expect.stringMatching(/^fth_/) });
    expect(created.token).toContain(created.id);
    expectStatus(await send('GET', '/api/auth/me', undefined, bearer(created.token)), 200);
    // A second later, so the list's order (oldest first) is not left to the ids.
    server.clock.advance(1000);
    const bare = expectStatus(await send('POST', '/api/admin/users/ada/tokens'), 201);
    expect(bare).not.toHaveProperty('label');

    const listing = await send('GET', '/api/admin/tokens?user=ada');
    const { tokens } = expectStatus(listing, 200);
    expect(tokens.map((t: { id: string }) => t.id)).toEqual([created.id, bare.id]);
    expect(tokens[0]).toEqual({ id: created.id, user: 'ada', label: 'laptop', createdAt: '2026-01-15T10:00:00.000Z', lastUsedAt: '2026-01-15T10:00:00.000Z' });
    expect(listing.body).not.toContain(created.token.slice(17));
    expect(listing.body).not.toMatch(/secret|hash|[0-9a-f]{64}/i);
    expect(expectStatus(await send('GET', '/api/admin/tokens'), 200).tokens).toHaveLength(3);

    expectStatus(await send('DELETE', `/api/admin/tokens/${created.id}`), 204);
    expectStatus(await send('GET', '/api/auth/me', undefined, bearer(created.token)), 401);
    expect(expectStatus(await send('GET', '/api/admin/tokens?user=ada'), 200).tokens[0].revokedAt).toBe('2026-01-15T10:00:01.000Z');
    expectStatus(await send('DELETE', '/api/admin/tokens/unknown'), 404);
    expectStatus(await send('POST', '/api/admin/users/nobody/tokens', {}), 404);
    expectStatus(await send('POST', '/api/admin/users/ada/tokens', { label: 'x', extra: 1 }), 400);
  });

  it('removes a user with their tokens (204)', async () => {
    const token = await aUser(server, 'ada', 'writer');
    expectStatus(await send('DELETE', '/api/admin/users/ada'), 204);
    expectStatus(await send('GET', '/api/auth/me', undefined, bearer(token)), 401);
    expect(expectStatus(await send('GET', '/api/admin/tokens?user=ada'), 200).tokens).toEqual([]);
  });

  it('is documented in the OpenAPI document', async () => {
    const { paths } = expectStatus(await send('GET', '/openapi.json'), 200);
    for (const path of ['/api/auth/me', '/api/admin/users', '/api/admin/users/{name}', '/api/admin/users/{name}/tokens', '/api/admin/tokens', '/api/admin/tokens/{id}']) {
      expect(Object.keys(paths)).toContain(path);
    }
  });

  it('tells API clients how to authenticate: Bearer or Basic on the API, nothing on the public routes', async () => {
    const document = expectStatus(await send('GET', '/openapi.json'), 200);
    expect(document.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } });
    expect(document.security).toEqual([{ bearer: [] }, { basic: [] }]);
    expect(document.paths['/api/experiments'].get.security).toBeUndefined();
    expect(document.paths['/healthz'].get.security).toEqual([]);
  });
});
