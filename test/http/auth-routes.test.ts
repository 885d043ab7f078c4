import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteAccess } from '../../src/adapters/http/shared/authentication.js';
import { aServer, type TestServer } from '../support/fathom.js';

/**
 * Every route's access level is a decision. This table is the whole list: a route added without
 * being written here fails the test, and so does a level that changes. GET/HEAD read and the other
 * methods write unless the route's config says otherwise; POSTs that only read say 'read'.
 */
const NATIVE: Record<string, RouteAccess['access']> = {
  'POST /api/experiments': 'write',
  'GET /api/experiments': 'read',
  'GET /api/experiments/:id': 'read',
  'GET /api/experiments/:id/summary': 'read',
  'PATCH /api/experiments/:id': 'write',
  'DELETE /api/experiments/:id': 'write',
  'POST /api/experiments/:id/restore': 'write',
  'POST /api/experiments/:id/runs': 'write',
  'GET /api/experiments/:id/runs': 'read',
  'POST /api/runs/search': 'read',
  'GET /api/runs/:id': 'read',
  'GET /api/runs/:id/children': 'read',
  'PATCH /api/runs/:id': 'write',
  'POST /api/runs/:id/restore': 'write',
  'DELETE /api/runs/:id': 'write',
  'POST /api/runs/:id/metrics': 'write',
  'GET /api/runs/:id/metrics': 'read',
  'GET /api/runs/:id/metrics/*': 'read',
  'POST /api/metrics/series': 'read',
  'GET /api/experiments/:id/params': 'read',
  'POST /api/runs/:id/params': 'write',
  'GET /api/runs/:id/params': 'read',
  'POST /api/runs/:id/artifacts': 'write',
  'GET /api/runs/:id/artifacts': 'read',
  'GET /api/experiments/:id/artifacts': 'read',
  'GET /api/runs/:id/artifacts/*': 'read',
  'DELETE /api/runs/:id/artifacts/*': 'write',
  'GET /api/experiments/compare': 'read',
  'POST /api/runs/compare': 'read',
  'GET /api/auth/me': 'read',
  'GET /api/admin/users': 'admin',
  'POST /api/admin/users': 'admin',
  'PATCH /api/admin/users/:name': 'admin',
  'DELETE /api/admin/users/:name': 'admin',
  'GET /api/admin/tokens': 'admin',
  'POST /api/admin/users/:name/tokens': 'admin',
  'DELETE /api/admin/tokens/:id': 'admin',
};

/** MLflow's tracking API, served under /api/2.0/mlflow and /ajax-api/2.0/mlflow alike. */
const MLFLOW_TRACKING: Record<string, RouteAccess['access']> = {
  'POST experiments/create': 'write',
  'GET experiments/get': 'read',
  'GET experiments/get-by-name': 'read',
  'GET experiments/search': 'read',
  'POST experiments/search': 'read',
  'POST experiments/update': 'write',
  'POST experiments/delete': 'write',
  'POST experiments/restore': 'write',
  'POST experiments/set-experiment-tag': 'write',
  'POST experiments/delete-experiment-tag': 'write',
  'POST runs/create': 'write',
  'GET runs/get': 'read',
  'POST runs/update': 'write',
  'POST runs/delete': 'write',
  'POST runs/restore': 'write',
  'POST runs/log-metric': 'write',
  'POST runs/log-parameter': 'write',
  'POST runs/log-batch': 'write',
  'POST runs/set-tag': 'write',
  'POST runs/delete-tag': 'write',
  'POST runs/search': 'read',
  'POST runs/log-inputs': 'write',
  'GET metrics/get-history': 'read',
  'GET metrics/get-history-bulk-interval': 'read',
  'POST runs/log-model': 'write',
  'POST logged-models/search': 'read',
  'GET artifacts/list': 'read',
};

/** MLflow's artifact proxy, under /api/2.0/mlflow-artifacts and /ajax-api/2.0/mlflow-artifacts. */
const MLFLOW_ARTIFACTS: Record<string, RouteAccess['access']> = {
  'GET artifacts': 'read',
  'PUT artifacts/*': 'write',
  'GET artifacts/*': 'read',
  'DELETE artifacts/*': 'write',
};

/** Public without credentials: health checks, the API docs, and the web UI's files. */
const PUBLIC = [/^\/healthz$/, /^\/readyz$/, /^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/$/, /^\/assets\/.+$/, /^\/favicon\.[a-z]+$/];

function expectedTable(): Map<string, RouteAccess['access']> {
  const table = new Map(Object.entries(NATIVE));
  for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
    for (const [route, access] of Object.entries(MLFLOW_TRACKING)) {
      const [method, path] = route.split(' ');
      table.set(`${method} ${prefix}/${path}`, access);
    }
  }
  for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
    for (const [route, access] of Object.entries(MLFLOW_ARTIFACTS)) {
      const [method, path] = route.split(' ');
      table.set(`${method} ${prefix}/${path}`, access);
    }
  }
  // Fastify answers HEAD for every GET route, at the GET's level.
  for (const [route, access] of [...table]) if (route.startsWith('GET ')) table.set(`HEAD ${route.slice(4)}`, access);
  return table;
}

describe('every route has a decided access level', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await aServer({ auth: 'token' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('the API routes are exactly those in the table, each at its level', () => {
    const registered = new Map(server.app.routeAccess.filter((r) => r.access !== 'public').map((r) => [`${r.method} ${r.url}`, r.access]));
    expect(Object.fromEntries([...registered].sort())).toEqual(Object.fromEntries([...expectedTable()].sort()));
  });

  it('public routes are only health, docs and the UI, and only GET or HEAD', () => {
    const open = server.app.routeAccess.filter((r) => r.access === 'public');
    expect(open.length).toBeGreaterThan(5);
    for (const route of open) {
      expect({ route, public: PUBLIC.some((pattern) => pattern.test(route.url)) }).toEqual({ route, public: true });
      expect(['GET', 'HEAD']).toContain(route.method);
    }
  });

  it('every POST that only reads is served to a reader', () => {
    const reads = [...expectedTable()].filter(([route, access]) => route.startsWith('POST ') && access === 'read').map(([route]) => route);
    expect(reads.length).toBe(3 + 3 * 2);
    for (const route of reads) expect(server.app.routeAccess).toContainEqual({ method: 'POST', url: route.slice(5), access: 'read' });
  });
});
