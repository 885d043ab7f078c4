import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect, it } from 'vitest';

/**
 * SQL injection payloads against every way a client chooses what to read: the search language
 * (native search and run listing, MLflow's runs/search and experiments/search filters and
 * order_by), sort, filter and page-token parameters. Written once, run on SQLite
 * (sql-injection.test.ts) and PostgreSQL (postgres-sql-injection.test.ts).
 *
 * Each payload must be either refused (a 4xx in the route's error shape) or a plain value: the
 * same payload logged as a parameter, tag and run name is found by an equality filter on it, and
 * only there. Afterwards everything reads back exactly as seeded.
 */
export const PAYLOADS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  "'; DROP TABLE runs; --",
  '"; DROP TABLE runs; --',
  "\\'; DELETE FROM experiments; --",
  "\\",
  '$$',
  '$1',
  '$$; DROP TABLE runs; $$',
  "' UNION SELECT id, name FROM experiments --",
  "%' OR name LIKE '%",
  "_%'",
  '1; SELECT pg_sleep(10); --',
  "'||(SELECT sqlite_version())||'",
  "') OR ('a'='a",
  '\u2019 OR 1=1 --',
  '\u02bc OR \u02bc1\u02bc=\u02bc1',
  '\uff07 OR 1=1 --',
  '`; DROP TABLE runs; --',
  '*/ DROP TABLE runs; /*',
  '0x27204f5220313d31',
];

/** A string literal of the filter languages (Fathom's and MLflow's): the quote doubled inside. */
export const quoted = (text: string): string => `'${text.replaceAll("'", "''")}'`;

interface Snapshot {
  experiments: unknown[];
  runs: unknown[];
}

export function sqlInjectionSuite(serve: () => Promise<FastifyInstance>): void {
  async function seeded(): Promise<{ app: FastifyInstance; experimentId: string; runIds: Map<string, string> }> {
    const app = await serve();
    const experiment = await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'victim', tags: ['keep'] } });
    expect(experiment.statusCode, experiment.body).toBe(201);
    const experimentId = experiment.json<{ id: string }>().id;
    const runIds = new Map<string, string>();
    for (const value of ['plain', ...PAYLOADS]) {
      const run = await app.inject({
        method: 'POST',
        url: `/api/experiments/${experimentId}/runs`,
        payload: { name: value, parameters: [{ key: 'p', value }], tags: { t: value } },
      });
      expect(run.statusCode, run.body).toBe(201);
      runIds.set(value, run.json<{ id: string }>().id);
    }
    // An experiment named by each payload too, for the name filters.
    for (const name of PAYLOADS) expect((await app.inject({ method: 'POST', url: '/api/experiments', payload: { name } })).statusCode).toBe(201);
    return { app, experimentId, runIds };
  }

  async function snapshot(app: FastifyInstance): Promise<Snapshot> {
    const experiments = (await app.inject({ method: 'GET', url: '/api/experiments?lifecycle=all&limit=1000&orderBy=name' })).json<{ experiments: { id: string }[] }>().experiments;
    const search = await app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: experiments.map((e) => e.id), orderBy: ['id'], limit: 1000 } });
    expect(search.statusCode, search.body).toBe(200);
    return { experiments, runs: search.json<{ runs: unknown[] }>().runs };
  }

  /** Refused in the native problem shape, or answered: never a 5xx. */
  function refusedOrAnswered(response: LightMyRequestResponse, what: string): boolean {
    expect(response.statusCode, `${what}: ${response.body}`).toBeLessThan(500);
    if (response.statusCode >= 400) {
      expect(response.headers['content-type'], what).toMatch(/^application\/problem\+json/);
      return false;
    }
    return true;
  }

  function mlflowRefusedOrAnswered(response: LightMyRequestResponse, what: string): boolean {
    expect(response.statusCode, `${what}: ${response.body}`).toBeLessThan(500);
    if (response.statusCode >= 400) {
      expect(response.json(), what).toHaveProperty('error_code');
      return false;
    }
    return true;
  }

  const runNames = (response: LightMyRequestResponse): string[] => response.json<{ runs: { name?: string }[] }>().runs.map((run) => run.name ?? '');
  const mlflowRunIds = (response: LightMyRequestResponse): string[] =>
    (response.json<{ runs?: { info: { run_id: string } }[] }>().runs ?? []).map((run) => run.info.run_id);

  it('finds each payload, as a plain value, by equality on a parameter, a tag and the run name, and nothing else', async () => {
    const { app, experimentId, runIds } = await seeded();
    const before = await snapshot(app);
    for (const payload of PAYLOADS) {
      for (const field of ['params.p', 'tags.t', 'name']) {
        const filter = `${field} = ${quoted(payload)}`;
        const native = await app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: [experimentId], filter } });
        expect(native.statusCode, `${filter}: ${native.body}`).toBe(200);
        expect(runNames(native), filter).toEqual([payload]);
        const listed = await app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/runs?filter=${encodeURIComponent(filter)}` });
        expect(runNames(listed), filter).toEqual([payload]);
        const mlflowFilter = `${field === 'name' ? 'attributes.run_name' : field === 'tags.t' ? 'tags.t' : 'params.p'} = ${quoted(payload)}`;
        const mlflow = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [experimentId], filter: mlflowFilter } });
        expect(mlflow.statusCode, `${mlflowFilter}: ${mlflow.body}`).toBe(200);
        expect(mlflowRunIds(mlflow), mlflowFilter).toEqual([runIds.get(payload)]);
      }
      // The experiment named by the payload, by exact name and by substring (where % and _ are literal).
      const byName = await app.inject({ method: 'GET', url: `/api/experiments?name=${encodeURIComponent(payload)}` });
      expect(byName.json<{ experiments: { name: string }[] }>().experiments.map((e) => e.name), payload).toContain(payload);
      expect(byName.json<{ experiments: { name: string }[] }>().experiments.every((e) => e.name.includes(payload)), payload).toBe(true);
      const mlflowByName = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', payload: { filter: `name = ${quoted(payload)}` } });
      expect(mlflowByName.statusCode, mlflowByName.body).toBe(200);
      expect(mlflowByName.json<{ experiments: { name: string }[] }>().experiments.map((e) => e.name), payload).toEqual([payload]);
    }
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses or answers plainly every payload written raw into filters, sort terms, keys and page tokens, and changes nothing', async () => {
    const { app, experimentId } = await seeded();
    const before = await snapshot(app);
    const everyRun = before.runs.length;
    for (const payload of PAYLOADS) {
      const filters = [payload, `params.p = '${payload}'`, `params.p = "${payload}"`, `tags.t != '${payload}' or 1=1`, `params.\`${payload}\` = 'x'`, `name ilike '${payload}'`];
      for (const filter of filters) {
        const native = await app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: [experimentId], filter } });
        // A filter that parses is evaluated as the language says: never more than every run.
        if (refusedOrAnswered(native, filter)) expect(runNames(native).length).toBeLessThanOrEqual(everyRun);
        const mlflow = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [experimentId], filter } });
        mlflowRefusedOrAnswered(mlflow, `MLflow filter ${filter}`);
        const experiments = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', payload: { filter } });
        mlflowRefusedOrAnswered(experiments, `MLflow experiment filter ${filter}`);
      }
      const q = encodeURIComponent(payload);
      const natives = [
        app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: [experimentId], orderBy: [payload] } }),
        app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: [experimentId], orderBy: [`params.\`${payload}\` desc`] } }),
        app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: [payload] } }),
        app.inject({ method: 'POST', url: '/api/runs/search', payload: { experimentIds: [experimentId], pageToken: payload } }),
        app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/runs?orderBy=${q}&pageToken=${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/runs?limit=${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments?orderBy=${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments?pageToken=${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments?tags=${q}&anyTags=${q}&createdBy=${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments?createdAfter=${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments/${q}` }),
        app.inject({ method: 'GET', url: `/api/runs/${q}` }),
        app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/artifacts?name=${q}&type=${q}` }),
      ];
      for (const [i, response] of (await Promise.all(natives)).entries()) refusedOrAnswered(response, `native request ${i} with ${payload}`);
      const mlflows = [
        app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [experimentId], order_by: [payload] } }),
        app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [experimentId], order_by: [`params.\`${payload}\` DESC`] } }),
        app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [experimentId], page_token: payload } }),
        app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', payload: { experiment_ids: [payload] } }),
        app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', payload: { order_by: [payload] } }),
        app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', payload: { page_token: payload } }),
        app.inject({ method: 'GET', url: `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${q}` }),
        app.inject({ method: 'GET', url: `/api/2.0/mlflow/runs/get?run_id=${q}` }),
        app.inject({ method: 'GET', url: `/api/2.0/mlflow/metrics/get-history?run_id=${q}&metric_key=${q}` }),
      ];
      for (const [i, response] of (await Promise.all(mlflows)).entries()) mlflowRefusedOrAnswered(response, `MLflow request ${i} with ${payload}`);
    }
    expect(await snapshot(app)).toEqual(before);
  });
}
