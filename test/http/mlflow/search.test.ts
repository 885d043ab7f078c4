import { describe, expect, it } from 'vitest';
import { CreateRun } from '../../../src/application/use-cases/runs/create-run.js';
import { createExperiment, createRun, expectMlflowError, ok, useMlflowServer, type Json, type MlflowServer } from './mlflow-client.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');

interface Seed {
  name: string;
  start: number;
  status?: 'FINISHED' | 'FAILED' | 'KILLED';
  acc?: number | string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

/** Creates runs as a script would (runs/create, log-batch, runs/update); their ids by name. */
async function seed(s: MlflowServer, experimentId: string, runs: readonly Seed[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const run of runs) {
    const id: string = (await createRun(s, experimentId, { runName: run.name, startTime: run.start, ...(run.tags ? { tags: run.tags } : {}) })).info.run_id;
    ids[run.name] = id;
    const params = Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value }));
    const metrics = run.acc === undefined ? [] : [{ key: 'acc', value: run.acc, timestamp: run.start + 1, step: 0 }];
    ok(await s.post('runs/log-batch', { run_id: id, metrics, params, tags: [] }));
    if (run.status) ok(await s.post('runs/update', { run_id: id, status: run.status, end_time: run.start + 10_000 }));
  }
  return ids;
}

const RUNS: Seed[] = [
  { name: 'alpha', start: T0 + 1_000, status: 'FINISHED', acc: 0.91, params: { lr: '0.01', optimizer: 'Adam' }, tags: { team: 'vision' } },
  { name: 'beta', start: T0 + 2_000, status: 'FAILED', acc: 0.42, params: { lr: '0.1', optimizer: 'sgd' }, tags: { team: 'nlp' } },
  { name: 'gamma', start: T0 + 3_000, status: 'FINISHED', acc: 0.77, params: { lr: '0.01', optimizer: 'AdamW' }, tags: { team: 'vision' } },
  { name: 'delta', start: T0 + 4_000, params: { lr: '0.001' } },
  { name: 'epsilon', start: T0 + 5_000, status: 'KILLED', acc: 'NaN', params: { lr: '1e-4', optimizer: 'adam' }, tags: { team: 'speech' } },
];

describe('MLflow run search', () => {
  const server = useMlflowServer();

  /** The names of the runs an MLflow search finds, in order. */
  async function names(s: MlflowServer, body: Record<string, unknown>): Promise<string[]> {
    return (ok(await s.post('runs/search', { max_results: 1000, ...body })).runs ?? []).map((r: Json) => r.info.run_name);
  }

  it('finds runs with MLflow\'s filter grammar', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    const ids = await seed(s, experimentId, RUNS);
    const find = (filter: string) => names(s, { experiment_ids: [experimentId], filter });
    expect(await find("metrics.acc > 0.5 and params.lr = '0.01'")).toEqual(['gamma', 'alpha']);
    expect(await find('metrics.acc >= 0.77')).toEqual(['gamma', 'alpha']);
    expect(await find('metrics.acc < 0.5')).toEqual(['beta']);
    expect(await find("attributes.status = 'FINISHED'")).toEqual(['gamma', 'alpha']);
    expect(await find("status = 'KILLED'")).toEqual(['epsilon']);
    expect(await find("attributes.status IN ('FAILED', 'KILLED')")).toEqual(['epsilon', 'beta']);
    expect(await find("attributes.status != 'RUNNING'")).toEqual(['epsilon', 'gamma', 'beta', 'alpha']);
    expect(await find("tags.`mlflow.runName` = 'beta'")).toEqual(['beta']);
    expect(await find("tags.mlflow.runName = 'beta'")).toEqual(['beta']);
    expect(await find("attributes.run_name = 'delta'")).toEqual(['delta']);
    expect(await find("run_name LIKE '%ta'")).toEqual(['delta', 'beta']);
    expect(await find("params.optimizer LIKE 'Adam%'")).toEqual(['gamma', 'alpha']);
    expect(await find("params.optimizer ILIKE 'adam%'")).toEqual(['epsilon', 'gamma', 'alpha']);
    expect(await find("params.optimizer IN ('sgd', 'adam')")).toEqual(['epsilon', 'beta']);
    expect(await find("params.optimizer NOT IN ('sgd', 'adam')")).toEqual(['gamma', 'alpha']);
    expect(await find("params.lr != '0.01'")).toEqual(['epsilon', 'delta', 'beta']);
    expect(await find("tags.team = 'vision' and metrics.acc > 0.8")).toEqual(['alpha']);
    expect(await find("tags.team != 'vision'")).toEqual(['epsilon', 'beta']);
    expect(await find("tags.\"team\" ILIKE 'VIS%'")).toEqual(['gamma', 'alpha']);
    expect(await find(`attributes.start_time >= ${T0 + 3_000}`)).toEqual(['epsilon', 'delta', 'gamma']);
    expect(await find(`attributes.end_time < ${T0 + 12_500}`)).toEqual(['beta', 'alpha']);
    expect(await find("attributes.user_id = 'alice'")).toHaveLength(5);
    expect(await find(`attributes.run_id IN ('${ids.alpha}', '${ids.delta}')`)).toEqual(['delta', 'alpha']);
    expect(await find(`attribute.run_id = '${ids.beta}'`)).toEqual(['beta']);
    expect(await find('metrics.missing > 0')).toEqual([]);
  });

  it('orders by order_by: metrics.acc DESC, runs without the metric last', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    await seed(s, experimentId, RUNS);
    const sorted = (orderBy: string[]) => names(s, { experiment_ids: [experimentId], order_by: orderBy });
    const descending = await sorted(['metrics.acc DESC']);
    expect(descending.slice(0, 3)).toEqual(['alpha', 'gamma', 'beta']);
    expect(descending.slice(3).sort()).toEqual(['delta', 'epsilon']);
    expect((await sorted(['metrics.acc ASC'])).slice(0, 3)).toEqual(['beta', 'gamma', 'alpha']);
    expect((await sorted(['metrics.acc'])).slice(0, 3)).toEqual(['beta', 'gamma', 'alpha']);
    expect(await sorted(['attributes.start_time ASC'])).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
    expect(await sorted(['attributes.run_name DESC'])).toEqual(['gamma', 'epsilon', 'delta', 'beta', 'alpha']);
    expect(await sorted(['tags.team ASC', 'metrics.acc DESC']).then((n) => n.slice(0, 4))).toEqual(['beta', 'epsilon', 'alpha', 'gamma']);
  });

  it('orders by default as MLflow does: start_time DESC, then run_id ASC', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    const runs: { id: string; start: number }[] = [];
    for (let i = 0; i < 12; i++) {
      const start = T0 + 1_000 * (i % 3);
      runs.push({ id: (await createRun(s, experimentId, { runName: `r${i}`, startTime: start })).info.run_id, start });
    }
    const expected = [...runs].sort((a, b) => b.start - a.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);
    const found = ok(await s.post('runs/search', { experiment_ids: [experimentId] })).runs.map((r: Json) => r.info.run_id);
    expect(found).toEqual(expected);
    // With an order that ties everywhere, start_time DESC and run_id ASC still decide.
    const tied = ok(await s.post('runs/search', { experiment_ids: [experimentId], order_by: ['attributes.status'] })).runs.map((r: Json) => r.info.run_id);
    expect(tied).toEqual(expected);
  });

  it('answers each run in MLflow\'s JSON, as runs/get does', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    const ids = await seed(s, experimentId, RUNS.slice(0, 1));
    const [run] = ok(await s.post('runs/search', { experiment_ids: [experimentId] })).runs;
    const got = ok(await s.get('runs/get', { run_id: ids.alpha })).run;
    expect(run).toEqual(got);
    expect(run.info).toMatchObject({ run_id: ids.alpha, status: 'FINISHED', end_time: T0 + 11_000 });
  });

  it('pages with max_results and next_page_token, every run exactly once', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    const all: string[] = [];
    for (let i = 0; i < 23; i++) all.push((await createRun(s, experimentId, { runName: `run ${i}`, startTime: T0 + 1_000 * (i % 5) })).info.run_id);
    for (const orderBy of [[], ['attributes.run_name ASC'], ['metrics.absent DESC']]) {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = ok(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 5, order_by: orderBy, ...(token ? { page_token: token } : {}) }));
        expect(page.runs.length).toBeLessThanOrEqual(5);
        seen.push(...page.runs.map((r: Json) => r.info.run_id));
        token = page.next_page_token;
        pages += 1;
      } while (token);
      expect(pages).toBe(5);
      expect(new Set(seen).size).toBe(23);
      expect([...seen].sort()).toEqual([...all].sort());
    }
    // A token belongs to its query.
    const first = ok(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 5 }));
    const other = { experiment_ids: [experimentId], max_results: 5, filter: "attributes.status = 'RUNNING'", page_token: first.next_page_token };
    expectMlflowError(await s.post('runs/search', other), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('pages beyond Fathom\'s 10,000 runs a request: max_results up to 50,000 reaches every run once', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    // Seeded through the use case (the same store): 10,050 runs over HTTP would take minutes.
    const create = s.fathom.use(CreateRun);
    for (let i = 0; i < 10_050; i++) await create.execute(experimentId, { name: `bulk ${i}`, startedAt: T0 + (i % 97) }, ANONYMOUS);
    const whole = ok(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 50_000 }));
    expect(whole.runs).toHaveLength(10_050);
    expect(whole.next_page_token).toBeUndefined();
    const ids: string[] = whole.runs.map((r: Json) => r.info.run_id);
    expect(new Set(ids).size).toBe(10_050);
    const first = ok(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 10_001 }));
    expect(first.runs).toHaveLength(10_001);
    const rest = ok(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 10_001, page_token: first.next_page_token }));
    expect(rest.next_page_token).toBeUndefined();
    expect([...first.runs, ...rest.runs].map((r: Json) => r.info.run_id)).toEqual(ids);
    expectMlflowError(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 50_001 }), 400, 'INVALID_PARAMETER_VALUE');
  }, 60_000);

  it('hides deleted runs by default; DELETED_ONLY shows only them, ALL both (run_view_type)', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    const ids = await seed(s, experimentId, RUNS.slice(0, 3));
    ok(await s.post('runs/delete', { run_id: ids.beta }));
    const view = (runViewType?: string | number) => names(s, { experiment_ids: [experimentId], ...(runViewType !== undefined ? { run_view_type: runViewType } : {}) });
    expect(await view()).toEqual(['gamma', 'alpha']);
    expect(await view('ACTIVE_ONLY')).toEqual(['gamma', 'alpha']);
    expect(await view('DELETED_ONLY')).toEqual(['beta']);
    expect(await view('ALL')).toEqual(['gamma', 'beta', 'alpha']);
    // The protobuf enum's numbers, as some clients send them.
    expect(await view(2)).toEqual(['beta']);
    expect(await view(3)).toEqual(['gamma', 'beta', 'alpha']);
    expect(await names(s, { experiment_ids: [experimentId], run_view_type: 'DELETED_ONLY', filter: "attributes.status = 'FAILED'" })).toEqual(['beta']);
    ok(await s.post('runs/restore', { run_id: ids.beta }));
    expect(await view('DELETED_ONLY')).toEqual([]);
    expect(await view()).toEqual(['gamma', 'beta', 'alpha']);
  });

  it('searches several experiments at once', async () => {
    const s = server();
    const first = await createExperiment(s);
    const second = await createExperiment(s);
    await seed(s, first, RUNS.slice(0, 2));
    await seed(s, second, RUNS.slice(2, 4));
    expect(await names(s, { experiment_ids: [first, second] })).toEqual(['delta', 'gamma', 'beta', 'alpha']);
    expect(await names(s, { experiment_ids: [second] })).toEqual(['delta', 'gamma']);
  });

  it('finds no runs in an experiment that does not exist, as MLflow (which does not look) finds none', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    await seed(s, experimentId, RUNS.slice(0, 2));
    expect(ok(await s.post('runs/search', { experiment_ids: ['987654'] }))).toEqual({});
    expect(await names(s, { experiment_ids: ['987654', experimentId] })).toEqual(['beta', 'alpha']);
    expectMlflowError(await s.post('runs/search', { experiment_ids: ['987654'], filter: 'metrics.acc >' }), 400, 'INVALID_PARAMETER_VALUE');
    // No experiment named, no runs: MLflow searches only the experiments it is given.
    expect(ok(await s.post('runs/search', {}))).toEqual({});
    expect(ok(await s.post('runs/search', { experiment_ids: [] }))).toEqual({});
  });

  it('finds runs logged natively, and native search finds runs logged through MLflow', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    await seed(s, experimentId, RUNS.slice(0, 2));
    const native = ok(
      await s.native.post(`/api/experiments/${experimentId}/runs`, { name: 'native', parameters: [{ key: 'lr', value: 0.01 }], startedAt: '2026-01-15T11:00:00.000Z' }),
      201,
    );
    ok(await s.native.post(`/api/runs/${native.id}/metrics`, { key: 'acc', value: 0.95, step: 0 }), 201);
    expect(await names(s, { experiment_ids: [experimentId], filter: 'metrics.acc > 0.9' })).toEqual(['native', 'alpha']);
    expect(await names(s, { experiment_ids: [experimentId], filter: "params.lr = '0.01'" })).toEqual(['native', 'alpha']);
    const found = ok(await s.native.post('/api/runs/search', { experimentIds: [experimentId], filter: "params.lr < 0.05 and status = 'completed'" }));
    expect(found.runs.map((r: Json) => r.name)).toEqual(['alpha']);
  });

  it('finds a run by tags.mlflow.parentRunId once set-tag gives it a parent, and no longer after delete-tag', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    const parentId: string = (await createRun(s, experimentId, { runName: 'sweep', startTime: T0 })).info.run_id;
    const runId: string = (await createRun(s, experimentId, { runName: 'trial', startTime: T0 + 1_000 })).info.run_id;
    await createRun(s, experimentId, { runName: 'born nested', startTime: T0 + 2_000, tags: { 'mlflow.parentRunId': parentId } });
    const nested = () => names(s, { experiment_ids: [experimentId], filter: `tags.mlflow.parentRunId = '${parentId}'` });
    const children = async () => ok(await s.native.get(`/api/runs/${parentId}/children`)).runs.map((r: Json) => r.name);
    expect([await nested(), await children()]).toEqual([['born nested'], ['born nested']]);

    ok(await s.post('runs/set-tag', { run_id: runId, key: 'mlflow.parentRunId', value: parentId }));
    expect([await nested(), await children()]).toEqual([
      ['born nested', 'trial'],
      ['born nested', 'trial'],
    ]);
    expect(await names(s, { experiment_ids: [experimentId], filter: "tags.`mlflow.parentRunId` LIKE '%'" })).toEqual(['born nested', 'trial']);

    ok(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }));
    expect([await nested(), await children()]).toEqual([['born nested'], ['born nested']]);
  });

  // Differences from MLflow that docs/mlflow.md states, in Fathom's sort (reached through
  // search-translation.ts): what a client observes instead.
  describe("documented differences from MLflow (Fathom's sort)", () => {
    it('orders params that read as numbers by value, not as text ("9" < "10" < "100")', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      for (const [i, value] of ['9', '10', '100', '0.5'].entries()) {
        const id: string = (await createRun(s, experimentId, { runName: `n=${value}`, startTime: T0 + i })).info.run_id;
        ok(await s.post('runs/log-parameter', { run_id: id, key: 'n', value }));
      }
      expect(await names(s, { experiment_ids: [experimentId], order_by: ['params.n ASC'] })).toEqual(['n=0.5', 'n=9', 'n=10', 'n=100']);
    });

    it('breaks ties left after four order_by clauses (and start_time) by run_id descending', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await createRun(s, experimentId, { startTime: T0 })).info.run_id);
      const orderBy = ['metrics.a', 'metrics.b', 'metrics.c', 'metrics.d'];
      const found = ok(await s.post('runs/search', { experiment_ids: [experimentId], order_by: orderBy })).runs.map((r: Json) => r.info.run_id);
      expect(found).toEqual([...ids].sort().reverse());
      // With fewer clauses, ties go by run_id ascending, as in MLflow.
      const fewer = ok(await s.post('runs/search', { experiment_ids: [experimentId], order_by: ['metrics.a'] })).runs.map((r: Json) => r.info.run_id);
      expect(fewer).toEqual([...ids].sort());
    });

    it('orders a NaN metric with the runs that lack the metric, last in both directions', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      await seed(s, experimentId, [
        { name: 'nan', start: T0, acc: 'NaN' },
        { name: 'value', start: T0 + 1, acc: 0.5 },
        { name: 'missing', start: T0 + 2 },
      ]);
      for (const direction of ['ASC', 'DESC']) {
        // Among those without a value, newest first (start_time DESC, MLflow's next order).
        expect(await names(s, { experiment_ids: [experimentId], order_by: [`metrics.acc ${direction}`] })).toEqual(['value', 'missing', 'nan']);
      }
    });
  });

  it('refuses filters and orders MLflow would refuse with INVALID_PARAMETER_VALUE, never a 500', async () => {
    const s = server();
    const experimentId = await createExperiment(s);
    for (const filter of [
      'metrics.acc >',
      "metrics.acc > 'high'",
      'params.lr > 0.01',
      "metrics.acc > 0.5 OR params.lr = '0.01'",
      "(metrics.acc > 0.5)",
      "attributes.status = 'DONE'",
      "unknown.key = 'x'",
      "attributes.nonsense = 'x'",
      "params.lr = '0.01",
      'metrics.acc LIKE 0.5',
    ]) {
      expectMlflowError(await s.post('runs/search', { experiment_ids: [experimentId], filter }), 400, 'INVALID_PARAMETER_VALUE');
    }
    for (const orderBy of [['metrics.acc SIDEWAYS'], ['nonsense'], ['metrics.'], ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `metrics.${k}`)]) {
      expectMlflowError(await s.post('runs/search', { experiment_ids: [experimentId], order_by: orderBy }), 400, 'INVALID_PARAMETER_VALUE');
    }
    expectMlflowError(await s.post('runs/search', { experiment_ids: [experimentId], run_view_type: 'SOMETIMES' }), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(await s.post('runs/search', { experiment_ids: [experimentId], max_results: 0 }), 400, 'INVALID_PARAMETER_VALUE');
  });
});
