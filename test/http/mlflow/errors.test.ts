import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, ok, TRACKING, useMlflowServer, type Answer, type MlflowServer } from './mlflow-client.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');

/** Every tracking endpoint MLflow clients call, as [method, endpoint]. */
const ENDPOINTS: [('GET' | 'POST'), string][] = [
  ['POST', 'experiments/create'],
  ['GET', 'experiments/get'],
  ['GET', 'experiments/get-by-name'],
  ['POST', 'experiments/search'],
  ['GET', 'experiments/search'],
  ['POST', 'experiments/update'],
  ['POST', 'experiments/delete'],
  ['POST', 'experiments/restore'],
  ['POST', 'experiments/set-experiment-tag'],
  ['POST', 'experiments/delete-experiment-tag'],
  ['POST', 'runs/create'],
  ['GET', 'runs/get'],
  ['POST', 'runs/update'],
  ['POST', 'runs/delete'],
  ['POST', 'runs/restore'],
  ['POST', 'runs/log-metric'],
  ['POST', 'runs/log-parameter'],
  ['POST', 'runs/log-batch'],
  ['POST', 'runs/set-tag'],
  ['POST', 'runs/delete-tag'],
  ['POST', 'runs/search'],
  ['POST', 'runs/log-inputs'],
  ['POST', 'runs/log-model'],
  ['GET', 'metrics/get-history'],
  ['GET', 'metrics/get-history-bulk-interval'],
];

/** Values of every wrong kind, for every field a request may carry. */
const WRONG_VALUES: unknown[] = [null, true, -1, 1.5, 1e300, '', 'NaN', '\ud800', 'x'.repeat(20_000), [], ['a', 1], [{ key: 1, value: {} }], { nested: [null] }];
const FIELDS = [
  'name', 'experiment_id', 'experiment_name', 'new_name', 'key', 'value', 'tags', 'run_id', 'run_uuid', 'run_name', 'user_id',
  'start_time', 'end_time', 'status', 'timestamp', 'step', 'metrics', 'params', 'datasets', 'experiment_ids', 'filter',
  'order_by', 'run_view_type', 'view_type', 'max_results', 'page_token', 'metric_key', 'run_ids', 'start_step', 'end_step',
  'model_json',
];

async function call(s: MlflowServer, method: 'GET' | 'POST', endpoint: string, args: Record<string, unknown>): Promise<Answer> {
  if (method === 'POST') return s.post(endpoint, args);
  // A URL holds at most 16 KiB (Node's header limit, answered with a 431 before any route): keep within it.
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 8_000);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(args)) query[name] = Array.isArray(value) ? value.map(text) : text(value);
  return s.get(endpoint, query);
}

describe('MLflow errors', () => {
  const server = useMlflowServer();

  it('answers ENDPOINT_NOT_FOUND (404) for an unknown endpoint or method under either prefix', async () => {
    const s = server();
    for (const path of ['/api/2.0/mlflow/runs/frobnicate', '/ajax-api/2.0/mlflow/experiments/list', '/api/2.0/mlflow/', '/api/2.0/mlflow-artifacts/elsewhere']) {
      expect(expectMlflowError(await s.fetch(path), 404, 'ENDPOINT_NOT_FOUND')).toContain(path);
    }
    // MLflow serves get as GET and create as POST only.
    expectMlflowError(await s.fetch(`${TRACKING}/experiments/get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 404, 'ENDPOINT_NOT_FOUND');
    expectMlflowError(await s.fetch(`${TRACKING}/experiments/create`), 404, 'ENDPOINT_NOT_FOUND');
  });

  it('answers a URL that is not valid percent-encoded UTF-8 in MLflow\'s shape under its prefixes (the native API keeps problem+json)', async () => {
    const s = server();
    for (const path of ['/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts/%e0%80%ae', '/ajax-api/2.0/mlflow-artifacts/artifacts/%c0%ae%c0%ae/x']) {
      expect(expectMlflowError(await s.fetch(path), 400, 'INVALID_PARAMETER_VALUE'), path).toContain('not a valid url component');
    }
    const native = await s.fetch('/api/runs/abc/artifacts/%e0%80%ae');
    expect(native.status).toBe(400);
    expect(native.body).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('answers INVALID_PARAMETER_VALUE, not a 500, for a value nested thousands deep or megabytes long, quoting only its start', async () => {
    const s = server();
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    for (const body of [`{"name": "x", "tags": ${deep}}`, `{"name": "x", "tags": "${'t'.repeat(1_000_000)}"}`]) {
      const response = await s.fetch(`${TRACKING}/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const message = expectMlflowError(response, 400, 'INVALID_PARAMETER_VALUE');
      expect(message).toMatch(/^Invalid value .{1,80} for parameter 'tags' supplied/);
    }
    const raw = (endpoint: string, body: string) => s.fetch(`${TRACKING}/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const view of [`[${deep}]`, '[{"a": 1}]']) {
      expectMlflowError(await raw('experiments/search', `{"view_type": ${view}}`), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await raw('runs/search', `{"experiment_ids": ["0"], "run_view_type": ${view}}`), 400, 'INVALID_PARAMETER_VALUE');
    }
    // Small values are quoted whole, as before.
    expect(expectMlflowError(await s.post('experiments/create', { name: 'x', tags: [1, { a: null }] }), 400, 'INVALID_PARAMETER_VALUE')).toContain('[1,{"a":null}]');
  });

  it('answers logged-models/search with an empty result', async () => {
    const s = server();
    expect(ok(await s.post('logged-models/search', { experiment_ids: ['0'], max_results: 50 }))).toEqual({ models: [] });
  });

  it('answers INVALID_PARAMETER_VALUE (400) for a missing required field, naming it', async () => {
    const s = server();
    const required: [('GET' | 'POST'), string, string][] = [
      ['POST', 'experiments/create', 'name'],
      ['GET', 'experiments/get', 'experiment_id'],
      ['GET', 'experiments/get-by-name', 'experiment_name'],
      ['GET', 'runs/get', 'run_id'],
      ['POST', 'runs/update', 'run_id'],
      ['POST', 'runs/log-parameter', 'run_id'],
      ['POST', 'runs/set-tag', 'run_id'],
      ['GET', 'metrics/get-history', 'run_id'],
    ];
    for (const [method, endpoint, field] of required) {
      expect(expectMlflowError(await call(s, method, endpoint, {}), 400, 'INVALID_PARAMETER_VALUE'), endpoint).toContain(field);
    }
    // A rename without a new name renames nothing: MLflow says so.
    const id = await createExperiment(s, 'keeps its name');
    expect(expectMlflowError(await s.post('experiments/update', { experiment_id: id }), 400, 'INVALID_PARAMETER_VALUE')).toContain('new_name');
    expect(ok(await s.get('experiments/get', { experiment_id: id })).experiment.name).toBe('keeps its name');
  });

  it('answers INVALID_PARAMETER_VALUE (400) for a body that is not a JSON object, as MLflow does', async () => {
    const s = server();
    const post = (body: string, contentType?: string) =>
      s.fetch(`${TRACKING}/experiments/create`, { method: 'POST', body, ...(contentType ? { headers: { 'content-type': contentType } } : {}) });
    for (const body of ['{"name": "x"', '[{"name": "x"}]', '42', '"name"', 'null']) {
      expectMlflowError(await post(body, 'application/json'), 400, 'INVALID_PARAMETER_VALUE');
    }
    // MLflow's server wants application/json and says so with a 400.
    expectMlflowError(await post('{"name": "x"}', 'text/plain'), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(await post('name=x', 'application/x-www-form-urlencoded'), 400, 'INVALID_PARAMETER_VALUE');
    expect(ok(await s.post('experiments/search', { max_results: 10 })).experiments).toHaveLength(1);
  });

  it('answers RESOURCE_DOES_NOT_EXIST (404) for unknown experiments and runs on every endpoint that names one', async () => {
    const s = server();
    const noRun = 'b'.repeat(32);
    const calls: [('GET' | 'POST'), string, Record<string, unknown>][] = [
      ['GET', 'experiments/get', { experiment_id: '123456' }],
      ['POST', 'experiments/update', { experiment_id: '123456', new_name: 'x' }],
      ['POST', 'experiments/delete', { experiment_id: '123456' }],
      ['POST', 'experiments/restore', { experiment_id: '123456' }],
      ['POST', 'experiments/delete-experiment-tag', { experiment_id: '123456', key: 'k' }],
      ['GET', 'runs/get', { run_id: noRun }],
      ['POST', 'runs/update', { run_id: noRun, status: 'FINISHED' }],
      ['POST', 'runs/restore', { run_id: noRun }],
      ['POST', 'runs/log-metric', { run_id: noRun, key: 'k', value: 1, timestamp: T0, step: 0 }],
      ['POST', 'runs/log-parameter', { run_id: noRun, key: 'k', value: 'v' }],
      ['POST', 'runs/log-batch', { run_id: noRun, params: [{ key: 'k', value: 'v' }] }],
      ['POST', 'runs/set-tag', { run_id: noRun, key: 'k', value: 'v' }],
      ['POST', 'runs/delete-tag', { run_id: noRun, key: 'k' }],
      ['POST', 'runs/log-inputs', { run_id: noRun, datasets: [] }],
      ['GET', 'metrics/get-history', { run_id: noRun, metric_key: 'k' }],
    ];
    for (const [method, endpoint, args] of calls) {
      expectMlflowError(await call(s, method, endpoint, args), 404, 'RESOURCE_DOES_NOT_EXIST');
    }
  });

  it('never answers a 500 to bad input: every endpoint, every field, every wrong kind of value', async () => {
    const s = server();
    const experimentId = await createExperiment(s, 'target');
    const runId: string = (await createRun(s, experimentId)).info.run_id;
    const failures: string[] = [];
    for (const [method, endpoint] of ENDPOINTS) {
      for (const field of FIELDS) {
        for (const value of WRONG_VALUES) {
          // Valid ids alongside the wrong field, so the wrong field is what the server must judge.
          const args: Record<string, unknown> = { experiment_id: experimentId, run_id: runId, key: 'k', metric_key: 'k', name: `n-${field}`, [field]: value };
          const answer = await call(s, method, endpoint, args);
          const wellFormed = typeof answer.body === 'object' && answer.body !== null;
          if (answer.status >= 500 || (answer.status >= 400 && !(wellFormed && typeof answer.body.error_code === 'string' && typeof answer.body.message === 'string'))) {
            failures.push(`${method} ${endpoint} ${field}=${JSON.stringify(value)?.slice(0, 40)} -> ${answer.status} ${answer.text.slice(0, 200)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
