import { afterEach, describe, expect, it } from 'vitest';
import type { HttpLimits } from '../../src/adapters/http/limits/http-limits.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { expectStatus } from './api.js';

describe('security headers and CORS', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const start = async (limits: Partial<HttpLimits> = {}): Promise<TestServer> => (server = await aServer({ limits }));

  it('sends API answers with nosniff, no framing, a policy that lets nothing load, and no HSTS', async () => {
    const s = await start();
    for (const response of [await s.app.inject({ url: '/api/experiments' }), await s.app.inject({ url: '/api/runs/nope' })]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('gives the API docs a policy that runs only their own script files, and no HTTPS upgrade', async () => {
    const s = await start();
    const page = await s.app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    const policy = page.headers['content-security-policy'] as string;
    expect(policy).toContain("script-src 'self';"); // its scripts are files of its own: none inline
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).not.toContain('https:');
    expect(policy).not.toContain('upgrade-insecure-requests');
  });

  it('sends no CORS headers at all unless origins are configured', async () => {
    const s = await start();
    const simple = await s.app.inject({ url: '/api/experiments', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await s.app.inject({
      method: 'OPTIONS',
      url: '/api/experiments',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('allows exactly the configured origins, with Authorization as a request header, and nothing for others', async () => {
    const s = await start({ corsOrigins: ['https://notebook.example.com'] });
    const allowed = await s.app.inject({
      method: 'OPTIONS',
      url: '/api/experiments',
      headers: { origin: 'https://notebook.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://notebook.example.com');
    expect(String(allowed.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    expect(allowed.headers['access-control-allow-methods']).toContain('POST');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();

    const answer = await s.app.inject({ url: '/api/experiments', headers: { origin: 'https://notebook.example.com' } });
    expectStatus(answer, 200);
    expect(answer.headers['access-control-allow-origin']).toBe('https://notebook.example.com');
    expect(String(answer.headers['access-control-expose-headers'])).toContain('Retry-After');
    expect(String(answer.headers['access-control-expose-headers'])).toContain('X-Checksum-Sha256');

    const other = await s.app.inject({
      method: 'OPTIONS',
      url: '/api/experiments',
      headers: { origin: 'https://notebook.example.com.evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-headers']).toBeUndefined();
    expect(other.headers['access-control-allow-methods']).toBeUndefined();
  });

  it("allows any origin with '*', never with credentials", async () => {
    const s = await start({ corsOrigins: ['*'] });
    const answer = await s.app.inject({ url: '/api/2.0/mlflow/experiments/search?max_results=1', headers: { origin: 'https://anywhere.example' } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
