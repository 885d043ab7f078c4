import { afterEach, describe, expect, it } from 'vitest';
import { ROUTE_BODIES } from '../../src/adapters/http/limits/http-limits.js';
import type { HttpLimits } from '../../src/adapters/http/limits/http-limits.js';
import { aRun } from '../support/builders.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { expectProblem, expectStatus, type Json } from './api.js';

const TRACKING = '/api/2.0/mlflow';

describe('request body limits per route', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const start = async (limits: Partial<HttpLimits> = {}): Promise<TestServer> => (server = await aServer({ limits }));
  const points = (n: number, key = 'loss') => Array.from({ length: n }, (_, step) => ({ key, value: step / 7, step }));
  const storedPoints = async (s: TestServer, runId: string): Promise<number> => {
    const summaries = expectStatus(await s.app.inject({ url: `/api/runs/${runId}/metrics` }), 200) as Json;
    return (summaries.metrics as { count: number }[]).reduce((sum, m) => sum + m.count, 0);
  };

  it('names only real routes in its table', async () => {
    const s = await start();
    const missing = [...ROUTE_BODIES.keys()].filter((key) => {
      const [method, url] = key.split(' ') as [string, string];
      return !s.app.hasRoute({ method: method as 'GET', url });
    });
    expect(missing).toEqual([]);
  });

  it('refuses a record body over FATHOM_MAX_JSON_BYTES with 413 naming the limit, and creates nothing', async () => {
    const s = await start({ maxJsonBytes: 2048, maxBatchBytes: 64 * 1024 });
    const response = await s.app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'big', description: 'd'.repeat(3000) } });
    const problem = expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(problem.detail).toBe('the request body is larger than the 2 KiB this route accepts (FATHOM_MAX_JSON_BYTES)');
    const list = expectStatus(await s.app.inject({ url: '/api/experiments' }), 200) as Json;
    expect((list.experiments as { name: string }[]).map((e) => e.name)).not.toContain('big');
    // Just under the limit is fine.
    expectStatus(await s.app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'fits', description: 'd'.repeat(1900) } }), 201);
  });

  it('lets a batch route carry more than a record, up to FATHOM_MAX_BATCH_BYTES, and stores nothing beyond it', async () => {
    const s = await start({ maxJsonBytes: 2048, maxBatchBytes: 16 * 1024 });
    const run = await aRun(s);
    const fits = { metrics: points(100) }; // about 5 KiB: over the record limit, under the batch one
    expect(JSON.stringify(fits).length).toBeGreaterThan(2048);
    expect(expectStatus(await s.app.inject({ method: 'POST', url: `/api/runs/${run.id}/metrics`, payload: fits }), 201)).toEqual({ count: 100 });

    const tooBig = { metrics: points(400, 'acc') };
    const problem = expectProblem(await s.app.inject({ method: 'POST', url: `/api/runs/${run.id}/metrics`, payload: tooBig }), 413, 'PAYLOAD_TOO_LARGE');
    expect(problem.detail).toBe('the request body is larger than the 16 KiB this route accepts (FATHOM_MAX_BATCH_BYTES)');
    expect(await storedPoints(s, run.id)).toBe(100);
  });

  it('refuses a batch with more items than FATHOM_MAX_BATCH_ITEMS with 400 naming the field, and stores none of it', async () => {
    const s = await start({ maxBatchItems: 5 });
    const run = await aRun(s);
    const metrics = expectProblem(await s.app.inject({ method: 'POST', url: `/api/runs/${run.id}/metrics`, payload: { metrics: points(6) } }), 400, 'INVALID_ARGUMENT');
    expect(metrics.errors).toEqual([{ path: '/metrics', message: 'holds 6 items; a request may carry at most 5 (FATHOM_MAX_BATCH_ITEMS)' }]);
    expect(await storedPoints(s, run.id)).toBe(0);

    const parameters = Array.from({ length: 6 }, (_, i) => ({ key: `p${i}`, value: i }));
    const logged = expectProblem(await s.app.inject({ method: 'POST', url: `/api/runs/${run.id}/params`, payload: { parameters } }), 400, 'INVALID_ARGUMENT');
    expect(logged.errors?.map((e) => e.path)).toEqual(['/parameters']);
    const created = expectProblem(
      await s.app.inject({ method: 'POST', url: `/api/experiments/${run.experimentId}/runs`, payload: { name: 'six', parameters } }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(created.errors?.map((e) => e.path)).toEqual(['/parameters']);
    const stored = expectStatus(await s.app.inject({ url: `/api/runs/${run.id}` }), 200) as Json;
    expect(stored.parameters).toEqual([]);

    expectStatus(await s.app.inject({ method: 'POST', url: `/api/runs/${run.id}/metrics`, payload: { metrics: points(5) } }), 201);
    expect(await storedPoints(s, run.id)).toBe(5);
  });

  it('by default takes what a laptop sends: 10,000 points in one request, a run with 1,000 parameters', async () => {
    const s = await start();
    const run = await aRun(s);
    expect(expectStatus(await s.app.inject({ method: 'POST', url: `/api/runs/${run.id}/metrics`, payload: { metrics: points(10_000) } }), 201)).toEqual({
      count: 10_000,
    });
    const parameters = Array.from({ length: 1000 }, (_, i) => ({ key: `param_${i}`, value: 'x'.repeat(1000) })); // about 1 MiB
    expectStatus(await s.app.inject({ method: 'POST', url: `/api/experiments/${run.experimentId}/runs`, payload: { parameters } }), 201);
    expect(await storedPoints(s, run.id)).toBe(10_000);
  });

  describe('MLflow', () => {
    const logBatch = (s: TestServer, body: object) => s.app.inject({ method: 'POST', url: `${TRACKING}/runs/log-batch`, payload: body });
    const mlflowError = (response: { statusCode: number; json: () => Json }, status: number) => {
      expect(response.statusCode).toBe(status);
      return response.json() as { error_code: string; message: string };
    };
    const metric = (i: number) => ({ key: `m${i % 10}`, value: i, timestamp: 1_700_000_000_000, step: i });
    const kv = (i: number) => ({ key: `k${i}`, value: String(i) });

    it("enforces MLflow's log-batch limits with INVALID_PARAMETER_VALUE naming the field, and logs nothing", async () => {
      const s = await start();
      const run = await aRun(s);
      const cases: [object, RegExp][] = [
        [{ metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) }, /at most 1000 metrics\. Got 1001 metrics/],
        [{ params: Array.from({ length: 101 }, (_, i) => kv(i)) }, /at most 100 params\. Got 101 params/],
        [{ tags: Array.from({ length: 101 }, (_, i) => kv(i)) }, /at most 100 tags\. Got 101 tags/],
        [{ metrics: Array.from({ length: 901 }, (_, i) => metric(i)), params: Array.from({ length: 100 }, (_, i) => kv(i)) }, /at most 1000 metrics, params and tags in total\. Got 1001/],
      ];
      for (const [body, message] of cases) {
        const error = mlflowError(await logBatch(s, { run_id: run.id, ...body }), 400);
        expect(error.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(error.message).toMatch(message);
      }
      const stored = expectStatus(await s.app.inject({ url: `/api/runs/${run.id}` }), 200) as Json;
      expect(stored.parameters).toEqual([]);
      expect(await storedPoints(s, run.id)).toBe(0);
      // MLflow's own maximum passes.
      expect(mlflowError(await logBatch(s, { run_id: run.id, metrics: Array.from({ length: 1000 }, (_, i) => metric(i)) }), 200)).toEqual({});
    });

    it('applies FATHOM_MAX_BATCH_ITEMS and the batch body limit to log-batch too, in MLflow\'s error shape', async () => {
      const s = await start({ maxBatchItems: 3, maxBatchBytes: 4096 });
      const run = await aRun(s);
      const items = mlflowError(await logBatch(s, { run_id: run.id, params: [kv(1), kv(2), kv(3), kv(4)] }), 400);
      expect(items).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: '/params: holds 4 items; a request may carry at most 3 (FATHOM_MAX_BATCH_ITEMS)' });
      const big = mlflowError(await logBatch(s, { run_id: run.id, tags: [{ key: 'note', value: 'n'.repeat(5000) }] }), 413);
      expect(big).toEqual({ error_code: 'BAD_REQUEST', message: 'the request body is larger than the 4 KiB this route accepts (FATHOM_MAX_BATCH_BYTES)' });
      const stored = expectStatus(await s.app.inject({ url: `/api/runs/${run.id}` }), 200) as Json;
      expect(stored.parameters).toEqual([]);
      expect(Object.keys(stored.tags as object)).not.toContain('note');
    });
  });
});
