import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basic, bearer, aUser } from '../support/access.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { expectStatus, type Json } from './api.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

function useServer(auth: 'none' | 'token'): () => TestServer {
  let server: TestServer | undefined;
  beforeEach(async () => {
    server = await aServer({ auth });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return () => server as TestServer;
}

function send(server: TestServer, method: Method, url: string, headers: Record<string, string> = {}, payload?: unknown): Promise<LightMyRequestResponse> {
  return server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
}

function expectUnauthenticated(response: LightMyRequestResponse, detail: string): Json {
  const problem = expectStatus(response, 401);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['www-authenticate']).toBe('Bearer realm="fathom"');
  expect(problem).toEqual({ type: 'urn:fathom:problem:unauthenticated', title: 'Unauthenticated', status: 401, detail: expect.stringContaining(detail), code: 'UNAUTHENTICATED' });
  return problem;
}

describe('FATHOM_AUTH=none (the default) is unchanged', () => {
  const server = useServer('none');

  it('serves everything without credentials, to the anonymous admin', async () => {
    const created = expectStatus(await send(server(), 'POST', '/api/experiments', {}, { name: 'e', createdBy: 'ada' }), 201);
    expect(created.createdBy).toBe('ada');
    expect(expectStatus(await send(server(), 'GET', '/api/auth/me'), 200)).toEqual({ user: 'anonymous', role: 'admin', auth: 'none' });
    expectStatus(await send(server(), 'DELETE', `/api/experiments/${created.id}`), 204);
    const deleted = expectStatus(await send(server(), 'GET', `/api/experiments/${created.id}`), 200);
    expect(deleted).toMatchObject({ lifecycleStage: 'deleted', deletedBy: 'anonymous' });
  });

  it('ignores any Authorization header', async () => {
    expectStatus(await send(server(), 'GET', '/api/experiments', { authorization: 'Bearer nonsense' }), 200);
  });
});

describe('FATHOM_AUTH=token', () => {
  const server = useServer('token');

  describe('authentication', () => {
    it('401 without credentials, naming what is missing, on reads and writes', async () => {
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments'), 'no credentials');
      expectUnauthenticated(await send(server(), 'POST', '/api/experiments', {}, { name: 'x' }), 'no credentials');
      expectUnauthenticated(await send(server(), 'GET', '/api/auth/me'), 'no credentials');
      expectStatus(await send(server(), 'GET', '/api/experiments', bearer(await aUser(server(), 'root', 'admin'))), 200);
      // Nothing was created by the refused request.
      const listed = expectStatus(await send(server(), 'GET', '/api/experiments?name=x', bearer(await aUser(server(), 'r', 'reader'))), 200);
      expect(listed.experiments).toEqual([]);
    });

    it('401 for a malformed header, an unknown token and a wrong secret, never echoing the token', async () => {
      const token = await aUser(server(), 'ada', 'reader');
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments', { authorization: 'Token abc' }), 'malformed');
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments', { authorization: 'Bearer' }), 'malformed');
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments', { authorization: 'Basic !!!' }), 'malformed');
      const wrong = `${token.slice(0, -3)}xyz`;
      const problem = expectUnauthenticated(await send(server(), 'GET', '/api/experiments', bearer(wrong)), 'unknown');
      // fth_ + a 12-character id + _ : the rest is the secret.
      expect(JSON.stringify(problem)).not.toContain(wrong.slice(17));
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments', bearer('not-a-token')), 'not a Fathom API token');
    });

    it('a revoked token and a removed user’s token get 401 on the next request', async () => {
      const admin = bearer(await aUser(server(), 'root', 'admin'));
      const token = await aUser(server(), 'ada', 'reader');
      expectStatus(await send(server(), 'GET', '/api/experiments', bearer(token)), 200);
      const id = token.split('_')[1] as string;
      expectStatus(await send(server(), 'DELETE', `/api/admin/tokens/${id}`, admin), 204);
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments', bearer(token)), 'revoked');
      const bobs = await aUser(server(), 'bob', 'writer');
      expectStatus(await send(server(), 'DELETE', '/api/admin/users/bob', admin), 204);
      expectUnauthenticated(await send(server(), 'GET', '/api/experiments', bearer(bobs)), 'unknown');
    });

    it('accepts Basic with the token as password when the user name is the token’s', async () => {
      const token = await aUser(server(), 'ada', 'reader');
      expect(expectStatus(await send(server(), 'GET', '/api/auth/me', basic('ada', token)), 200)).toEqual({ user: 'ada', role: 'reader', auth: 'token' });
      expectUnauthenticated(await send(server(), 'GET', '/api/auth/me', basic('bob', token)), 'does not match');
    });

    it('/api/auth/me says who the token proves', async () => {
      const token = await aUser(server(), 'ada', 'writer');
      expect(expectStatus(await send(server(), 'GET', '/api/auth/me', bearer(token)), 200)).toEqual({ user: 'ada', role: 'writer', auth: 'token' });
    });

    it('leaves health, docs, the OpenAPI document and the UI page public, and unknown URLs 404', async () => {
      for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/json']) expectStatus(await send(server(), 'GET', url), 200);
      expect((await send(server(), 'GET', '/')).statusCode).not.toBe(401);
      expect((await send(server(), 'GET', '/docs')).statusCode).toBeLessThan(400);
      expectStatus(await send(server(), 'GET', '/no/such/page'), 404);
    });
  });

  describe('roles', () => {
    it('readers read (POST searches included) but may not write: 403 naming the action and the role', async () => {
      const writer = bearer(await aUser(server(), 'wes', 'writer'));
      const reader = bearer(await aUser(server(), 'rita', 'reader'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', writer, { name: 'e' }), 201);
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, writer, {}), 201);
      expectStatus(await send(server(), 'GET', `/api/experiments/${experiment.id}`, reader), 200);
      expectStatus(await send(server(), 'POST', '/api/runs/search', reader, { experimentIds: [experiment.id] }), 200);
      expectStatus(await send(server(), 'POST', '/api/runs/compare', reader, { runIds: [run.id] }), 200);
      expectStatus(await send(server(), 'POST', '/api/metrics/series', reader, { runIds: [run.id], keys: ['loss'] }), 200);
      const refused = expectStatus(await send(server(), 'POST', `/api/runs/${run.id}/metrics`, reader, { metrics: [{ key: 'loss', value: 1 }] }), 403);
      expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', title: 'Permission denied', status: 403 });
      expect(refused.detail).toBe("POST /api/runs/:id/metrics needs the writer role or higher; user 'rita' has the reader role");
      expectStatus(await send(server(), 'POST', '/api/experiments', reader, { name: 'mine' }), 403);
      expectStatus(await send(server(), 'GET', '/api/admin/users', reader), 403);
      expect(expectStatus(await send(server(), 'GET', `/api/runs/${run.id}/metrics`, writer), 200)).toEqual({ metrics: [] });
    });

    it('writers create and log; the admin API is admins’ only', async () => {
      const writer = bearer(await aUser(server(), 'wes', 'writer'));
      const admin = bearer(await aUser(server(), 'root', 'admin'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', writer, { name: 'e' }), 201);
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, writer, {}), 201);
      expectStatus(await send(server(), 'POST', `/api/runs/${run.id}/metrics`, writer, { metrics: [{ key: 'loss', value: 1 }] }), 201);
      const denied = expectStatus(await send(server(), 'GET', '/api/admin/users', writer), 403);
      expect(denied.detail).toContain('needs the admin role');
      expectStatus(await send(server(), 'GET', '/api/admin/users', admin), 200);
    });

    it('createdBy is the token’s user whatever the body claims', async () => {
      const writer = bearer(await aUser(server(), 'wes', 'writer'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', writer, { name: 'e', createdBy: 'mallory' }), 201);
      expect(experiment.createdBy).toBe('wes');
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, writer, {}), 201);
      expect(expectStatus(await send(server(), 'GET', `/api/runs/${run.id}`, writer), 200).createdBy).toBe('wes');
    });
  });

  describe('deleting: writers their own, admins anyone’s', () => {
    it('a writer trashes and restores their own run and experiment; deletedBy is shown, then cleared', async () => {
      const writer = bearer(await aUser(server(), 'wes', 'writer'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', writer, { name: 'e' }), 201);
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, writer, {}), 201);
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}`, writer), 204);
      const trashed = expectStatus(await send(server(), 'GET', `/api/experiments/${experiment.id}`, writer), 200);
      expect(trashed).toMatchObject({ lifecycleStage: 'deleted', deletedBy: 'wes' });
      const restored = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/restore`, writer), 200);
      expect(restored.lifecycleStage).toBe('active');
      expect(restored).not.toHaveProperty('deletedBy');
      expectStatus(await send(server(), 'DELETE', `/api/runs/${run.id}`, writer), 204);
      expectStatus(await send(server(), 'GET', `/api/runs/${run.id}`, writer), 404);
    });

    it('another writer gets 403 and the data stays; an admin deletes anyone’s', async () => {
      const wes = bearer(await aUser(server(), 'wes', 'writer'));
      const wanda = bearer(await aUser(server(), 'wanda', 'writer'));
      const admin = bearer(await aUser(server(), 'root', 'admin'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', wes, { name: 'e' }), 201);
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, wes, {}), 201);
      const refused = expectStatus(await send(server(), 'DELETE', `/api/runs/${run.id}`, wanda), 403);
      expect(refused.detail).toContain("created by 'wes'");
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}`, wanda), 403);
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}?permanent=true`, wanda), 403);
      const kept = expectStatus(await send(server(), 'GET', `/api/experiments/${experiment.id}`, wanda), 200);
      expect(kept).toMatchObject({ lifecycleStage: 'active', runs: [{ id: run.id, lifecycleStage: 'active' }] });
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}`, admin), 204);
      expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/restore`, wanda), 403);
      expect(expectStatus(await send(server(), 'GET', `/api/experiments/${experiment.id}`, wes), 200).deletedBy).toBe('root');
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}?permanent=true`, admin), 204);
      expectStatus(await send(server(), 'GET', `/api/runs/${run.id}`, wes), 404);
    });

    it('a writer may not delete (soft or for good) or restore their experiment holding another’s run: 403, the run stays; an admin may', async () => {
      const wanda = bearer(await aUser(server(), 'wanda', 'writer'));
      const wes = bearer(await aUser(server(), 'wes', 'writer'));
      const admin = bearer(await aUser(server(), 'root', 'admin'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', wanda, { name: 'e' }), 201);
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, wes, {}), 201);
      expectStatus(await send(server(), 'POST', `/api/runs/${run.id}/metrics`, wes, { metrics: [{ key: 'loss', value: 0.5 }] }), 201);
      for (const url of [`/api/experiments/${experiment.id}?permanent=true`, `/api/experiments/${experiment.id}`]) {
        const refused = expectStatus(await send(server(), 'DELETE', url, wanda), 403);
        expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
        expect(refused.detail).toContain("it holds 1 run created by other users ('wes')");
      }
      expect(expectStatus(await send(server(), 'GET', `/api/runs/${run.id}`, wes), 200).lifecycleStage).toBe('active');
      expect(expectStatus(await send(server(), 'GET', `/api/runs/${run.id}/metrics`, wes), 200).metrics).toMatchObject([{ key: 'loss', last: { value: 0.5 } }]);
      expect(expectStatus(await send(server(), 'GET', `/api/experiments/${experiment.id}`, wanda), 200).lifecycleStage).toBe('active');
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}`, admin), 204);
      expect(expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/restore`, wanda), 403).detail).toContain("created by other users ('wes')");
      expectStatus(await send(server(), 'DELETE', `/api/experiments/${experiment.id}?permanent=true`, admin), 204);
      expectStatus(await send(server(), 'GET', `/api/runs/${run.id}`, wes), 404);
    });

    it('artifacts: a writer deletes those of their own runs only', async () => {
      const wes = bearer(await aUser(server(), 'wes', 'writer'));
      const wanda = bearer(await aUser(server(), 'wanda', 'writer'));
      const experiment = expectStatus(await send(server(), 'POST', '/api/experiments', wes, { name: 'e' }), 201);
      const run = expectStatus(await send(server(), 'POST', `/api/experiments/${experiment.id}/runs`, wes, {}), 201);
      const boundary = 'fathom-boundary';
      const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="model.bin"\r\nContent-Type: application/octet-stream\r\n\r\nbytes\r\n--${boundary}--\r\n`;
      const upload = await server().app.inject({
        method: 'POST',
        url: `/api/runs/${run.id}/artifacts`,
        headers: { ...wes, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      expectStatus(upload, 201);
      expectStatus(await send(server(), 'DELETE', `/api/runs/${run.id}/artifacts/model.bin`, wanda), 403);
      expect(expectStatus(await send(server(), 'GET', `/api/runs/${run.id}/artifacts`, wanda), 200).artifacts).toHaveLength(1);
      expectStatus(await send(server(), 'DELETE', `/api/runs/${run.id}/artifacts/model.bin`, wes), 204);
      expect(expectStatus(await send(server(), 'GET', `/api/runs/${run.id}/artifacts`, wes), 200).artifacts).toEqual([]);
    });
  });
});
