import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/adapters/http/server.js';
import { aFathom, type TestFathom } from '../../support/fathom.js';

/** A stand-in for what `vite build` writes: an index page, hashed assets and a public file. */
async function aBuiltUi(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fathom-ui-files-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Fathom</title><script type="module" src="./assets/index-abc123.js"></script>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  await writeFile(join(dir, 'assets', 'index-abc123.css'), 'body{margin:0}');
  await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dir, 'notes.unknown'), 'kept as bytes');
  return dir;
}

describe('the web UI routes', () => {
  let fathom: TestFathom;
  let app: FastifyInstance;
  let dir: string;

  beforeAll(async () => {
    dir = await aBuiltUi();
    fathom = await aFathom();
    app = await buildServer({ container: fathom.container, uiDir: dir });
  });

  afterAll(async () => {
    await app.close();
    await fathom.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page at / and asks browsers to revalidate it', async () => {
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toContain('./assets/index-abc123.js');
  });

  it('serves hashed assets with their type, cached for a year', async () => {
    const script = await app.inject({ url: '/assets/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    const style = await app.inject({ url: '/assets/index-abc123.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
    // What browsers ask every site for: the same icon.
    const ico = await app.inject({ url: '/favicon.ico' });
    expect(ico.statusCode).toBe(200);
    expect(ico.body).toBe(icon.body);
    const unknown = await app.inject({ url: '/notes.unknown' });
    expect(unknown.headers['content-type']).toBe('application/octet-stream');
    expect(unknown.body).toBe('kept as bytes');
  });

  it('gzips large text assets for clients that accept it, and only for them', async () => {
    const gzipped = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('accept-encoding');
    expect(gunzipSync(gzipped.rawPayload).toString()).toContain('console.log("xxxx');
    expect(gzipped.rawPayload.length).toBeLessThan(200);
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(5000);
    // Small files are not worth compressing.
    const small = await app.inject({ url: '/assets/index-abc123.css', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it.each([
    ['gzip;q=0', false],
    ['gzip;q=0, *', false],
    ['br, *;q=0.5', true],
    ['identity', false],
    ['GZIP;q=0.8', true],
  ])('reads Accept-Encoding %s (gzip: %s)', async (header, gzip) => {
    const response = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': header } });
    expect(response.headers['content-encoding']).toBe(gzip ? 'gzip' : undefined);
  });

  it('gives the gzipped and the plain representation different ETags', async () => {
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    const gzipped = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.etag).not.toBe(plain.headers.etag);
    const stale = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag as string } });
    expect(stale.statusCode).toBe(200);
  });

  it('forbids framing the page and running anything but its own scripts', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("object-src 'none'");
    // Scripts are never sniffed as anything else; a policy on them is harmless and the same.
    const script = await app.inject({ url: '/assets/index-abc123.js' });
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect(script.headers['content-security-policy']).toBe(page.headers['content-security-policy']);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ url: '/' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.inject({ url: '/', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const changed = await app.inject({ url: '/', headers: { 'if-none-match': '"other"' } });
    expect(changed.statusCode).toBe(200);
    for (const header of [`"other", ${etag}`, `W/${etag}`, '*']) {
      expect((await app.inject({ url: '/', headers: { 'if-none-match': header } })).statusCode, header).toBe(304);
    }
  });

  it.each([
    '/assets/missing.js',
    '/assets/../index.html',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/index.html%00',
    '/experiments/abc',
  ])('keeps the API 404 for %s: only files the build wrote are served', async (url) => {
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('leaves the API, the MLflow API, health and the API docs where they were', async () => {
    expect((await app.inject({ url: '/api/experiments' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/2.0/mlflow/experiments/get?experiment_id=0' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/openapi.json' })).json().paths['/']).toBeUndefined();
  });
});

describe('the web UI routes without a build', () => {
  it.each([
    ['no UI folder given', undefined],
    ['a UI folder that does not exist', join(tmpdir(), 'fathom-no-such-ui')],
  ])('with %s, / says how to build the UI and the API still works', async (_case, uiDir) => {
    const fathom = await aFathom();
    const app = await buildServer({ container: fathom.container, ...(uiDir ? { uiDir } : {}) });
    try {
      const page = await app.inject({ url: '/' });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('npm run build');
      expect((await app.inject({ url: '/assets/index.js' })).statusCode).toBe(404);
      expect((await app.inject({ url: '/api/experiments' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await fathom.close();
    }
  });
});
