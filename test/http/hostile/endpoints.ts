import type { FastifyInstance } from 'fastify';

/** What a valid request needs: an experiment with a run that has a parameter, a metric, a tag and an artifact. */
export interface Seeded {
  experimentId: string;
  experimentName: string;
  runId: string;
  /** A writer, with one token (the admin API's routes act on them). */
  userName: string;
  tokenId: string;
}

/** One request, before it is sent: the path as sent on the wire, the query, a JSON body. */
export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

/**
 * Every JSON endpoint, keyed by "METHOD route" as Fastify registered it, with a request it
 * answers with a 2xx on a seeded store: the start every mutation departs from. The test fails
 * for a registered route that is neither here nor in NOT_JSON.
 */
export const ENDPOINTS: Record<string, (s: Seeded) => Call> = {
  'POST /api/experiments': () => ({ method: 'POST', path: '/api/experiments', body: { name: 'fresh', description: 'd', tags: ['a', 'b'] } }),
  'GET /api/experiments': () => ({ method: 'GET', path: '/api/experiments', query: { tags: 'a', name: 'x', lifecycle: 'all', orderBy: '-createdAt', limit: '10', createdAfter: '2020-01-01' } }),
  'GET /api/experiments/compare': (s) => ({ method: 'GET', path: '/api/experiments/compare', query: { ids: s.experimentId, goals: 'loss:min' } }),
  'GET /api/experiments/:id': (s) => ({ method: 'GET', path: `/api/experiments/${s.experimentId}` }),
  'PATCH /api/experiments/:id': (s) => ({ method: 'PATCH', path: `/api/experiments/${s.experimentId}`, body: { description: 'changed', tags: ['c'], properties: { k: 'v' } } }),
  'DELETE /api/experiments/:id': (s) => ({ method: 'DELETE', path: `/api/experiments/${s.experimentId}`, query: { permanent: 'false' } }),
  'GET /api/experiments/:id/summary': (s) => ({ method: 'GET', path: `/api/experiments/${s.experimentId}/summary` }),
  'POST /api/experiments/:id/restore': (s) => ({ method: 'POST', path: `/api/experiments/${s.experimentId}/restore`, body: {} }),
  'POST /api/experiments/:id/runs': (s) => ({
    method: 'POST',
    path: `/api/experiments/${s.experimentId}/runs`,
    body: { name: 'r', parameters: [{ key: 'lr', value: 0.1 }], tags: { team: 'nlp' }, startedAt: '2026-01-15T10:00:00Z' },
  }),
  'GET /api/experiments/:id/runs': (s) => ({ method: 'GET', path: `/api/experiments/${s.experimentId}/runs`, query: { filter: 'params.lr > 0', orderBy: 'metrics.loss', limit: '5' } }),
  'GET /api/experiments/:id/params': (s) => ({ method: 'GET', path: `/api/experiments/${s.experimentId}/params` }),
  'GET /api/experiments/:id/artifacts': (s) => ({ method: 'GET', path: `/api/experiments/${s.experimentId}/artifacts`, query: { name: 'model.bin', type: 'model' } }),
  'POST /api/runs/search': (s) => ({ method: 'POST', path: '/api/runs/search', body: { experimentIds: [s.experimentId], filter: "tags.team = 'nlp'", orderBy: ['metrics.loss desc'], limit: 10 } }),
  'POST /api/runs/compare': (s) => ({ method: 'POST', path: '/api/runs/compare', body: { runIds: [s.runId], goals: { loss: 'min' } } }),
  'GET /api/runs/:id': (s) => ({ method: 'GET', path: `/api/runs/${s.runId}` }),
  'PATCH /api/runs/:id': (s) => ({ method: 'PATCH', path: `/api/runs/${s.runId}`, body: { name: 'renamed', tags: { team: 'cv', old: null } } }),
  'DELETE /api/runs/:id': (s) => ({ method: 'DELETE', path: `/api/runs/${s.runId}` }),
  'GET /api/runs/:id/children': (s) => ({ method: 'GET', path: `/api/runs/${s.runId}/children` }),
  'POST /api/runs/:id/restore': (s) => ({ method: 'POST', path: `/api/runs/${s.runId}/restore`, body: {} }),
  'POST /api/runs/:id/metrics': (s) => ({ method: 'POST', path: `/api/runs/${s.runId}/metrics`, body: { metrics: [{ key: 'loss', value: 0.5, step: 7 }, { key: 'acc', value: 'NaN' }] } }),
  'GET /api/runs/:id/metrics': (s) => ({ method: 'GET', path: `/api/runs/${s.runId}/metrics` }),
  'GET /api/runs/:id/metrics/*': (s) => ({ method: 'GET', path: `/api/runs/${s.runId}/metrics/loss`, query: { startStep: '0', endStep: '10', maxPoints: '100' } }),
  'POST /api/runs/:id/params': (s) => ({ method: 'POST', path: `/api/runs/${s.runId}/params`, body: { parameters: [{ key: 'batch', value: 32 }] } }),
  'GET /api/runs/:id/params': (s) => ({ method: 'GET', path: `/api/runs/${s.runId}/params` }),
  'GET /api/runs/:id/artifacts': (s) => ({ method: 'GET', path: `/api/runs/${s.runId}/artifacts` }),
  'POST /api/metrics/series': (s) => ({ method: 'POST', path: '/api/metrics/series', body: { runIds: [s.runId], keys: ['loss'], maxPoints: 100 } }),
  'GET /api/auth/me': () => ({ method: 'GET', path: '/api/auth/me' }),
  'GET /api/admin/users': () => ({ method: 'GET', path: '/api/admin/users' }),
  'POST /api/admin/users': () => ({ method: 'POST', path: '/api/admin/users', body: { name: 'newcomer', role: 'reader' } }),
  'PATCH /api/admin/users/:name': (s) => ({ method: 'PATCH', path: `/api/admin/users/${s.userName}`, body: { role: 'reader' } }),
  'DELETE /api/admin/users/:name': (s) => ({ method: 'DELETE', path: `/api/admin/users/${s.userName}` }),
  'GET /api/admin/tokens': (s) => ({ method: 'GET', path: '/api/admin/tokens', query: { user: s.userName } }),
  'POST /api/admin/users/:name/tokens': (s) => ({ method: 'POST', path: `/api/admin/users/${s.userName}/tokens`, body: { label: 'ci' } }),
  'DELETE /api/admin/tokens/:id': (s) => ({ method: 'DELETE', path: `/api/admin/tokens/${s.tokenId}` }),
  ...mlflowEndpoints('/api/2.0/mlflow'),
  ...mlflowEndpoints('/ajax-api/2.0/mlflow'),
};

function mlflowEndpoints(prefix: string): Record<string, (s: Seeded) => Call> {
  const post = (endpoint: string, body: (s: Seeded) => Record<string, unknown>) => ({
    [`POST ${prefix}/${endpoint}`]: (s: Seeded): Call => ({ method: 'POST', path: `${prefix}/${endpoint}`, body: body(s) }),
  });
  const get = (endpoint: string, query: (s: Seeded) => Record<string, string>) => ({
    [`GET ${prefix}/${endpoint}`]: (s: Seeded): Call => ({ method: 'GET', path: `${prefix}/${endpoint}`, query: query(s) }),
  });
  const t = 1_768_471_200_000;
  return {
    ...post('experiments/create', () => ({ name: 'from mlflow', tags: [{ key: 'k', value: 'v' }] })),
    ...get('experiments/get', (s) => ({ experiment_id: s.experimentId })),
    ...get('experiments/get-by-name', (s) => ({ experiment_name: s.experimentName })),
    ...get('experiments/search', () => ({ max_results: '10', filter: "name LIKE 'seed%'" })),
    ...post('experiments/search', () => ({ max_results: 10, filter: "name LIKE 'seed%'", order_by: ['name ASC'], view_type: 'ALL' })),
    ...post('experiments/set-experiment-tag', (s) => ({ experiment_id: s.experimentId, key: 'k', value: 'v' })),
    ...post('experiments/update', (s) => ({ experiment_id: s.experimentId, new_name: 'renamed' })),
    ...post('experiments/delete', (s) => ({ experiment_id: s.experimentId })),
    ...post('experiments/delete-experiment-tag', (s) => ({ experiment_id: s.experimentId, key: 'k' })),
    ...post('experiments/restore', (s) => ({ experiment_id: s.experimentId })),
    ...post('runs/create', (s) => ({ experiment_id: s.experimentId, start_time: t, run_name: 'r', tags: [{ key: 'k', value: 'v' }] })),
    ...get('runs/get', (s) => ({ run_id: s.runId })),
    ...post('runs/update', (s) => ({ run_id: s.runId, status: 'FINISHED', end_time: t + 1000 })),
    ...post('runs/delete', (s) => ({ run_id: s.runId })),
    ...post('runs/delete-tag', (s) => ({ run_id: s.runId, key: 'team' })),
    ...post('runs/restore', (s) => ({ run_id: s.runId })),
    ...post('runs/log-metric', (s) => ({ run_id: s.runId, key: 'loss', value: 0.25, timestamp: t, step: 9 })),
    ...post('runs/log-model', (s) => ({ run_id: s.runId, model_json: JSON.stringify({ artifact_path: 'model', flavors: {} }) })),
    ...post('runs/log-parameter', (s) => ({ run_id: s.runId, key: 'epochs', value: '3' })),
    ...post('runs/log-batch', (s) => ({
      run_id: s.runId,
      metrics: [{ key: 'loss', value: 0.1, timestamp: t, step: 10 }],
      params: [{ key: 'opt', value: 'adam' }],
      tags: [{ key: 'k', value: 'v' }],
    })),
    ...post('runs/log-inputs', (s) => ({ run_id: s.runId, datasets: [{ dataset: { name: 'train', digest: 'abc', source_type: 'local', source: '/data' } }] })),
    ...post('runs/set-tag', (s) => ({ run_id: s.runId, key: 'k', value: 'v' })),
    ...post('runs/search', (s) => ({ experiment_ids: [s.experimentId], filter: "params.lr = '0.1'", order_by: ['metrics.loss DESC'], max_results: 10 })),
    ...get('metrics/get-history', (s) => ({ run_id: s.runId, metric_key: 'loss' })),
    ...get('metrics/get-history-bulk-interval', (s) => ({ run_ids: s.runId, metric_key: 'loss', max_results: '10' })),
    ...post('logged-models/search', (s) => ({ experiment_ids: [s.experimentId], max_results: 10 })),
    ...get('artifacts/list', (s) => ({ run_id: s.runId, path: '' })),
    [`GET ${prefix}-artifacts/artifacts`]: (s: Seeded): Call => ({ method: 'GET', path: `${prefix}-artifacts/artifacts`, query: { path: `${s.experimentId}/${s.runId}/artifacts` } }),
  };
}

/**
 * Routes that take no JSON: artifact bytes in and out (multipart uploads, raw MLflow PUTs,
 * downloads and deletes by name), whose hostile names and paths artifact-traversal.test.ts
 * covers; the UI, the API documents and the health checks.
 */
export const NOT_JSON = [
  /^POST \/api\/runs\/:id\/artifacts$/,
  /^(GET|DELETE) \/api\/runs\/:id\/artifacts\/\*$/,
  /^(PUT|GET|DELETE) \/(ajax-)?api\/2\.0\/mlflow-artifacts\/artifacts\/\*$/,
  /^GET \/(docs(\/.*)?|openapi\.json|healthz|readyz)?$/,
];

/** Every registered route as "METHOD path", from Fastify's own route tree (HEAD and OPTIONS left out). */
export function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│├└─]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = Math.round((match[1] as string).length / 4);
    stack.length = depth;
    stack.push(match[2] as string);
    // A wildcard prints as a child `*` of its static prefix: `/artifacts` then `*` is `/artifacts/*`.
    const path = stack.join('').replace(/^\/\//, '/').replace(/([^/])\*$/, '$1/*');
    for (const method of (match[3] as string).split(', ')) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push(`${method} ${path}`);
  }
  return routes;
}

/**
 * Everything a client can read back: experiments, runs with their parameters, latest metrics,
 * tags, datasets and artifacts, each metric's aggregates, and the users and tokens (the server
 * runs with FATHOM_AUTH=none, whose anonymous principal is an admin).
 */
export async function snapshot(app: FastifyInstance): Promise<unknown> {
  const experiments = (await app.inject({ method: 'GET', url: '/api/experiments?lifecycle=all&limit=1000&orderBy=name' })).json<{ experiments: { id: string }[] }>().experiments;
  const ids = experiments.map((e) => e.id);
  const runs = ids.length === 0 ? [] : (await app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: ids.slice(0, 100), orderBy: ['id'], limit: 1000 } })).json<{ runs: { id: string }[] }>().runs;
  const metrics = await Promise.all(runs.map(async (run) => (await app.inject({ method: 'GET', url: `/api/runs/${run.id}/metrics` })).json()));
  const users = (await app.inject({ method: 'GET', url: '/api/admin/users' })).json();
  const tokens = (await app.inject({ method: 'GET', url: '/api/admin/tokens' })).json();
  return { experiments, runs, metrics, users, tokens };
}
