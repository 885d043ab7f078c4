import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import type { HttpLimits } from '../../src/adapters/http/limits/http-limits.js';
import { rateLimitKey } from '../../src/adapters/http/limits/rate-limit.js';
import { aUser } from '../support/access.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { expectProblem, expectStatus } from './api.js';

const REMOTE = '192.0.2.10';

describe('per-credential rate limit', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const start = async (limits: Partial<HttpLimits>): Promise<TestServer> => (server = await aServer({ limits }));
  const get = (s: TestServer, url: string, headers: Record<string, string> = {}, remoteAddress = REMOTE) =>
    s.app.inject({ method: 'GET', url, headers, remoteAddress });

  it('answers 429 problem+json with RateLimit-* and Retry-After once a credential used its share', async () => {
    const s = await start({ rateLimit: 3, rateLimitWindowMs: 60_000 });
    const alice = { authorization: 'Bearer fth_alice_secret' };
    const first = await get(s, '/api/experiments', alice);
    expectStatus(first, 200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' });
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expectStatus(await get(s, '/api/experiments', alice), 200);
    expectStatus(await get(s, '/api/experiments', alice), 200);

    const refused = await get(s, '/api/experiments', alice);
    const problem = expectProblem(refused, 429, 'RESOURCE_EXHAUSTED');
    expect(problem.title).toBe('Too many requests');
    expect(problem.detail).toMatch(/^more than 3 requests in 60 seconds with this credential \(FATHOM_RATE_LIMIT\); retry in /);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Another credential from the same address has its own share; so has a client without one.
    expectStatus(await get(s, '/api/experiments', { authorization: 'Bearer fth_bob_secret' }), 200);
    expectStatus(await get(s, '/api/experiments', {}, '192.0.2.99'), 200);
  });

  it('counts a client without credentials by its address, and a refused write stores nothing', async () => {
    const s = await start({ rateLimit: 1 });
    const create = (name: string) => s.app.inject({ method: 'POST', url: '/api/experiments', payload: { name }, remoteAddress: REMOTE });
    expectStatus(await create('first'), 201);
    const refused = expectProblem(await create('second'), 429, 'RESOURCE_EXHAUSTED');
    expect(refused.detail).toContain('no credential from this address');
    const list = await s.app.inject({ url: '/api/experiments' }); // from loopback: not counted
    expect(list.json<{ experiments: { name: string }[] }>().experiments.map((e) => e.name)).not.toContain('second');
  });

  it('counts one real token once however its header is spelt (FATHOM_AUTH=token): Bearer in any case or spacing, or Basic', async () => {
    server = await aServer({ auth: 'token', limits: { rateLimit: 3, rateLimitWindowMs: 60_000 } });
    const token = await aUser(server, 'ada', 'reader');
    const spellings = [`Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}`, `Basic ${Buffer.from(`ada:${token}`).toString('base64')}`];
    const answers = [];
    for (const authorization of spellings) answers.push((await get(server, '/api/experiments', { authorization })).statusCode);
    expect(answers).toEqual([200, 200, 200, 429]);
  });

  it("answers MLflow clients in MLflow's shape: RESOURCE_EXHAUSTED with Retry-After", async () => {
    const s = await start({ rateLimit: 1 });
    const token = { authorization: 'Bearer fth_ci_secret' };
    expect((await get(s, '/api/2.0/mlflow/experiments/search?max_results=10', token)).statusCode).toBe(200);
    const refused = await get(s, '/api/2.0/mlflow/experiments/search?max_results=10', token);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error_code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('FATHOM_RATE_LIMIT') });
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('never limits health checks or the UI, nor loopback clients without credentials (the laptop)', async () => {
    const s = await start({ rateLimit: 1 });
    for (let i = 0; i < 5; i++) {
      expectStatus(await get(s, '/healthz'), 200);
      expectStatus(await get(s, '/readyz'), 200);
      expect((await get(s, '/')).statusCode).toBe(503); // the UI, not built in these tests
      const laptop = await get(s, '/api/experiments', {}, '127.0.0.1');
      expectStatus(laptop, 200);
      expect(laptop.headers['ratelimit-limit']).toBeUndefined();
    }
    expect((await get(s, '/healthz')).headers['ratelimit-limit']).toBeUndefined();
    // A loopback client presenting a credential (behind a proxy on the same host, say) is counted.
    expectStatus(await get(s, '/api/experiments', { authorization: 'Bearer t' }, '127.0.0.1'), 200);
    expectProblem(await get(s, '/api/experiments', { authorization: 'Bearer t' }, '127.0.0.1'), 429, 'RESOURCE_EXHAUSTED');
  });

  it('is off at 0: no headers, no refusals', async () => {
    const s = await start({ rateLimit: 0 });
    for (let i = 0; i < 20; i++) {
      const response = await get(s, '/api/experiments', { authorization: 'Bearer t' });
      expectStatus(response, 200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('by default lets a credential log a point per request far faster than a training loop does', async () => {
    const s = await start({});
    const token = { authorization: 'Bearer fth_default' };
    const first = await get(s, '/api/experiments', token);
    expect(first.headers['ratelimit-limit']).toBe('300000');
    const responses = await Promise.all(Array.from({ length: 2000 }, () => get(s, '/healthz', token).then(() => get(s, '/api/experiments', token))));
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
  });

  it('keys a credential by its SHA-256, never the token itself', () => {
    const request = (authorization?: string) => ({ headers: authorization ? { authorization } : {}, ip: REMOTE }) as unknown as FastifyRequest;
    const key = rateLimitKey(request('Bearer fth_abc_topsecret'));
    expect(key).toMatch(/^credential:[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('topsecret');
    expect(rateLimitKey(request('Bearer fth_abc_other'))).not.toBe(key);
    // One token however the header spells it: a respelt header gets no fresh count.
    const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
    for (const spelling of ['bearer fth_abc_topsecret', 'BEARER   fth_abc_topsecret', '  Bearer\tfth_abc_topsecret ', basic('ada', 'fth_abc_topsecret'), basic('ada', 'fth_abc_topsecret').replace(/=+$/, '')]) {
      expect(rateLimitKey(request(spelling)), spelling).toBe(key);
    }
    expect(rateLimitKey(request())).toBe(`address:${REMOTE}`);
  });
});
