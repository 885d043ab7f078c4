import { beforeEach, describe, expect, it } from 'vitest';
import { createExperiment, expectProblem, expectStatus, issuePaths, logMetrics, logParams, useApi, type Json } from './api.js';

const api = useApi();

interface RunSpec {
  name: string;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  /** Per key, the values at steps 0, 1, 2… */
  metrics?: Record<string, (number | string)[]>;
  startedAt?: string;
  /** Finish the run with this status, at `completedAt` if given. */
  status?: 'completed' | 'failed';
  completedAt?: string;
  parentRunId?: string;
}

/** A run made through the API, the way a client logs one: start, log, finish. */
async function aRun(experimentId: string, spec: RunSpec): Promise<Json> {
  const body: Record<string, unknown> = { name: spec.name };
  if (spec.tags) body.tags = spec.tags;
  if (spec.startedAt) body.startedAt = spec.startedAt;
  if (spec.parentRunId) body.parentRunId = spec.parentRunId;
  const run = expectStatus(await api.post(`/api/experiments/${experimentId}/runs`, body), 201);
  if (spec.params) await logParams(api, run.id, spec.params);
  const points = Object.entries(spec.metrics ?? {}).flatMap(([key, values]) => values.map((value, step) => ({ key, value, step })));
  if (points.length > 0) await logMetrics(api, run.id, points);
  if (spec.status) {
    const finish: Record<string, unknown> = { status: spec.status };
    if (spec.completedAt) finish.completedAt = spec.completedAt;
    expectStatus(await api.patch(`/api/runs/${run.id}`, finish), 200);
  }
  return run;
}

async function search(body: Record<string, unknown>): Promise<Json> {
  return expectStatus(await api.post('/api/runs/search', body), 200);
}

async function names(body: Record<string, unknown>): Promise<string[]> {
  return (await search(body)).runs.map((r: Json) => r.name);
}

/** Every page of a search, following nextPageToken; the ids in the order served. */
async function allPages(body: Record<string, unknown>, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await search({ ...body, limit, ...(pageToken ? { pageToken } : {}) });
    expect(page.runs.length).toBeLessThanOrEqual(limit);
    ids.push(...page.runs.map((r: Json) => r.id));
    pageToken = page.nextPageToken;
    pages += 1;
  } while (pageToken !== undefined && pages < 50);
  return { ids, pages };
}

function filterProblem(response: Parameters<typeof expectProblem>[0], path = '/filter'): string {
  const problem = expectProblem(response, 400, 'INVALID_ARGUMENT');
  expect(issuePaths(problem)).toEqual([path]);
  return (problem.errors ?? [])[0]?.message ?? '';
}

describe("the issue's example: params.lr < 0.01 and metrics.acc >= 0.9 and tags.team = 'nlp' and status = 'completed'", () => {
  it('finds exactly the runs meeting every condition, lr logged as a number or as the string MLflow sends', async () => {
    const experiment = await createExperiment(api);
    const e = experiment.id;
    const nlp = { team: 'nlp' };
    await aRun(e, { name: 'number lr', params: { lr: 0.001 }, metrics: { acc: [0.5, 0.95] }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'string lr', params: { lr: '0.001' }, metrics: { acc: [0.92] }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'exponent lr', params: { lr: '1e-4' }, metrics: { acc: [0.9] }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'lr too high', params: { lr: 0.01 }, metrics: { acc: [0.99] }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'acc only earlier', params: { lr: 0.001 }, metrics: { acc: [0.95, 0.85] }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'other team', params: { lr: 0.001 }, metrics: { acc: [0.95] }, tags: { team: 'vision' }, status: 'completed' });
    await aRun(e, { name: 'team in capitals', params: { lr: 0.001 }, metrics: { acc: [0.95] }, tags: { team: 'NLP' }, status: 'completed' });
    await aRun(e, { name: 'still running', params: { lr: 0.001 }, metrics: { acc: [0.95] }, tags: nlp });
    await aRun(e, { name: 'failed', params: { lr: 0.001 }, metrics: { acc: [0.95] }, tags: nlp, status: 'failed' });
    await aRun(e, { name: 'no lr', metrics: { acc: [0.95] }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'no acc', params: { lr: 0.001 }, tags: nlp, status: 'completed' });
    await aRun(e, { name: 'lr is text', params: { lr: 'auto' }, metrics: { acc: [0.95] }, tags: nlp, status: 'completed' });

    const filter = "params.lr < 0.01 and metrics.acc >= 0.9 and tags.team = 'nlp' and status = 'completed'";
    const found = await names({ filter, orderBy: ['name'] });
    expect(found).toEqual(['exponent lr', 'number lr', 'string lr']);

    // The experiment's own listing answers the same.
    const listed = expectStatus(await api.get(`/api/experiments/${e}/runs?filter=${encodeURIComponent(filter)}&orderBy=name`), 200);
    expect(listed.runs.map((r: Json) => r.name)).toEqual(found);
  });
});

describe('the filter language', () => {
  let e: string;
  let ids: Record<string, string>;

  /**
   * Four runs covering the value types:
   * - lr logged as a number, a numeric string, a number, and missing;
   * - optimizer text in several cases; layers as numbers and a numeric string; augment as a
   *   boolean and the strings MLflow sends.
   */
  beforeEach(async () => {
    e = (await createExperiment(api)).id;
    ids = {};
    const add = async (spec: RunSpec) => {
      ids[spec.name] = (await aRun(e, spec)).id;
    };
    await add({
      name: 'adam-1',
      params: { lr: 0.001, optimizer: 'adam', layers: 2, augment: true, 'model.depth': 12 },
      tags: { team: 'nlp', 'git.branch': 'main', note: 'first try' },
      metrics: { acc: [0.5, 0.8, 0.9], 'val.loss': [0.3], 'val loss': [0.7], 'train/loss': [0.2] },
      startedAt: '2026-01-10T09:00:00Z',
      status: 'completed',
      completedAt: '2026-01-10T09:30:00Z',
    });
    await add({
      name: 'adam-2',
      params: { lr: '0.01', optimizer: 'Adam', layers: '4', augment: 'False' },
      tags: { team: 'NLP', note: '50%_off' },
      metrics: { acc: [0.95], 'val.loss': [0.6] },
      startedAt: '2026-01-20T09:00:00Z',
      status: 'failed',
      completedAt: '2026-01-20T09:00:05Z',
    });
    await add({
      name: 'sgd-1',
      params: { lr: 0.1, optimizer: 'sgd', layers: 8, augment: 'TRUE' },
      tags: { team: 'vision', 'git.branch': 'feature/x', note: '500_off' },
      metrics: { acc: [0.6, 0.4] },
      startedAt: '2026-02-01T00:00:00Z',
      parentRunId: ids['adam-1'] as string,
    });
    await add({ name: 'baseline', params: { optimizer: 'none' }, startedAt: '2026-02-02T00:00:00Z' });
  });

  /** The names a filter finds, alphabetically. */
  async function found(filter: string): Promise<string[]> {
    return (await names({ filter, orderBy: ['name'] })).sort();
  }

  async function table(filters: string[]): Promise<Record<string, string[]>> {
    const result: Record<string, string[]> = {};
    for (const filter of filters) result[filter] = await found(filter);
    return result;
  }

  it('comparisons = != <> < <= > >= on numbers and on text', async () => {
    expect(
      await table([
        'params.layers = 4',
        'params.layers != 4',
        'params.layers <> 4',
        'params.layers < 4',
        'params.layers <= 4',
        'params.layers > 4',
        'params.layers >= 4',
        "params.optimizer = 'adam'",
        "params.optimizer != 'adam'",
        "params.optimizer < 'b'",
        "params.optimizer >= 'n'",
      ]),
    ).toEqual({
      'params.layers = 4': ['adam-2'],
      'params.layers != 4': ['adam-1', 'sgd-1'],
      'params.layers <> 4': ['adam-1', 'sgd-1'],
      'params.layers < 4': ['adam-1'],
      'params.layers <= 4': ['adam-1', 'adam-2'],
      'params.layers > 4': ['sgd-1'],
      'params.layers >= 4': ['adam-2', 'sgd-1'],
      "params.optimizer = 'adam'": ['adam-1'],
      // Text comparisons are exact and by code point: 'A' sorts before 'a'.
      "params.optimizer != 'adam'": ['adam-2', 'baseline', 'sgd-1'],
      "params.optimizer < 'b'": ['adam-1', 'adam-2'],
      "params.optimizer >= 'n'": ['baseline', 'sgd-1'],
    });
  });

  it('in and not in, with numbers or text', async () => {
    expect(
      await table([
        "params.optimizer in ('adam', 'sgd')",
        "params.optimizer not in ('adam', 'sgd')",
        'params.layers in (2, 8)',
        "tags.team in ('nlp')",
        "tags.team not in ('nlp')",
      ]),
    ).toEqual({
      "params.optimizer in ('adam', 'sgd')": ['adam-1', 'sgd-1'],
      "params.optimizer not in ('adam', 'sgd')": ['adam-2', 'baseline'],
      'params.layers in (2, 8)': ['adam-1', 'sgd-1'],
      "tags.team in ('nlp')": ['adam-1'],
      // baseline has no team tag: not in is unknown for it, so it is not found.
      "tags.team not in ('nlp')": ['adam-2', 'sgd-1'],
    });
  });

  it('like is case-sensitive and ilike is not; % and _ are wildcards, \\ makes them literal', async () => {
    expect(
      await table([
        "params.optimizer like 'a%'",
        "params.optimizer ilike 'A%'",
        "params.optimizer not like 'a%'",
        "params.optimizer not ilike 'a%'",
        "params.optimizer like 'sg_'",
        "params.optimizer like 's_'",
        "tags.note like '50%_off'",
        "tags.note like '50\\%\\_off'",
        "tags.note like '%try'",
        "tags.`git.branch` like 'feature/%'",
        "name like 'adam-_'",
        'params.layers like \'4\'',
      ]),
    ).toEqual({
      "params.optimizer like 'a%'": ['adam-1'],
      "params.optimizer ilike 'A%'": ['adam-1', 'adam-2'],
      "params.optimizer not like 'a%'": ['adam-2', 'baseline', 'sgd-1'],
      "params.optimizer not ilike 'a%'": ['baseline', 'sgd-1'],
      "params.optimizer like 'sg_'": ['sgd-1'],
      "params.optimizer like 's_'": [],
      "tags.note like '50%_off'": ['adam-2', 'sgd-1'],
      "tags.note like '50\\%\\_off'": ['adam-2'],
      "tags.note like '%try'": ['adam-1'],
      "tags.`git.branch` like 'feature/%'": ['sgd-1'],
      "name like 'adam-_'": ['adam-1', 'adam-2'],
      // A parameter's text view: '4' as logged.
      "params.layers like '4'": ['adam-2'],
    });
  });

  it('and binds tighter than or, not tightest; parentheses group; keywords in any case', async () => {
    expect(
      await table([
        "tags.team = 'vision' or tags.team = 'nlp' and params.layers < 5",
        "(tags.team = 'vision' or tags.team = 'nlp') and params.layers < 5",
        "not params.optimizer = 'adam' and params.layers > 2",
        "not (params.optimizer = 'adam' or params.layers > 2)",
        "PARAMS.layers > 2 AND Tags.team IN ('vision') Or NOT params.optimizer != 'none'",
      ]),
    ).toEqual({
      "tags.team = 'vision' or tags.team = 'nlp' and params.layers < 5": ['adam-1', 'sgd-1'],
      "(tags.team = 'vision' or tags.team = 'nlp') and params.layers < 5": ['adam-1'],
      "not params.optimizer = 'adam' and params.layers > 2": ['adam-2', 'sgd-1'],
      // baseline has no layers: `not (false or unknown)` is unknown.
      "not (params.optimizer = 'adam' or params.layers > 2)": [],
      "PARAMS.layers > 2 AND Tags.team IN ('vision') Or NOT params.optimizer != 'none'": ['baseline', 'sgd-1'],
    });
  });

  it('a quoted value compares the text as logged, a bare number the numeric value, true/false the boolean', async () => {
    expect(
      await table([
        'params.lr = 0.01',
        "params.lr = '0.01'",
        'params.lr = 0.010',
        "params.lr = '0.010'",
        "params.layers = '2'",
        'params.lr < 0.05',
        'params.augment = true',
        'params.augment = false',
        'params.augment != true',
        "params.augment = 'true'",
        "params.optimizer > 'a'",
        'params.optimizer > 0',
      ]),
    ).toEqual({
      'params.lr = 0.01': ['adam-2'],
      "params.lr = '0.01'": ['adam-2'],
      'params.lr = 0.010': ['adam-2'],
      "params.lr = '0.010'": [],
      "params.layers = '2'": ['adam-1'],
      // 0.001 logged as a number and '0.01' logged as a string compare as numbers alike.
      'params.lr < 0.05': ['adam-1', 'adam-2'],
      // true, 'TRUE' and 'False' read as booleans in any case.
      'params.augment = true': ['adam-1', 'sgd-1'],
      'params.augment = false': ['adam-2'],
      'params.augment != true': ['adam-2'],
      "params.augment = 'true'": ['adam-1'],
      "params.optimizer > 'a'": ['adam-1', 'baseline', 'sgd-1'],
      // Text that is not a number has no numeric value: the comparison is unknown.
      'params.optimizer > 0': [],
    });
  });

  it('a run without the field is never found by a comparison on it, not even by != or not', async () => {
    expect(
      await table([
        'params.lr != 0.001',
        'not params.lr = 0.001',
        'params.lr = 0.001 or params.lr != 0.001',
        "params.lr = 0.001 or params.optimizer = 'none'",
        'metrics.acc != 0.9',
        "tags.note != 'first try'",
        "params.lr like '%'",
      ]),
    ).toEqual({
      'params.lr != 0.001': ['adam-2', 'sgd-1'],
      'not params.lr = 0.001': ['adam-2', 'sgd-1'],
      'params.lr = 0.001 or params.lr != 0.001': ['adam-1', 'adam-2', 'sgd-1'],
      "params.lr = 0.001 or params.optimizer = 'none'": ['adam-1', 'baseline'],
      'metrics.acc != 0.9': ['adam-2', 'sgd-1'],
      "tags.note != 'first try'": ['adam-2', 'sgd-1'],
      "params.lr like '%'": ['adam-1', 'adam-2', 'sgd-1'],
    });
  });

  it('keys with dots or spaces go in backticks; / needs none', async () => {
    expect(
      await table([
        'metrics.`val.loss` < 0.5',
        'metrics.`val loss` > 0.5',
        'metrics.`val.loss`.max >= 0.6',
        'params.`model.depth` = 12',
        "tags.`git.branch` = 'main'",
        'metrics.train/loss < 1',
        'metrics.`train/loss` < 1',
      ]),
    ).toEqual({
      'metrics.`val.loss` < 0.5': ['adam-1'],
      'metrics.`val loss` > 0.5': ['adam-1'],
      'metrics.`val.loss`.max >= 0.6': ['adam-2'],
      'params.`model.depth` = 12': ['adam-1'],
      "tags.`git.branch` = 'main'": ['adam-1'],
      'metrics.train/loss < 1': ['adam-1'],
      'metrics.`train/loss` < 1': ['adam-1'],
    });

    const message = filterProblem(await api.post('/api/runs/search', { filter: 'metrics.val.loss < 0.5' }));
    expect(message).toContain('at character 13');
    expect(message).toContain('backticks');
  });

  it('metrics.<key> is the latest value; .min .max .mean .count aggregate the whole history', async () => {
    expect(
      await table([
        'metrics.acc >= 0.9',
        'metrics.acc.max >= 0.9',
        'metrics.acc.min < 0.5',
        'metrics.acc.min <= 0.5',
        'metrics.acc.mean > 0.7',
        'metrics.acc.mean < 0.6',
        'metrics.acc.count = 3',
        'metrics.acc.count >= 1',
        'metrics.ACC.MAX > 0',
      ]),
    ).toEqual({
      // sgd-1 reached 0.6 then fell to 0.4: its latest value is 0.4.
      'metrics.acc >= 0.9': ['adam-1', 'adam-2'],
      'metrics.acc.max >= 0.9': ['adam-1', 'adam-2'],
      'metrics.acc.min < 0.5': ['sgd-1'],
      'metrics.acc.min <= 0.5': ['adam-1', 'sgd-1'],
      // adam-1: (0.5 + 0.8 + 0.9) / 3 ≈ 0.733; sgd-1: 0.5.
      'metrics.acc.mean > 0.7': ['adam-1', 'adam-2'],
      'metrics.acc.mean < 0.6': ['sgd-1'],
      'metrics.acc.count = 3': ['adam-1'],
      'metrics.acc.count >= 1': ['adam-1', 'adam-2', 'sgd-1'],
      // Keys are case-sensitive (there is no ACC); the aggregate's name is not.
      'metrics.ACC.MAX > 0': [],
    });
  });

  it('attributes: name, status, times with quoted ISO dates, duration, experimentId, parentRunId, createdBy', async () => {
    expect(
      await table([
        "name = 'baseline'",
        "status = 'running'",
        "attributes.status in ('completed', 'failed')",
        "startedAt >= '2026-01-20T09:00:00Z'",
        "startedAt < '2026-01-20'",
        "startedAt > '2026-01-20T10:00:00+02:00'",
        `startedAt = ${Date.parse('2026-02-01T00:00:00Z')}`,
        "completedAt < '2026-01-15'",
        'duration > 60',
        'duration <= 5',
        'duration >= 0',
        `experimentId = '${e}'`,
        `parentRunId = '${ids['adam-1']}'`,
        "createdBy = 'anonymous'",
      ]),
    ).toEqual({
      "name = 'baseline'": ['baseline'],
      "status = 'running'": ['baseline', 'sgd-1'],
      "attributes.status in ('completed', 'failed')": ['adam-1', 'adam-2'],
      "startedAt >= '2026-01-20T09:00:00Z'": ['adam-2', 'baseline', 'sgd-1'],
      "startedAt < '2026-01-20'": ['adam-1'],
      // 10:00 at +02:00 is 08:00 UTC: adam-2 started at 09:00 UTC, after it.
      "startedAt > '2026-01-20T10:00:00+02:00'": ['adam-2', 'baseline', 'sgd-1'],
      [`startedAt = ${Date.parse('2026-02-01T00:00:00Z')}`]: ['sgd-1'],
      "completedAt < '2026-01-15'": ['adam-1'],
      // Seconds: adam-1 ran 30 minutes, adam-2 five seconds; running runs have no duration.
      'duration > 60': ['adam-1'],
      'duration <= 5': ['adam-2'],
      'duration >= 0': ['adam-1', 'adam-2'],
      [`experimentId = '${e}'`]: ['adam-1', 'adam-2', 'baseline', 'sgd-1'],
      [`parentRunId = '${ids['adam-1']}'`]: ['sgd-1'],
      "createdBy = 'anonymous'": ['adam-1', 'adam-2', 'baseline', 'sgd-1'],
    });
  });
});

describe('orderBy', () => {
  let e: string;

  beforeEach(async () => {
    e = (await createExperiment(api)).id;
    await aRun(e, { name: 'a', params: { lr: 0.01, opt: 'sgd' }, metrics: { acc: [0.7] }, tags: { team: 'nlp' }, startedAt: '2026-01-01T00:00:00Z' });
    await aRun(e, { name: 'b', params: { lr: '0.001', opt: 'adam' }, metrics: { acc: [0.9] }, tags: { team: 'vision' }, startedAt: '2026-01-03T00:00:00Z' });
    await aRun(e, { name: 'c', params: { lr: 'auto', opt: 'adam' }, metrics: { acc: [0.8] }, tags: { team: 'nlp' }, startedAt: '2026-01-02T00:00:00Z' });
    await aRun(e, { name: 'd', params: { lr: 0.1 }, tags: { team: 'nlp' }, startedAt: '2026-01-05T00:00:00Z' });
    await aRun(e, {
      name: 'e',
      params: { lr: 'Adaptive' },
      metrics: { acc: [0.9] },
      startedAt: '2026-01-04T00:00:00Z',
      status: 'completed',
      completedAt: '2026-01-04T00:10:00Z',
    });
  });

  it('is newest first without orderBy', async () => {
    expect(await names({})).toEqual(['d', 'e', 'b', 'c', 'a']);
  });

  it('by a metric, descending or ascending: runs without it come last either way', async () => {
    const desc = await names({ orderBy: ['metrics.acc desc'] });
    expect(desc.slice(0, 2).sort()).toEqual(['b', 'e']);
    expect(desc.slice(2)).toEqual(['c', 'a', 'd']);
    const asc = await names({ orderBy: ['metrics.acc asc'] });
    expect(asc.slice(0, 2)).toEqual(['a', 'c']);
    expect(asc.slice(2, 4).sort()).toEqual(['b', 'e']);
    expect(asc[4]).toBe('d');
  });

  it('by a parameter: numbers (as logged or as numeric strings) in numeric order, then text by code point, then runs without it', async () => {
    expect(await names({ orderBy: ['params.lr'] })).toEqual(['b', 'a', 'd', 'e', 'c']);
    expect(await names({ orderBy: ['params.lr desc'] })).toEqual(['d', 'a', 'b', 'c', 'e']);
    const byOpt = await names({ orderBy: ['params.opt desc'] });
    expect(byOpt[0]).toBe('a');
    expect(byOpt.slice(1, 3).sort()).toEqual(['b', 'c']);
    expect(byOpt.slice(3).sort()).toEqual(['d', 'e']);
  });

  it('by attributes: startedAt, duration, name', async () => {
    expect(await names({ orderBy: ['startedAt'] })).toEqual(['a', 'c', 'b', 'e', 'd']);
    expect(await names({ orderBy: ['name desc'] })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect((await names({ orderBy: ['duration desc'] }))[0]).toBe('e');
  });

  it('by several terms: each breaks the ties of the one before', async () => {
    expect(await names({ orderBy: ['tags.team', 'metrics.acc desc'] })).toEqual(['c', 'a', 'd', 'b', 'e']);
    expect(await names({ orderBy: ['metrics.acc desc', 'startedAt desc'] })).toEqual(['e', 'b', 'c', 'a', 'd']);
    expect(await names({ orderBy: ['params.opt', 'name desc'] })).toEqual(['c', 'b', 'a', 'e', 'd']);
  });

  it('GET /api/experiments/:id/runs takes the terms comma-separated and gives the same as the POST', async () => {
    const orderBy = ['tags.team', 'metrics.acc desc'];
    const filter = 'metrics.acc > 0.5';
    const posted = await search({ experimentIds: [e], filter, orderBy, limit: 3 });
    const got = expectStatus(
      await api.get(`/api/experiments/${e}/runs?filter=${encodeURIComponent(filter)}&orderBy=${encodeURIComponent(orderBy.join(', '))}&limit=3`),
      200,
    );
    expect(got).toEqual(posted);
    expect(got.runs.map((r: Json) => r.name)).toEqual(['c', 'a', 'b']);
    const second = expectStatus(
      await api.get(
        `/api/experiments/${e}/runs?filter=${encodeURIComponent(filter)}&orderBy=${encodeURIComponent(orderBy.join(','))}&limit=3&pageToken=${got.nextPageToken}`,
      ),
      200,
    );
    expect(second.runs.map((r: Json) => r.name)).toEqual(['e']);
    expect(second).not.toHaveProperty('nextPageToken');
  });
});

describe('paging', () => {
  /**
   * 23 runs whose sort keys tie in groups and are often missing: acc takes 3 values or none,
   * lr is a number, a numeric string, text or missing, and many runs start at the same moment.
   */
  async function tiesAndGaps(): Promise<string[]> {
    const e = (await createExperiment(api)).id;
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      const spec: RunSpec = { name: `run ${i % 5}`, startedAt: new Date(Date.UTC(2026, 0, 1 + (i % 4))).toISOString() };
      if (i % 4 !== 3) spec.metrics = { acc: [[0.5, 0.7, 0.9][i % 3] as number] };
      const lr = [0.1, '0.01', 'auto', undefined, 0.1, '1e-3'][i % 6];
      if (lr !== undefined) spec.params = { lr };
      if (i % 2 === 0) spec.tags = { team: i % 3 === 0 ? 'nlp' : 'vision' };
      created.push((await aRun(e, spec)).id);
    }
    return created;
  }

  it.each([
    [[]],
    [['metrics.acc desc']],
    [['metrics.acc']],
    [['params.lr']],
    [['params.lr desc', 'tags.team']],
    [['tags.team desc', 'metrics.acc', 'startedAt']],
    [['name', 'startedAt desc']],
  ])('by %j: small pages give every run once, in the order of one big page', async (orderBy) => {
    const created = await tiesAndGaps();
    const whole = (await search({ orderBy, limit: 100 })).runs.map((r: Json) => r.id);
    expect(whole).toHaveLength(23);
    for (const limit of [1, 4, 7]) {
      const paged = await allPages({ orderBy }, limit);
      expect(paged.ids).toEqual(whole);
      expect(paged.pages).toBe(Math.ceil(23 / limit));
    }
    expect(new Set(whole)).toEqual(new Set(created));
  });

  it('pages a filtered search within the filter', async () => {
    await tiesAndGaps();
    const body = { filter: 'metrics.acc >= 0.7 or params.lr < 0.05', orderBy: ['metrics.acc desc'] };
    const whole = (await search({ ...body, limit: 100 })).runs.map((r: Json) => r.id);
    expect(whole.length).toBeGreaterThan(5);
    expect(whole.length).toBeLessThan(23);
    expect((await allPages(body, 3)).ids).toEqual(whole);
  });

  it('gives no nextPageToken when the last page is exactly full', async () => {
    await tiesAndGaps();
    const first = await search({ limit: 20 });
    expect(first.runs).toHaveLength(20);
    const last = await search({ limit: 3, pageToken: first.nextPageToken });
    expect(last.runs).toHaveLength(3);
    expect(last).not.toHaveProperty('nextPageToken');
  });

  it('refuses a page token used with another filter, order or scope: 400 on /pageToken', async () => {
    const e = (await createExperiment(api)).id;
    for (let i = 0; i < 3; i++) await aRun(e, { name: `r${i}`, metrics: { acc: [i] } });
    const body = { filter: 'metrics.acc >= 0', orderBy: ['metrics.acc desc'] };
    const token = (await search({ ...body, limit: 1 })).nextPageToken;
    expect(typeof token).toBe('string');

    for (const other of [
      { ...body, filter: 'metrics.acc >= 1' },
      { ...body, orderBy: ['metrics.acc'] },
      { ...body, experimentIds: [e] },
      { orderBy: body.orderBy },
    ]) {
      const problem = expectProblem(await api.post('/api/runs/search', { ...other, limit: 1, pageToken: token }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/pageToken']);
    }
    expectProblem(await api.post('/api/runs/search', { ...body, pageToken: 'not-a-token' }), 400, 'INVALID_ARGUMENT');
    // The page size may change between pages.
    expect((await search({ ...body, limit: 5, pageToken: token })).runs.map((r: Json) => r.name)).toEqual(['r1', 'r0']);
  });

  it('limit: 1 to 10,000, default 100; 0 and 10,001 are 400 naming /limit', async () => {
    const e = (await createExperiment(api)).id;
    for (let i = 0; i < 101; i++) await aRun(e, { name: `r${i}` });
    const first = await search({});
    expect(first.runs).toHaveLength(100);
    expect(typeof first.nextPageToken).toBe('string');
    expect((await search({ limit: 10_000 })).runs).toHaveLength(101);

    for (const limit of [0, 10_001, -1]) {
      const problem = expectProblem(await api.post('/api/runs/search', { limit }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/limit']);
    }
    for (const limit of [0, 10_001]) {
      const problem = expectProblem(await api.get(`/api/experiments/${e}/runs?limit=${limit}`), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/limit']);
    }
  });
});

describe('errors', () => {
  it.each([
    ['params.lr <', 12, 'expected a value'],
    ['params.lr 0.01', 11, "expected a comparison (=, !=, <, <=, >, >=, in, not in, like, ilike), found '0.01'"],
    ['(params.lr < 0.01', 18, "expected ')'"],
    ["params.lr < 0.01 and tags.team = 'nlp", 34, 'never closed'],
    ['params.lr < 0.01 tags.x', 18, "expected 'and', 'or' or the end of the filter, found 'tags'"],
    ['lr < 0.01', 1, 'expected a field: params.<key>, metrics.<key>, tags.<key> or an attribute'],
    ["params.opt in 'a', 'b'", 15, "'(' to start the list"],
    ['metrics.acc.median > 0.5', 13, 'one of min, max, mean, count'],
    ['params.lr < 0.01 & metrics.acc > 0', 18, "unexpected character '&'"],
    ['params.lr like adam', 16, 'expected a quoted pattern'],
  ])('a syntax error in %j is 400 on /filter saying where (character %i) and what was expected', async (filter, at, expected) => {
    const message = filterProblem(await api.post('/api/runs/search', { filter }));
    expect(message).toMatch(new RegExp(`^at character ${at} \\(`));
    expect(message).toContain(expected);
  });

  it.each([
    ["metrics.acc = 'x'", 15, 'metrics.acc holds numbers: compare it with a number'],
    ["metrics.acc like '0.9%'", 1, 'like and ilike apply to params, tags and text attributes'],
    ["startedAt like '2026%'", 1, 'like and ilike apply to params, tags and text attributes'],
    ['tags.team = 3', 13, "tags.team holds text: quote the value ('3')"],
    ["status = 'done'", 10, "status is one of 'running', 'scheduled', 'completed', 'failed', 'killed'"],
    ["startedAt > 'yesterday'", 13, 'epoch milliseconds or an ISO-8601 date or date-time in quotes'],
    ['duration > true', 12, 'duration holds numbers'],
  ])('a comparison that can never hold, %j, is 400 on /filter too', async (filter, at, expected) => {
    const message = filterProblem(await api.post('/api/runs/search', { filter }));
    expect(message).toMatch(new RegExp(`^at character ${at} \\(`));
    expect(message).toContain(expected);
  });

  it('the message quotes the filter from the error on and counts characters as people do', async () => {
    const message = filterProblem(await api.post('/api/runs/search', { filter: "tags.emoji = '😀' and params.lr <" }));
    expect(message).toBe("at character 33 (the end of the filter): expected a value: 'text', a number, true or false");
    const quoted = filterProblem(await api.post('/api/runs/search', { filter: 'params.lr 0.01 and metrics.acc > 0.9' }));
    expect(quoted).toContain("at character 11 ('0.01 and metrics.acc')");
  });

  it('the GET listing reports filter errors the same way', async () => {
    const e = (await createExperiment(api)).id;
    const message = filterProblem(await api.get(`/api/experiments/${e}/runs?filter=${encodeURIComponent('params.lr <')}`));
    expect(message).toMatch(/^at character 12 /);
  });

  it('orderBy errors name the term: /orderBy/<i>', async () => {
    let message = filterProblem(await api.post('/api/runs/search', { orderBy: ['metrics.acc desc', 'accuracy'] }), '/orderBy/1');
    expect(message).toContain("at character 1 ('accuracy'): expected a field");
    message = filterProblem(await api.post('/api/runs/search', { orderBy: ['metrics.acc sideways'] }), '/orderBy/0');
    expect(message).toContain("expected 'asc', 'desc' or the end of the term, found 'sideways'");
    filterProblem(await api.post('/api/runs/search', { orderBy: ['name', 'startedAt', 'metrics.`acc'] }), '/orderBy/2');
    filterProblem(await api.post('/api/runs/search', { orderBy: ['a', 'b', 'c', 'd', 'e', 'f'] }), '/orderBy');

    const e = (await createExperiment(api)).id;
    message = filterProblem(await api.get(`/api/experiments/${e}/runs?orderBy=${encodeURIComponent('name, metrics.acc up')}`), '/orderBy/1');
    expect(message).toContain("found 'up'");
  });

  it('an unknown experiment is 404, in the search and in the listing', async () => {
    const known = (await createExperiment(api)).id;
    const problem = expectProblem(await api.post('/api/runs/search', { experimentIds: [known, 'ghost'] }), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('ghost');
    expectProblem(await api.get('/api/experiments/ghost/runs'), 404, 'NOT_FOUND');
  });

  it('refuses unknown body fields and an orderBy that is not a list', async () => {
    expectProblem(await api.post('/api/runs/search', { query: 'x' }), 400, 'INVALID_ARGUMENT');
    const problem = expectProblem(await api.post('/api/runs/search', { orderBy: 'name' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/orderBy']);
  });

  it('answers an in-list of 1,200 values: 200, not 500', async () => {
    const e = (await createExperiment(api)).id;
    await aRun(e, { name: '1199' });
    const filter = `name in (${Array.from({ length: 1_200 }, (_, i) => `'${i}'`).join(',')})`;
    expect(filter.length).toBeLessThan(10_000);
    expect(await names({ filter })).toEqual(['1199']);
  });

  it('lists every bad field of one request: /limit, /filter and /orderBy/0', async () => {
    const problem = expectProblem(await api.post('/api/runs/search', { limit: 0, filter: 'params.lr <', orderBy: ['bogus'] }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem).sort()).toEqual(['/filter', '/limit', '/orderBy/0']);
  });
});

describe('scope and results', () => {
  it('without experimentIds, spans every active experiment and leaves out runs of deleted ones', async () => {
    const a = (await createExperiment(api)).id;
    const b = (await createExperiment(api)).id;
    const gone = (await createExperiment(api)).id;
    await aRun(a, { name: 'in a', metrics: { acc: [0.9] } });
    await aRun(b, { name: 'in b', metrics: { acc: [0.8] } });
    await aRun(gone, { name: 'in deleted', metrics: { acc: [0.99] } });
    expectStatus(await api.del(`/api/experiments/${gone}`), 204);

    expect(await names({ orderBy: ['metrics.acc desc'] })).toEqual(['in a', 'in b']);
    expect(await names({ filter: 'metrics.acc > 0.95' })).toEqual([]);
    expect(await names({ experimentIds: [b] })).toEqual(['in b']);
    // Asked for by id, a deleted experiment's runs are still there to read.
    expect(await names({ experimentIds: [gone] })).toEqual(['in deleted']);

    expectStatus(await api.post(`/api/experiments/${gone}/restore`), 200);
    expect(await names({ orderBy: ['metrics.acc desc'] })).toEqual(['in deleted', 'in a', 'in b']);
  });

  it('a run trashed by an MLflow client is left out without experimentIds, and found by lifecycleStage within its experiment', async () => {
    const e = (await createExperiment(api)).id;
    await aRun(e, { name: 'kept' });
    const trashed = await aRun(e, { name: 'trashed' });
    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: trashed.id }), 200);

    expect(await names({})).toEqual(['kept']);
    expect((await names({ experimentIds: [e] })).sort()).toEqual(['kept', 'trashed']);
    expect(await names({ experimentIds: [e], filter: "lifecycleStage = 'deleted'" })).toEqual(['trashed']);
    expect(await names({ experimentIds: [e], filter: "lifecycleStage = 'active'" })).toEqual(['kept']);
    expectStatus(await api.post(`/api/runs/${trashed.id}/restore`), 200);
    expect((await names({})).sort()).toEqual(['kept', 'trashed']);
  });

  it('finds runs by each of the five statuses', async () => {
    const e = (await createExperiment(api)).id;
    for (const status of ['running', 'scheduled', 'completed', 'failed', 'killed']) {
      const run = await aRun(e, { name: status });
      if (status !== 'running') expectStatus(await api.patch(`/api/runs/${run.id}`, { status }), 200);
    }
    for (const status of ['running', 'scheduled', 'completed', 'failed', 'killed']) {
      expect(await names({ filter: `status = '${status}'` })).toEqual([status]);
    }
    expect((await names({ filter: "status in ('completed', 'failed', 'killed')" })).sort()).toEqual(['completed', 'failed', 'killed']);
  });

  it('each run comes with its parameters, latest metrics and tags, as GET /api/runs/:id shows it', async () => {
    const e = (await createExperiment(api)).id;
    const made = await aRun(e, {
      name: 'full',
      params: { lr: 0.001, optimizer: 'adam', augment: true },
      tags: { team: 'nlp' },
      metrics: { acc: [0.5, 0.9], loss: [2, 1, 0.5] },
      status: 'completed',
    });
    const [run] = (await search({ filter: "name = 'full'" })).runs;
    expect(run).toStrictEqual(expectStatus(await api.get(`/api/runs/${made.id}`), 200));
    expect(run.parameters).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: 0.001, type: 'number' },
        { key: 'optimizer', value: 'adam', type: 'string' },
        { key: 'augment', value: true, type: 'boolean' },
      ]),
    );
    expect(run.metrics.map((m: Json) => [m.key, m.value, m.step]).sort()).toEqual([
      ['acc', 0.9, 1],
      ['loss', 0.5, 2],
    ]);
    expect(run.tags).toEqual({ team: 'nlp' });
  });

  it('sorts and filters NaN and infinite metric values: NaN as missing, infinities at the ends', async () => {
    const e = (await createExperiment(api)).id;
    await aRun(e, { name: 'nan', metrics: { loss: ['NaN'] } });
    await aRun(e, { name: 'inf', metrics: { loss: ['Infinity'] } });
    await aRun(e, { name: '-inf', metrics: { loss: ['-Infinity'] } });
    await aRun(e, { name: 'one', metrics: { loss: [1] } });
    expect(await names({ orderBy: ['metrics.loss'] })).toEqual(['-inf', 'one', 'inf', 'nan']);
    expect(await names({ orderBy: ['metrics.loss desc'] })).toEqual(['inf', 'one', '-inf', 'nan']);
    expect((await names({ filter: 'metrics.loss > 0' })).sort()).toEqual(['inf', 'one']);
    const paged = [];
    let pageToken: string | undefined;
    do {
      const page = await search({ orderBy: ['metrics.loss desc'], limit: 1, ...(pageToken ? { pageToken } : {}) });
      paged.push(...page.runs.map((r: Json) => r.name));
      pageToken = page.nextPageToken;
    } while (pageToken && paged.length < 10);
    expect(paged).toEqual(['inf', 'one', '-inf', 'nan']);
  });
});

describe('values that look like SQL are plain values', () => {
  it('a quoted value with quotes, semicolons and comments matches only itself, and the data is untouched', async () => {
    const e = (await createExperiment(api)).id;
    const evil = "'; DROP TABLE runs; --";
    await aRun(e, { name: 'evil', tags: { t: evil }, params: { p: `" OR 1=1 --` } });
    await aRun(e, { name: 'plain', tags: { t: 'x' }, params: { p: 'y' } });

    expect(await names({ filter: "tags.t = '''; DROP TABLE runs; --'" })).toEqual(['evil']);
    expect(await names({ filter: 'params.p = """ OR 1=1 --"' })).toEqual(['evil']);
    // Outside quotes, SQL is just a syntax error of the filter language.
    expect(filterProblem(await api.post('/api/runs/search', { filter: "tags.t = 'x' OR 1=1 --" }))).toBe(
      "at character 21 ('--'): unexpected character '-'",
    );
    expect(await names({ filter: "tags.t like '%'';%'" })).toEqual(['evil']);
    expect(await names({ filter: "tags.t = 'x'') OR (''1''=''1'" })).toEqual([]);

    // Backticked keys holding quotes and SQL: a key no run has, so nothing matches.
    expect(await names({ filter: "tags.`t' OR '1'='1` = 'x'" })).toEqual([]);
    expect(await names({ filter: 'params.`p``; DROP TABLE runs; --` = 1' })).toEqual([]);
    expect(await names({ orderBy: ["tags.`t'; DROP TABLE runs; --` desc"] })).toHaveLength(2);

    // Everything is still there and still searchable.
    expect(await names({ orderBy: ['name'] })).toEqual(['evil', 'plain']);
    expect(await names({ filter: "tags.t = 'x'" })).toEqual(['plain']);
    const listed = expectStatus(await api.get(`/api/experiments/${e}/runs`), 200);
    expect(listed.runs).toHaveLength(2);
    expect(listed.runs.find((r: Json) => r.name === 'evil').tags).toEqual({ t: evil });
  });
});

describe('dates in filters', () => {
  it('reads a date-time without an offset as UTC, whatever the server time zone', async () => {
    const e = (await createExperiment(api)).id;
    await aRun(e, { name: 'ten', startedAt: '2026-01-15T10:00:00Z' });
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(await names({ filter: "startedAt = '2026-01-15T10:00:00'" })).toEqual(['ten']);
      expect(await names({ filter: "startedAt < '2026-01-15T10:00:01'" })).toEqual(['ten']);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('refuses a date that does not exist: 400 on /filter', async () => {
    const message = filterProblem(await api.post('/api/runs/search', { filter: "startedAt < '2026-02-30'" }));
    expect(message).toContain('at character 13');
  });
});
