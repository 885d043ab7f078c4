import { beforeEach, describe, expect, it } from 'vitest';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { RestoreExperiment } from '../../../src/application/use-cases/experiments/restore-experiment.js';
import { GetMetricHistory } from '../../../src/application/use-cases/metrics/get-metric-history.js';
import { GetMetricSeries } from '../../../src/application/use-cases/metrics/get-metric-series.js';
import { LogMetrics } from '../../../src/application/use-cases/metrics/log-metrics.js';
import { GetParameterSpace } from '../../../src/application/use-cases/parameters/get-parameter-space.js';
import { DeleteRun } from '../../../src/application/use-cases/runs/delete-run.js';
import { ListRuns } from '../../../src/application/use-cases/runs/list-runs.js';
import { SearchRuns, type RunSearchInput } from '../../../src/application/use-cases/runs/search-runs.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { pointsOf } from '../../../src/domain/metric.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

/**
 * The search use cases on the store under test (the vitest projects run this file on each):
 * every store must give these exact answers, which are the domain's definition of the language.
 */
const fathom = useFathom();
const T0 = Date.parse('2026-03-01T00:00:00.000Z');

type Value = string | number | boolean;
interface Spec {
  params?: Record<string, Value>;
  tags?: Record<string, string>;
  acc?: (number | string)[];
  /** Seconds after T0. */
  start: number;
  /** Finished this many seconds after starting. */
  finish?: { status: 'completed' | 'failed'; after: number };
}

/**
 * Eight runs over the corners of the language: lr as a number, a numeric string, an exponent,
 * text, zero and missing; NaN and infinite metric values; booleans in several spellings; tags
 * that are empty, non-ASCII or missing; n2 and n3 start at the same moment.
 */
const ZOO: Record<string, Spec> = {
  n0: { params: { lr: 0.001, opt: 'adam', flag: true, mixed: 5 }, tags: { team: 'nlp' }, acc: [0.5, 0.9], start: 0, finish: { status: 'completed', after: 10 } },
  n1: { params: { lr: '0.001', opt: 'Adam', flag: 'True', mixed: 'abc' }, tags: { team: 'NLP' }, acc: [0.9], start: 1 },
  n2: { params: { lr: 0.1, opt: 'sgd', mixed: '10' }, tags: { team: 'vision' }, acc: ['NaN'], start: 2, finish: { status: 'failed', after: 60 } },
  n3: { params: { lr: '1e-5', flag: false, mixed: 'ABC' }, tags: {}, acc: ['Infinity'], start: 2 },
  n4: { params: { lr: 'auto', opt: 'a_b%c' }, tags: { team: '' }, acc: ['-Infinity', 2], start: 4, finish: { status: 'completed', after: 1.5 } },
  n5: { tags: { team: 'nlp' }, acc: [0.9], start: 5 },
  n6: { params: { lr: 1e-7, mixed: 2 }, tags: { team: 'é' }, start: 6 },
  n7: { params: { lr: 0, mixed: '😀' }, tags: { team: 'z' }, acc: [0.9, 'NaN'], start: 7 },
};

async function zoo(experimentId: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, spec] of Object.entries(ZOO)) {
    const run = await aRun(fathom(), {
      experimentId,
      name,
      startedAt: T0 + spec.start * 1000,
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.acc ? { metrics: spec.acc.map((value, step) => ({ key: 'acc', value, step })) } : {}),
    });
    if (spec.finish) {
      await fathom()
        .use(UpdateRun)
        .execute(run.id, { status: spec.finish.status, completedAt: T0 + (spec.start + spec.finish.after) * 1000 });
    }
    ids[name] = run.id;
  }
  return ids;
}

async function namesOf(input: RunSearchInput): Promise<string[]> {
  return (await fathom().use(SearchRuns).execute(input)).runs.map((r) => r.name ?? '');
}

/** Every page, following the tokens. */
async function pagedIds(input: RunSearchInput, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await fathom()
      .use(SearchRuns)
      .execute({ ...input, limit, ...(pageToken ? { pageToken } : {}) });
    expect(page.runs.length).toBeLessThanOrEqual(limit);
    ids.push(...page.runs.map((r) => r.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined && ++pages < 100);
  return ids;
}

describe('SearchRuns', () => {
  let experimentId: string;
  let ids: Record<string, string>;

  beforeEach(async () => {
    experimentId = (await anExperiment(fathom())).id;
    ids = await zoo(experimentId);
  });

  it("finds the issue's example: lr logged as a number or as a numeric string", async () => {
    await fathom()
      .use(UpdateRun)
      .execute(ids.n1 as string, { status: 'completed', completedAt: T0 + 5000 });
    const filter = "params.lr < 0.01 and metrics.acc >= 0.9 and tags.team ilike 'nlp' and status = 'completed'";
    expect((await namesOf({ filter })).sort()).toEqual(['n0', 'n1']);
  });

  it.each([
    ['params.lr < 0.01', ['n0', 'n1', 'n3', 'n6', 'n7']],
    ['params.lr = 0.001', ['n0', 'n1']],
    ["params.lr = '0.001'", ['n0', 'n1']],
    ["params.lr = '1e-5'", ['n3']],
    ['params.lr = 0.00001', ['n3']],
    ['params.lr != 0.001', ['n2', 'n3', 'n6', 'n7']],
    ['not params.lr = 0.001', ['n2', 'n3', 'n6', 'n7']],
    ["params.lr = 'auto'", ['n4']],
    ['params.flag = true', ['n0', 'n1']],
    ['params.flag != true', ['n3']],
    ["params.opt like 'a%'", ['n0', 'n4']],
    ["params.opt ilike 'a%'", ['n0', 'n1', 'n4']],
    ["params.opt like 'a\\_b\\%c'", ['n4']],
    ["params.opt like 'a\\_b\\%'", []],
    ["params.opt not like 'a%'", ['n1', 'n2']],
    ['params.mixed > 3', ['n0', 'n2']],
    ["params.mixed > 'a'", ['n1', 'n7']],
    ["params.mixed ilike 'abc'", ['n1', 'n3']],
    ["params.mixed = '😀'", ['n7']],
    // Text values are unknown for the numeric item of a mixed list, so `not in` skips them.
    ["params.mixed in (5, 'abc')", ['n0', 'n1']],
    ["params.mixed not in (5, 'abc')", ['n2', 'n6']],
    ['metrics.acc >= 0.9', ['n0', 'n1', 'n3', 'n4', 'n5']],
    ['metrics.acc != 0.9', ['n3', 'n4']],
    ['metrics.acc.max > 1', ['n3', 'n4']],
    ['metrics.acc.min < 0', ['n4']],
    ['metrics.acc.mean > 0.5', ['n0', 'n1', 'n3', 'n5', 'n7']],
    ['metrics.acc.count = 2', ['n0', 'n4', 'n7']],
    ["tags.team = 'nlp'", ['n0', 'n5']],
    ["tags.team ilike 'nlp'", ['n0', 'n1', 'n5']],
    ["tags.team = ''", ['n4']],
    ["tags.team > 'a'", ['n0', 'n2', 'n5', 'n6', 'n7']],
    ["tags.team like '_'", ['n6', 'n7']],
    ["tags.team not in ('nlp')", ['n1', 'n2', 'n4', 'n6', 'n7']],
    ["status = 'completed' or status = 'failed'", ['n0', 'n2', 'n4']],
    ["status = 'running'", ['n1', 'n3', 'n5', 'n6', 'n7']],
    ['completedAt > 0', ['n0', 'n2', 'n4']],
    ['duration >= 10', ['n0', 'n2']],
    ['duration < 2', ['n4']],
    [`startedAt = ${T0 + 2000}`, ['n2', 'n3']],
    ["startedAt >= '2026-03-01T00:00:06Z'", ['n6', 'n7']],
    ["startedAt < '2026-03-01T01:00:01+01:00'", ['n0']],
    ["startedAt <= '2026-03-01T01:00:01+01:00'", ['n0', 'n1']],
    ["not (tags.team = 'nlp' or params.lr > 0)", ['n7']],
    ["name in ('n1', 'n9')", ['n1']],
  ] as [string, string[]][])('%s', async (filter, expected) => {
    expect((await namesOf({ filter })).sort()).toEqual(expected);
  });

  /** The expected order from groups of equal sort keys: within a group, by id in the last term's direction. */
  function inGroups(groups: string[][], idDescending: boolean): string[] {
    return groups.flatMap((group) => [...group].sort((a, b) => ((ids[a] as string) < (ids[b] as string) ? -1 : 1) * (idDescending ? -1 : 1)));
  }

  it.each([
    [[], [['n7'], ['n6'], ['n5'], ['n4'], ['n2', 'n3'], ['n1'], ['n0']], true],
    [['metrics.acc desc'], [['n3'], ['n4'], ['n0', 'n1', 'n5'], ['n2', 'n6', 'n7']], true],
    [['metrics.acc'], [['n0', 'n1', 'n5'], ['n4'], ['n3'], ['n2', 'n6', 'n7']], false],
    [['metrics.acc.max desc'], [['n3'], ['n4'], ['n0', 'n1', 'n5', 'n7'], ['n2', 'n6']], true],
    [['params.lr'], [['n7'], ['n6'], ['n3'], ['n0', 'n1'], ['n2'], ['n4'], ['n5']], false],
    [['params.lr desc'], [['n2'], ['n0', 'n1'], ['n3'], ['n6'], ['n7'], ['n4'], ['n5']], true],
    [['params.mixed'], [['n6'], ['n0'], ['n2'], ['n3'], ['n1'], ['n7'], ['n4', 'n5']], false],
    [['params.mixed desc'], [['n2'], ['n0'], ['n6'], ['n7'], ['n1'], ['n3'], ['n4', 'n5']], true],
    [['tags.team'], [['n4'], ['n1'], ['n0', 'n5'], ['n2'], ['n7'], ['n6'], ['n3']], false],
    [['tags.team desc', 'metrics.acc'], [['n6'], ['n7'], ['n2'], ['n0', 'n5'], ['n1'], ['n4'], ['n3']], false],
    [['duration desc'], [['n2'], ['n0'], ['n4'], ['n1', 'n3', 'n5', 'n6', 'n7']], true],
    [['startedAt', 'name desc'], [['n0'], ['n1'], ['n3'], ['n2'], ['n4'], ['n5'], ['n6'], ['n7']], true],
    // Booleans sort by their text: 'True' < 'false' < 'true' by code point.
    [['params.flag', 'params.opt desc'], [['n1'], ['n3'], ['n0'], ['n2'], ['n4'], ['n5', 'n6', 'n7']], true],
  ] as [string[], string[][], boolean][])('orders by %j, missing values last, ties by id; every page size agrees', async (orderBy, groups, idDescending) => {
    const expected = inGroups(groups, idDescending);
    expect(await namesOf({ orderBy })).toEqual(expected);
    const whole = (await fathom().use(SearchRuns).execute({ orderBy })).runs.map((r) => r.id);
    for (const limit of [1, 2, 3, 7]) expect(await pagedIds({ orderBy }, limit)).toEqual(whole);
  });

  it('spans every active experiment when none is named, and leaves out runs of deleted ones', async () => {
    const other = await anExperiment(fathom());
    await aRun(fathom(), { experimentId: other.id, name: 'elsewhere', params: { lr: 0.001 } });
    expect((await namesOf({ filter: 'params.lr = 0.001' })).sort()).toEqual(['elsewhere', 'n0', 'n1']);

    await fathom().use(DeleteExperiment).execute(experimentId, {}, ANONYMOUS);
    expect(await namesOf({ filter: 'params.lr = 0.001' })).toEqual(['elsewhere']);
    expect((await namesOf({ experimentIds: [experimentId], filter: 'params.lr = 0.001' })).sort()).toEqual(['n0', 'n1']);

    await fathom().use(RestoreExperiment).execute(experimentId, ANONYMOUS);
    expect(await namesOf({ filter: 'params.lr = 0.001' })).toHaveLength(3);
  });

  it('gives each run its parameters and latest metrics', async () => {
    const [run] = (await fathom().use(SearchRuns).execute({ filter: "name = 'n4'" })).runs;
    expect(run?.parameters).toEqual([
      { key: 'lr', value: 'auto', type: 'string' },
      { key: 'opt', value: 'a_b%c', type: 'string' },
    ]);
    expect(run?.metrics).toEqual([expect.objectContaining({ key: 'acc', value: 2, step: 1 })]);
    expect(run?.duration).toBe(1.5);
  });

  it('refuses a page token of another query, a forged one, and a bad limit', async () => {
    const search = fathom().use(SearchRuns);
    const token = (await search.execute({ orderBy: ['metrics.acc desc'], limit: 2 })).nextPageToken as string;
    expect(token).toEqual(expect.any(String));

    const cases: RunSearchInput[] = [
      { orderBy: ['metrics.acc'], pageToken: token },
      { orderBy: ['metrics.acc desc'], filter: 'metrics.acc > 0', pageToken: token },
      { orderBy: ['metrics.acc desc'], experimentIds: [experimentId], pageToken: token },
      // The right query, but a text where the store compares a number.
      { orderBy: ['metrics.acc desc'], pageToken: forged(token, ['x']) },
      { orderBy: ['metrics.acc desc'], pageToken: forged(token, [1, 2]) },
    ];
    for (const input of cases) {
      const error = await rejectionOf(search.execute(input), InvalidArgumentError);
      expect(error.issues.map((i) => i.path)).toEqual(['/pageToken']);
    }
    for (const limit of [0, 10_001, 1.5]) {
      const error = await rejectionOf(search.execute({ limit }), InvalidArgumentError);
      expect(error.issues.map((i) => i.path)).toEqual(['/limit']);
    }
  });

  it('refuses a page token carrying text no store holds (NUL, a lone surrogate) as its id or a text key', async () => {
    const search = fathom().use(SearchRuns);
    const byName = (await search.execute({ orderBy: ['name'], limit: 2 })).nextPageToken as string;
    const { k: keys } = JSON.parse(Buffer.from(byName, 'base64url').toString('utf8')) as { k: unknown[] };
    expect(keys.some((key) => typeof key === 'string')).toBe(true);
    for (const text of ['n\u0000', 'n\ud800']) {
      const textKeys = keys.map((key) => (typeof key === 'string' ? text : key));
      for (const pageToken of [forged(byName, textKeys), forgedId(byName, text)]) {
        const error = await rejectionOf(search.execute({ orderBy: ['name'], pageToken }), InvalidArgumentError);
        expect(error.issues.map((i) => i.path)).toEqual(['/pageToken']);
      }
    }
  });

  it('reports syntax and type errors on /filter and /orderBy/<i> with the character position', async () => {
    const search = fathom().use(SearchRuns);
    let error = await rejectionOf(search.execute({ filter: "params.lr < 0.01 and metrics.acc = 'x'" }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/filter', message: "at character 36 (''x''): metrics.acc holds numbers: compare it with a number" }]);
    error = await rejectionOf(search.execute({ orderBy: ['name', 'metrics.acc desc desc'] }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/orderBy/1', message: "at character 18 ('desc'): expected 'asc', 'desc' or the end of the term, found 'desc'" }]);
  });

  it('refuses an unknown experiment: NotFoundError', async () => {
    await rejectionOf(fathom().use(SearchRuns).execute({ experimentIds: [experimentId, 'ghost'] }), NotFoundError);
  });
});

/** A copy of a page token with other sort keys. */
function forged(token: string, keys: unknown[]): string {
  const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...json, k: keys })).toString('base64url');
}

function forgedId(token: string, id: string): string {
  const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...json, i: id })).toString('base64url');
}

describe('ListRuns', () => {
  it("is SearchRuns over one experiment's runs, newest first by default", async () => {
    const experiment = await anExperiment(fathom());
    await zoo(experiment.id);
    await aRun(fathom(), { name: 'elsewhere', params: { lr: 0.001 } });
    const list = fathom().use(ListRuns);

    // n2 and n3 start together: the later-made n3 (the greater id) comes first.
    expect((await list.execute(experiment.id)).runs.map((r) => r.name)).toEqual(['n7', 'n6', 'n5', 'n4', 'n3', 'n2', 'n1', 'n0']);
    const listed = await list.execute(experiment.id, { filter: 'params.lr = 0.001', orderBy: ['name desc'] });
    expect(listed.runs.map((r) => r.name)).toEqual(['n1', 'n0']);
    const searched = await fathom().use(SearchRuns).execute({ experimentIds: [experiment.id], filter: 'params.lr = 0.001', orderBy: ['name desc'] });
    expect(listed).toEqual(searched);

    // Its page tokens are those of the search over the same experiment.
    const page = await list.execute(experiment.id, { limit: 3 });
    const next = await fathom().use(SearchRuns).execute({ experimentIds: [experiment.id], limit: 3, pageToken: page.nextPageToken as string });
    expect(next.runs.map((r) => r.name)).toEqual((await list.execute(experiment.id, { limit: 3, pageToken: page.nextPageToken as string })).runs.map((r) => r.name));
  });

  it('refuses an unknown experiment: NotFoundError', async () => {
    await rejectionOf(fathom().use(ListRuns).execute('ghost'), NotFoundError);
  });
});

describe('GetParameterSpace', () => {
  it('counts runs and distinct values per key, with types, ranges and values most common first', async () => {
    const experiment = await anExperiment(fathom());
    await zoo(experiment.id);
    const space = await fathom().use(GetParameterSpace).execute(experiment.id);
    expect(space.map((e) => e.key)).toEqual(['flag', 'lr', 'mixed', 'opt']);
    expect(space.find((e) => e.key === 'flag')).toEqual({
      key: 'flag',
      type: 'mixed',
      runs: 3,
      distinct: 3,
      values: [
        { value: 'True', runs: 1 },
        { value: false, runs: 1 },
        { value: true, runs: 1 },
      ],
    });
    expect(space.find((e) => e.key === 'lr')).toEqual({
      key: 'lr',
      type: 'mixed',
      runs: 7,
      distinct: 7,
      values: [
        { value: 0, runs: 1 },
        { value: 1e-7, runs: 1 },
        { value: '1e-5', runs: 1 },
        { value: 0.001, runs: 1 },
        { value: '0.001', runs: 1 },
        { value: 0.1, runs: 1 },
        { value: 'auto', runs: 1 },
      ],
    });
    expect(space.find((e) => e.key === 'opt')).toEqual({
      key: 'opt',
      type: 'string',
      runs: 4,
      distinct: 4,
      values: [
        { value: 'Adam', runs: 1 },
        { value: 'a_b%c', runs: 1 },
        { value: 'adam', runs: 1 },
        { value: 'sgd', runs: 1 },
      ],
    });
  });

  it('gives a range without values beyond 100 numeric values, and the 100 most common text values, truncated', async () => {
    const experiment = await anExperiment(fathom());
    for (let i = 0; i < 103; i++) {
      await aRun(fathom(), { experimentId: experiment.id, params: { seed: String(i * 2), word: i < 3 ? 'same' : `w${String(i).padStart(3, '0')}` } });
    }
    const space = await fathom().use(GetParameterSpace).execute(experiment.id);
    expect(space.find((e) => e.key === 'seed')).toEqual({ key: 'seed', type: 'string', runs: 103, distinct: 103, min: 0, max: 204 });
    const word = space.find((e) => e.key === 'word');
    expect(word).toMatchObject({ type: 'string', runs: 103, distinct: 101, truncated: true });
    expect(word?.values).toHaveLength(100);
    expect(word?.values?.[0]).toEqual({ value: 'same', runs: 3 });
    expect(word?.values?.[99]).toEqual({ value: 'w101', runs: 1 });
  });

  it('forgets a deleted run, and refuses an unknown experiment', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id, params: { only: 1 } });
    await aRun(fathom(), { experimentId: experiment.id, params: { kept: 1 } });
    await fathom().use(DeleteRun).execute(run.id, ANONYMOUS);
    expect((await fathom().use(GetParameterSpace).execute(experiment.id)).map((e) => e.key)).toEqual(['kept']);
    await rejectionOf(fathom().use(GetParameterSpace).execute('ghost'), NotFoundError);
  });
});

describe('GetMetricSeries', () => {
  it('gives runs in the order asked and keys in the order asked, each as GetMetricHistory does; a missing key is empty', async () => {
    const a = await aRun(fathom(), { metrics: Array.from({ length: 500 }, (_, step) => ({ key: 'loss', value: step === 250 ? 99 : 1 / (step + 1), step })) });
    const b = await aRun(fathom(), { metrics: [{ key: 'acc', value: 'NaN', step: 3 }] });

    const series = await fathom()
      .use(GetMetricSeries)
      .execute({ runIds: [b.id, a.id], keys: ['loss', 'acc'], maxPoints: 20 });
    expect(series.map((s) => [s.runId, s.key, s.total])).toEqual([
      [b.id, 'loss', 0],
      [b.id, 'acc', 1],
      [a.id, 'loss', 500],
      [a.id, 'acc', 0],
    ]);
    expect([...(series[1]?.columns.values ?? [])]).toEqual([NaN]);
    // The same points as GetMetricHistory's, as columns.
    const history = await fathom().use(GetMetricHistory).execute(a.id, 'loss', { maxPoints: 20 });
    const { columns, ...rest } = series[2] as NonNullable<(typeof series)[2]>;
    expect(rest).toEqual({ runId: a.id, key: history.key, total: history.total, returned: history.returned, method: history.method });
    expect(pointsOf('loss', columns)).toEqual(history.points);
    const steps = [...columns.steps];
    expect(steps.length).toBeLessThanOrEqual(20);
    expect(steps).toEqual(expect.arrayContaining([0, 250, 499]));
  });

  it('narrows to a step range; none returns every point but at most 100,000 over the request', async () => {
    const points = (key: string, n: number) => Array.from({ length: n }, (_, step) => ({ key, value: step, step }));
    const run = await aRun(fathom());
    for (let from = 0; from < 60_000; from += 10_000) await fathom().use(LogMetrics).execute(run.id, points('a', 60_000).slice(from, from + 10_000));
    for (let from = 0; from < 50_000; from += 10_000) await fathom().use(LogMetrics).execute(run.id, points('b', 50_000).slice(from, from + 10_000));
    const series = fathom().use(GetMetricSeries);

    const [ranged] = await series.execute({ runIds: [run.id], keys: ['a'], startStep: 10, endStep: 12 });
    expect([...(ranged?.columns.steps ?? [])]).toEqual([10, 11, 12]);

    const error = await rejectionOf(series.execute({ runIds: [run.id], keys: ['a', 'b'], method: 'none' }), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/method']);
    const both = await series.execute({ runIds: [run.id], keys: ['a', 'b'], method: 'none', startStep: 10_000 });
    expect(both.map((s) => s.returned)).toEqual([50_000, 40_000]);
  });

  it('checks its bounds: 1-100 runs, 1-20 keys, maxPoints, the range; an unknown run is NotFoundError', async () => {
    const run = await aRun(fathom());
    const series = fathom().use(GetMetricSeries);
    const paths = async (input: Parameters<GetMetricSeries['execute']>[0]) =>
      (await rejectionOf(series.execute(input), InvalidArgumentError)).issues.map((i) => i.path).sort();

    expect(await paths({ runIds: [], keys: [] })).toEqual(['/keys', '/runIds']);
    expect(await paths({ runIds: Array.from({ length: 101 }, (_, i) => `r${i}`), keys: Array.from({ length: 21 }, (_, i) => `k${i}`) })).toEqual(['/keys', '/runIds']);
    expect(await paths({ runIds: [run.id], keys: ['x'], maxPoints: 3, startStep: 5, endStep: 4 })).toEqual(['/endStep', '/maxPoints']);
    // Repeats count once: 101 mentions of 100 runs are within bounds.
    const many = [...Array.from({ length: 100 }, () => run.id), run.id];
    expect(await series.execute({ runIds: many, keys: ['x', 'x'] })).toHaveLength(1);

    const missing = await rejectionOf(series.execute({ runIds: [run.id, 'ghost'], keys: ['x'] }), NotFoundError);
    expect(missing.message).toContain('ghost');
  });
});
