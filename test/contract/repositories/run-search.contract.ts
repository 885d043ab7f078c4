import { beforeEach, describe, expect, it } from 'vitest';
import type { RunSearchQuery } from '../../../src/application/ports/run-search.js';
import type { Experiment } from '../../../src/domain/experiment.js';
import type { ParameterValue } from '../../../src/domain/parameter.js';
import type { Run } from '../../../src/domain/run.js';
import type { SortPosition } from '../../../src/domain/search/evaluate.js';
import { parseFilter, parseOrderBy } from '../../../src/domain/search/filter.js';
import { type RepositoryStore, T0, draft, givenExperiment, givenRun, moveExperiment, param } from './support.js';

interface Search {
  filter?: string;
  orderBy?: string[];
  experimentIds?: string[];
  after?: SortPosition;
  limit?: number;
}

/** The RunSearch port's contract (and ParameterRepository.valueCounts), on explicit examples. */
export function runSearchContract(store: () => RepositoryStore): void {
  let experiment: Experiment;

  beforeEach(async () => {
    experiment = await givenExperiment(store());
  });

  const query = ({ filter, orderBy = ['startedAt'], experimentIds, after, limit = 1000 }: Search): RunSearchQuery => {
    const parsed = filter === undefined ? undefined : parseFilter(filter);
    return { orderBy: parseOrderBy(orderBy), limit, ...(parsed ? { filter: parsed } : {}), ...(experimentIds ? { experimentIds } : {}), ...(after ? { after } : {}) };
  };
  const positions = (search: Search = {}): Promise<SortPosition[]> => store().runSearch.search(query(search));
  const ids = async (search: Search = {}): Promise<string[]> => (await positions(search)).map((p) => p.id);

  /** Keyset pages of `limit`, each after the last position of the previous one, until a short page. */
  const pages = async (search: Search, limit: number): Promise<string[][]> => {
    const found: string[][] = [];
    let after: SortPosition | undefined;
    for (let n = 0; n < 100; n++) {
      const page = await positions({ ...search, limit, ...(after ? { after } : {}) });
      expect(page.length).toBeLessThanOrEqual(limit);
      found.push(page.map((p) => p.id));
      if (page.length < limit) return found;
      after = page[page.length - 1];
    }
    throw new Error('paging never ended: is `after` ignored?');
  };

  const runWith = async (id: string, overrides: Partial<Run> = {}, params: Record<string, ParameterValue> = {}, metrics: Record<string, number[]> = {}) => {
    const run = await givenRun(store(), experiment.id, { id, ...overrides }, Object.entries(params).map(([key, value]) => param(key, value)));
    for (const [key, values] of Object.entries(metrics)) await store().metrics.append(run.id, values.map((value, step) => draft(key, value, step)));
    return run;
  };

  describe('scope', () => {
    let other: Experiment;
    let gone: Experiment;

    beforeEach(async () => {
      other = await givenExperiment(store());
      gone = await givenExperiment(store());
      await runWith('a1');
      await givenRun(store(), other.id, { id: 'o1' });
      await givenRun(store(), gone.id, { id: 'g1' });
      await moveExperiment(store(), gone.id, 'deleted');
    });

    it('searches every active run when no experiment is named, leaving runs of deleted experiments out', async () => {
      expect(await ids({ orderBy: ['name'] })).toEqual(['a1', 'o1']);
    });

    it("searches only the named experiments' runs, those of a deleted experiment included when it is named", async () => {
      expect(await ids({ experimentIds: [other.id] })).toEqual(['o1']);
      expect(await ids({ experimentIds: [gone.id, experiment.id] })).toEqual(['a1', 'g1']);
      expect(await ids({ experimentIds: ['no-such-experiment'] })).toEqual([]);
      expect(await ids({ experimentIds: [] })).toEqual([]);
    });

    it('filters on the lifecycle stage: a run trashed on its own, and the runs of a deleted experiment', async () => {
      await givenRun(store(), experiment.id, { id: 'a2' });
      await store().runs.update('a2', (r) => ({ ...r, lifecycleStage: 'deleted' }));
      const scope = [experiment.id, gone.id, other.id];
      expect(await ids({ experimentIds: scope, filter: "lifecycleStage = 'active'" })).toEqual(['a1', 'o1']);
      expect(await ids({ experimentIds: scope, filter: "lifecycleStage = 'deleted'" })).toEqual(['a2', 'g1']);
      expect(await ids({ experimentIds: scope, filter: "lifecycleStage != 'deleted' and id like '%1'" })).toEqual(['a1', 'o1']);
      // Without experiments named, only active runs are searched: a trashed run is left out too.
      expect(await ids({ orderBy: ['name'] })).toEqual(['a1', 'o1']);
    });

    it('brings runs back when their experiment is restored', async () => {
      await moveExperiment(store(), gone.id, 'active');
      expect(await ids()).toEqual(['a1', 'g1', 'o1']);
    });
  });

  describe('filter', () => {
    beforeEach(async () => {
      await runWith('r-a', { name: 'resnet-🚀', status: 'completed', completedAt: T0 + 90_000, tags: { team: 'nlp' } }, { lr: '0.001', opt: 'adam', amp: true }, { acc: [0.5, 0.9] });
      await runWith('r-b', { name: 'Résumé', status: 'failed', completedAt: T0 + 1_500, tags: { team: '' } }, { lr: 0.01, opt: 'Adam', amp: 'True' }, { acc: [0.7, NaN] });
      await runWith('r-c', { startedAt: T0 + 60_000, parentRunId: 'r-a' }, { lr: 'auto', opt: 'sgd' }, { acc: [Infinity] });
    });

    it('compares parameters by the view the value asks for, numeric strings as numbers', async () => {
      expect(await ids({ filter: 'params.lr < 0.005' })).toEqual(['r-a']);
      expect(await ids({ filter: 'params.lr >= 0.001' })).toEqual(['r-a', 'r-b']);
      expect(await ids({ filter: "params.lr = '0.01'" })).toEqual(['r-b']);
      expect(await ids({ filter: "params.lr > 'a'" })).toEqual(['r-c']);
      expect(await ids({ filter: 'params.amp = true' })).toEqual(['r-a', 'r-b']);
      expect(await ids({ filter: "params.amp = 'true'" })).toEqual(['r-a']);
      expect(await ids({ filter: "params.opt in ('adam', 'sgd')" })).toEqual(['r-a', 'r-c']);
    });

    it('matches like by code point and ilike across non-ASCII case', async () => {
      expect(await ids({ filter: "params.opt ilike 'ADAM'" })).toEqual(['r-a', 'r-b']);
      expect(await ids({ filter: "params.opt like 'A%'" })).toEqual(['r-b']);
      expect(await ids({ filter: "name like 'resnet-_'" })).toEqual(['r-a']);
      expect(await ids({ filter: "name ilike 'RÉSUMÉ'" })).toEqual(['r-b']);
      expect(await ids({ filter: "name not like '%🚀'" })).toEqual(['r-b']);
    });

    it('leaves out runs without the field, even under not: tags absent vs empty, NaN and missing metrics', async () => {
      expect(await ids({ filter: "tags.team = ''" })).toEqual(['r-b']);
      expect(await ids({ filter: "tags.team != 'nlp'" })).toEqual(['r-b']);
      expect(await ids({ filter: "not (tags.team = 'nlp')" })).toEqual(['r-b']);
      expect(await ids({ filter: 'metrics.acc < 1' })).toEqual(['r-a']);
      expect(await ids({ filter: 'not (metrics.acc < 1)' })).toEqual(['r-c']);
      expect(await ids({ filter: "params.amp = true or tags.team = 'nlp'" })).toEqual(['r-a', 'r-b']);
      expect(await ids({ filter: "parentRunId = 'r-a' or name = 'Résumé'" })).toEqual(['r-b', 'r-c']);
    });

    it('finds runs by id, as text: equality, in lists, comparisons and like', async () => {
      expect(await ids({ filter: "id = 'r-b'" })).toEqual(['r-b']);
      expect(await ids({ filter: "id in ('r-c', 'r-a', 'r-z')" })).toEqual(['r-a', 'r-c']);
      expect(await ids({ filter: "id not in ('r-c')" })).toEqual(['r-a', 'r-b']);
      expect(await ids({ filter: "id > 'r-a' and id != 'r-c'" })).toEqual(['r-b']);
      expect(await ids({ filter: "id ilike 'R-_' and not id like '%b'" })).toEqual(['r-a', 'r-c']);
      expect(await ids({ filter: "id = 'R-A'" })).toEqual([]);
    });

    it('compares Infinity, duration in seconds, and times; a running run has no completedAt', async () => {
      expect(await ids({ filter: 'metrics.acc > 1e308' })).toEqual(['r-c']);
      expect(await ids({ filter: 'duration = 1.5' })).toEqual(['r-b']);
      expect(await ids({ filter: 'duration > 60' })).toEqual(['r-a']);
      expect(await ids({ filter: 'completedAt >= 0' })).toEqual(['r-a', 'r-b']);
      expect(await ids({ filter: "startedAt > '2026-01-15T10:00:00.123Z'" })).toEqual(['r-c']);
      expect(await ids({ filter: "status != 'running'" })).toEqual(['r-a', 'r-b']);
    });

    it('filters on aggregates kept across out-of-order and replaced points', async () => {
      await store().metrics.append('r-a', [draft('m', 5, 2), draft('m', 1, 0), draft('m', 3, 1)]);
      await store().metrics.append('r-a', [draft('m', 0, 2)]);
      await store().metrics.append('r-b', [draft('m', NaN, 0), draft('m', 8, 1)]);
      expect(await ids({ filter: 'metrics.m = 0 and metrics.m.min = 0 and metrics.m.max = 3 and metrics.m.count = 3' })).toEqual(['r-a']);
      expect(await ids({ filter: 'metrics.m.mean > 1.333 and metrics.m.mean < 1.334' })).toEqual(['r-a']);
      expect(await ids({ filter: 'metrics.m.count = 2 and metrics.m.mean = 8 and metrics.m.min = 8' })).toEqual(['r-b']);
    });

    it('takes the mean as JavaScript divides: a quotient too small for a double is 0, not an error', async () => {
      // 5e-324 / 2 underflows to 0 (JavaScript, the summaries); a mean that stays 5e-324 is above it.
      await store().metrics.append('r-a', [draft('m', 5e-324, 0), draft('m', 0, 1)]);
      await store().metrics.append('r-b', [draft('m', 5e-324, 0)]);
      expect((await store().metrics.summaries(['r-a'])).get('r-a')?.find((s) => s.key === 'm')?.mean).toBe(0);
      expect(await ids({ filter: 'metrics.m.mean > 0' })).toEqual(['r-b']);
      expect(await ids({ filter: 'metrics.m.mean = 0' })).toEqual(['r-a']);
      expect(await positions({ orderBy: ['metrics.m.mean desc'] })).toEqual([
        { id: 'r-b', keys: [5e-324] },
        { id: 'r-a', keys: [0] },
        { id: 'r-c', keys: [null] },
      ]);
    });
  });

  describe('order', () => {
    beforeEach(async () => {
      await runWith('r1', {}, { p: 'adam' }, { acc: [0.9] });
      await runWith('r2', {}, { p: 10 }, { acc: [NaN] });
      await runWith('r3', {}, {}, { acc: [0.5] });
      await runWith('r4', {}, { p: '0.5' }, { acc: [0.9] });
      await runWith('r5', {}, { p: 2 });
    });

    it('gives each run with its sort keys: numeric and text views for a parameter, missing values as null', async () => {
      expect(await positions({ orderBy: ['params.p', 'metrics.acc desc'] })).toEqual([
        { id: 'r4', keys: [0.5, '0.5', 0.9] },
        { id: 'r5', keys: [2, '2', null] },
        { id: 'r2', keys: [10, '10', null] },
        { id: 'r1', keys: [null, 'adam', 0.9] },
        { id: 'r3', keys: [null, null, 0.5] },
      ]);
    });

    it('puts missing values last in both directions, parameter numbers before text', async () => {
      expect(await ids({ orderBy: ['params.p desc'] })).toEqual(['r2', 'r5', 'r4', 'r1', 'r3']);
      expect(await ids({ orderBy: ['metrics.acc'] })).toEqual(['r3', 'r1', 'r4', 'r2', 'r5']);
      expect(await ids({ orderBy: ['metrics.acc desc'] })).toEqual(['r4', 'r1', 'r3', 'r5', 'r2']);
    });

    it('breaks ties by run id in the direction of the last term', async () => {
      expect(await ids({ orderBy: ['startedAt'] })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
      expect(await ids({ orderBy: ['startedAt desc'] })).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
      expect(await ids({ orderBy: ['status desc', 'createdBy'] })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    });

    it('gives at most limit runs, the first ones in the order', async () => {
      expect(await ids({ orderBy: ['metrics.acc desc'], limit: 3 })).toEqual(['r4', 'r1', 'r3']);
      expect(await ids({ orderBy: ['metrics.acc desc'], limit: 1 })).toEqual(['r4']);
    });
  });

  describe('keyset paging', () => {
    // Ties, NaN and missing values, and parameters holding numbers, numeric strings and text.
    const runs: [string, ParameterValue | undefined, number | undefined][] = [
      ['k1', 1, 0.9],
      ['k2', '1', 0.9],
      ['k3', 'b', undefined],
      ['k4', undefined, 0.5],
      ['k5', 'a', 0.9],
      ['k6', 1, NaN],
      ['k7', undefined, undefined],
      ['k8', '1.0', 0.5],
      ['k9', 'a', Infinity],
    ];

    beforeEach(async () => {
      for (const [id, p, acc] of runs) await runWith(id, {}, p === undefined ? {} : { p }, acc === undefined ? {} : { acc: [acc] });
    });

    it.each([
      [['metrics.acc desc'], ['k9', 'k5', 'k2', 'k1', 'k8', 'k4', 'k7', 'k6', 'k3']],
      [['metrics.acc'], ['k4', 'k8', 'k1', 'k2', 'k5', 'k9', 'k3', 'k6', 'k7']],
      [['params.p', 'metrics.acc desc'], ['k2', 'k1', 'k6', 'k8', 'k9', 'k5', 'k3', 'k4', 'k7']],
      [['params.p desc', 'metrics.acc'], ['k8', 'k1', 'k2', 'k6', 'k3', 'k5', 'k9', 'k4', 'k7']],
      [['startedAt desc'], ['k9', 'k8', 'k7', 'k6', 'k5', 'k4', 'k3', 'k2', 'k1']],
      [['id desc'], ['k9', 'k8', 'k7', 'k6', 'k5', 'k4', 'k3', 'k2', 'k1']],
      [['id', 'metrics.acc desc'], ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']],
      [['params.p desc', 'id desc'], ['k8', 'k6', 'k2', 'k1', 'k3', 'k9', 'k5', 'k7', 'k4']],
      [['metrics.acc', 'id'], ['k4', 'k8', 'k1', 'k2', 'k5', 'k9', 'k3', 'k6', 'k7']],
    ])('pages through %j without repeating or skipping a run', async (orderBy, expected) => {
      expect(await ids({ orderBy })).toEqual(expected);
      for (const limit of [1, 2, 4]) expect((await pages({ orderBy }, limit)).flat(), `limit ${limit}`).toEqual(expected);
    });

    it('gives the id as a sort key of an id term, so a page token can start after it', async () => {
      expect(await positions({ orderBy: ['id desc'], limit: 2 })).toEqual([{ id: 'k9', keys: ['k9'] }, { id: 'k8', keys: ['k8'] }]);
      expect(await ids({ orderBy: ['id desc'], after: { id: 'k5', keys: ['k5'] } })).toEqual(['k4', 'k3', 'k2', 'k1']);
      expect(await ids({ filter: "id >= 'k3'", orderBy: ['id'], after: { id: 'k6', keys: ['k6'] } })).toEqual(['k7', 'k8', 'k9']);
    });

    it('pages within the filter and the scope', async () => {
      const search = { filter: "params.p >= 1 or params.p = 'a'", orderBy: ['metrics.acc desc'], experimentIds: [experiment.id] };
      expect(await ids(search)).toEqual(['k9', 'k5', 'k2', 'k1', 'k8', 'k6']);
      expect(await pages(search, 2)).toEqual([['k9', 'k5'], ['k2', 'k1'], ['k8', 'k6'], []]);
    });

    it('starts strictly after the position given, wherever its run has moved since', async () => {
      const page = await positions({ orderBy: ['metrics.acc desc'], limit: 2 });
      expect(page).toEqual([{ id: 'k9', keys: [Infinity] }, { id: 'k5', keys: [0.9] }]);
      await store().metrics.append('k5', [draft('acc', 0.1, 1)]);
      expect(await ids({ orderBy: ['metrics.acc desc'], after: page[1] as SortPosition })).toEqual(['k2', 'k1', 'k8', 'k4', 'k5', 'k7', 'k6', 'k3']);
    });
  });

  describe('ParameterRepository.valueCounts', () => {
    it("counts each (key, value) over the experiment's runs, telling types apart", async () => {
      await runWith('v1', {}, { lr: 0.1, opt: 'adam', amp: true, n: 1 });
      await runWith('v2', {}, { lr: 0.1, opt: 'adam', amp: 'true', n: '1' });
      await runWith('v3', {}, { lr: '0.1', opt: 'sgd' });
      await runWith('v4');
      const elsewhere = await givenExperiment(store());
      await givenRun(store(), elsewhere.id, {}, [param('lr', 0.1), param('other', 'x')]);
      const counts = await store().parameters.valueCounts(experiment.id);
      const order = (a: { key: string; value: ParameterValue }, b: { key: string; value: ParameterValue }) =>
        (a.key + typeof a.value + String(a.value)).localeCompare(b.key + typeof b.value + String(b.value));
      expect([...counts].sort(order)).toEqual(
        [
          { key: 'amp', value: true, runs: 1 },
          { key: 'amp', value: 'true', runs: 1 },
          { key: 'lr', value: 0.1, runs: 2 },
          { key: 'lr', value: '0.1', runs: 1 },
          { key: 'n', value: 1, runs: 1 },
          { key: 'n', value: '1', runs: 1 },
          { key: 'opt', value: 'adam', runs: 2 },
          { key: 'opt', value: 'sgd', runs: 1 },
        ].sort(order),
      );
    });

    it('is empty for an experiment without parameters, or unknown', async () => {
      await runWith('bare');
      expect(await store().parameters.valueCounts(experiment.id)).toEqual([]);
      expect(await store().parameters.valueCounts('no-such-experiment')).toEqual([]);
    });
  });
}
