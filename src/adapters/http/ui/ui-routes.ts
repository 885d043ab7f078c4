import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface UiOptions {
  /** The built UI (dist/ui, written by `npm run build`); undefined or missing: `/` says how to build it. */
  dir: string | undefined;
}

interface Asset {
  body: Buffer;
  gzipped: Buffer | undefined;
  type: string;
  etag: string;
  /** Hashed file names never change content: cached for a year. index.html is revalidated. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Fathom</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Fathom's web UI is not built</h1>
<p>Build it with <code>npm run build</code> (<code>npm start</code> does so before starting), then reload.
The REST API works meanwhile: <a href="./docs">API docs</a>.</p></body></html>`;

/**
 * The page may only run its own scripts and talk to its own server, and may not be framed by
 * another site (it has buttons that delete). Styles may be inline: uPlot and Preact set them.
 * Helmet (registered with the server) sends it, with its other headers (nosniff, DENY framing).
 */
const PAGE_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    styleSrc: ["'self'", "'unsafe-inline'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** The UI's files: never rate-limited (a page load is many requests), with the page's policy. */
const ROUTE = { schema: { hide: true }, config: { rateLimit: false as const }, helmet: { contentSecurityPolicy: PAGE_POLICY } };

/**
 * Serves the built web UI: `/` is its page, `/assets/…` its scripts and styles. The files are read
 * once at start-up and served from memory, each from its own route: a URL can only ever name a
 * file the build wrote, never a path on disk, and every other URL keeps the API's 404.
 */
export async function uiRoutes(app: FastifyInstance, options: UiOptions): Promise<void> {
  const assets = options.dir === undefined ? new Map<string, Asset>() : await loadAssets(options.dir);
  const index = assets.get('index.html');
  app.get('/', ROUTE, async (request, reply) => {
    if (!index) return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT);
    return send(index, request, reply);
  });
  for (const [path, asset] of assets) {
    if (path === 'index.html') continue;
    app.get(`/${path}`, ROUTE, async (request, reply) => send(asset, request, reply));
  }
  // Browsers ask every page's site for /favicon.ico (the API docs, a JSON answer opened in a tab).
  const icon = assets.get('favicon.svg');
  if (icon && !assets.has('favicon.ico')) app.get('/favicon.ico', ROUTE, async (request, reply) => send(icon, request, reply));
}

function send(asset: Asset, request: FastifyRequest, reply: FastifyReply) {
  const gzip = asset.gzipped !== undefined && acceptsGzip(request.headers['accept-encoding']);
  // Each encoding is a different representation, so each gets its own validator (RFC 9110 8.8.3).
  const etag = gzip ? `${asset.etag.slice(0, -1)}-gz"` : asset.etag;
  reply
    .header('content-type', asset.type)
    .header('etag', etag)
    .header('vary', 'accept-encoding')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send();
  if (gzip) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
  return reply.send(asset.body);
}

/** `Accept-Encoding` names gzip (or `*`) with a non-zero weight. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === 'gzip') return weight > 0;
    if (coding === '*') star = weight > 0;
  }
  return star;
}

/** `If-None-Match`: `*`, or a list of tags compared weakly (a `W/` prefix is ignored). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  let files: string[];
  try {
    files = await listFiles(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return assets;
    throw error;
  }
  for (const file of files) {
    const path = relative(dir, file).split(sep).join('/');
    const body = await readFile(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 1024;
    assets.set(path, {
      body,
      gzipped: compressible ? gzipSync(body, { level: 9 }) : undefined,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: path.startsWith('assets/'),
    });
  }
  return assets;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return Promise.resolve(entry.isFile() ? [path] : []);
    }),
  );
  return nested.flat();
}
