import type { FastifyInstance, InjectOptions } from 'fastify';

/**
 * Requests carrying NUL (U+0000), which no store holds: in an id, a name, a list filter and a
 * search filter, a metric key. Every store must answer them alike, so the SQLite suite (errors.test.ts) and
 * the PostgreSQL one (postgres-unstorable-text.test.ts) run these same requests and expect
 * `UNSTORABLE_TEXT_ANSWERS`: an unknown id or name is a 404, a list finds nothing, a filter
 * holding NUL is a 400 saying where.
 */
export async function answersToUnstorableText(app: Pick<FastifyInstance, 'inject'>): Promise<Record<string, { status: number; body: unknown }>> {
  const experiment = await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'holds runs' } });
  const experimentId = (experiment.json() as { id: string }).id;
  const run = await app.inject({ method: 'POST', url: `/api/experiments/${experimentId}/runs`, payload: {} });
  const runId = (run.json() as { id: string }).id;
  const filter = "tags.a = 'x\u0000'";
  const requests: Record<string, InjectOptions> = {
    'GET /api/runs/ab%00': { method: 'GET', url: '/api/runs/ab%00' },
    'GET /api/experiments/ab%00': { method: 'GET', url: '/api/experiments/ab%00' },
    'GET /api/experiments?createdBy=a%00': { method: 'GET', url: '/api/experiments?createdBy=a%00' },
    'POST /api/runs/search': { method: 'POST', url: '/api/runs/search', payload: { experimentIds: [experimentId], filter } },
    'GET mlflow runs/get': { method: 'GET', url: '/api/2.0/mlflow/runs/get?run_id=ab%00' },
    'GET mlflow experiments/get-by-name': { method: 'GET', url: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=a%00' },
    'POST mlflow runs/search': { method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [experimentId], filter } },
    'GET mlflow metrics/get-history': { method: 'GET', url: `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=a%00` },
  };
  const answers: Record<string, { status: number; body: unknown }> = {};
  for (const [name, request] of Object.entries(requests)) {
    const response = await app.inject(request);
    answers[name] = { status: response.statusCode, body: response.json() };
  }
  return answers;
}

const nulInFilter = "at character 10 (''x\u0000''): this text holds the NUL character (U+0000), which no stored text holds";

export const UNSTORABLE_TEXT_ANSWERS = {
  'GET /api/runs/ab%00': {
    status: 404,
    body: { type: 'urn:fathom:problem:not-found', title: 'Not found', status: 404, detail: "run 'ab\u0000' does not exist", code: 'NOT_FOUND' },
  },
  'GET /api/experiments/ab%00': {
    status: 404,
    body: { type: 'urn:fathom:problem:not-found', title: 'Not found', status: 404, detail: "experiment 'ab\u0000' does not exist", code: 'NOT_FOUND' },
  },
  'GET /api/experiments?createdBy=a%00': { status: 200, body: { experiments: [] } },
  'POST /api/runs/search': {
    status: 400,
    body: {
      type: 'urn:fathom:problem:invalid-argument',
      title: 'Invalid argument',
      status: 400,
      detail: `/filter: ${nulInFilter}`,
      code: 'INVALID_ARGUMENT',
      errors: [{ path: '/filter', message: nulInFilter }],
    },
  },
  'GET mlflow runs/get': { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "run 'ab\u0000' does not exist" } },
  'GET mlflow experiments/get-by-name': { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "experiment 'a\u0000' does not exist" } },
  'POST mlflow runs/search': { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `/filter: ${nulInFilter}` } },
  'GET mlflow metrics/get-history': { status: 200, body: {} },
};
