import { beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../../src/domain/errors.js';
import type { Experiment, ExperimentFilter, ExperimentOrder } from '../../../src/domain/experiment.js';
import { type RepositoryStore, T0, anExperiment, blobKey, idsOf, range, allPages, race, givenExperiment, givenRun, givenArtifact, moveExperiment, BY_CREATED, listExperiments, holdings, NOTHING, givenFullRun } from './support.js';

/** The ExperimentRepository port's contract: every promise in its doc comments. */
export function experimentContract(store: () => RepositoryStore): void {
  describe('create, get and getMany', () => {
    it('stores an experiment and gives it back as it was given', async () => {
      const experiment = anExperiment({ name: 'ResNet sweep', description: 'baseline', tags: ['nlp', 'vision'], createdBy: 'bob', createdAt: T0, updatedAt: T0 + 7 });
      await store().experiments.create(experiment);
      expect(await store().experiments.get(experiment.id)).toEqual(experiment);
    });

    it('keeps an experiment without description or tags without them', async () => {
      const experiment = await givenExperiment(store());
      const got = await store().experiments.get(experiment.id);
      expect(got.description).toBeUndefined();
      expect(got.tags).toEqual([]);
    });

    it('throws NotFoundError for an unknown id', async () => {
      await expect(store().experiments.get('no-such-experiment')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('keeps properties exactly, keys such as __proto__ and non-ASCII values included', async () => {
      const properties: Record<string, string> = { 'mlflow.note.content': '# Notes\nline 2', owner: 'Zoë 🚀', empty: '' };
      Object.defineProperty(properties, '__proto__', { value: 'not a prototype', enumerable: true, writable: true, configurable: true });
      const experiment = anExperiment({ properties });
      await store().experiments.create(experiment);
      const got = await store().experiments.get(experiment.id);
      expect(got.properties).toEqual(properties);
      expect(Object.getPrototypeOf(got.properties)).toBe(Object.prototype);
      expect(Object.keys(got.properties).sort()).toEqual(['__proto__', 'empty', 'mlflow.note.content', 'owner']);
      const [listed] = (await store().experiments.getMany([experiment.id])) as Experiment[];
      expect(listed?.properties).toEqual(properties);
    });

    it('refuses an id that is taken, and keeps the first', async () => {
      const first = await givenExperiment(store(), { id: 'fixed-id' });
      await expect(store().experiments.create(anExperiment({ id: 'fixed-id', name: 'another name' }))).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await store().experiments.get('fixed-id')).toEqual(first);
    });

    it('finds by exact name: the active one first, else the most recently updated deleted one', async () => {
      expect(await store().experiments.findByName('nobody')).toBeUndefined();
      const old = await givenExperiment(store(), { name: 'sweep', lifecycleStage: 'deleted', updatedAt: T0 + 1 });
      const newer = await givenExperiment(store(), { name: 'sweep', lifecycleStage: 'deleted', updatedAt: T0 + 2 });
      expect(await store().experiments.findByName('sweep')).toEqual(newer);
      const active = await givenExperiment(store(), { name: 'sweep', updatedAt: T0 });
      expect(await store().experiments.findByName('sweep')).toEqual(active);
      expect(await store().experiments.findByName('Sweep')).toBeUndefined();
      expect(await store().experiments.findByName('swee')).toBeUndefined();
      expect(old.id).not.toBe(active.id);
    });

    it('getMany gives experiments in the order asked and leaves unknown ids out', async () => {
      const a = await givenExperiment(store());
      const b = await givenExperiment(store());
      const c = await givenExperiment(store());
      expect(await store().experiments.getMany([c.id, 'unknown', a.id, b.id])).toEqual([c, a, b]);
      expect(await store().experiments.getMany([])).toEqual([]);
      expect(await store().experiments.getMany(['unknown'])).toEqual([]);
    });

    it('refuses a second active experiment with the same name, and stores nothing of it', async () => {
      const first = await givenExperiment(store(), { name: 'shared' });
      const second = anExperiment({ name: 'shared' });
      await expect(store().experiments.create(second)).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(store().experiments.get(second.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(idsOf(await listExperiments(store(), { lifecycle: 'all' }))).toEqual([first.id]);
    });

    it('lets a new experiment take the name of a deleted one, and deleted ones share names', async () => {
      const old = await givenExperiment(store(), { name: 'reused' });
      await moveExperiment(store(), old.id, 'deleted');
      const again = await givenExperiment(store(), { name: 'reused' });
      await moveExperiment(store(), again.id, 'deleted');
      const third = await givenExperiment(store(), { name: 'reused' });
      expect(await store().experiments.get(third.id)).toEqual(third);
      expect(await listExperiments(store(), { lifecycle: 'deleted' })).toHaveLength(2);
    });

    it('of concurrent creates with one name exactly one wins', async () => {
      const { won, lost } = await race(range(10).map(() => store().experiments.create(anExperiment({ name: 'contested' }))));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      for (const reason of lost) expect(reason).toBeInstanceOf(AlreadyExistsError);
      expect(await listExperiments(store(), { lifecycle: 'all' })).toHaveLength(1);
    });
  });

  describe('update', () => {
    it('gives the change the current record and stores and returns its result', async () => {
      const experiment = await givenExperiment(store(), { name: 'before', tags: ['a'] });
      const seen: Experiment[] = [];
      const first = await store().experiments.update(experiment.id, (e) => {
        seen.push(structuredClone(e));
        return { ...e, name: 'after', description: 'now described', updatedAt: T0 + 1 };
      });
      const second = await store().experiments.update(experiment.id, (e) => {
        seen.push(structuredClone(e));
        return { ...e, tags: [...e.tags, 'b'], updatedAt: e.updatedAt + 1 };
      });
      expect(seen).toEqual([experiment, first]);
      expect(first).toEqual({ ...experiment, name: 'after', description: 'now described', updatedAt: T0 + 1 });
      expect(second).toEqual({ ...first, tags: ['a', 'b'], updatedAt: T0 + 2 });
      expect(await store().experiments.get(experiment.id)).toEqual(second);
    });

    it('replaces the properties with those of the result', async () => {
      const experiment = await givenExperiment(store(), { properties: { a: '1', b: '2' } });
      await store().experiments.update(experiment.id, (e) => ({ ...e, properties: { b: '3', c: '' } }));
      expect((await store().experiments.get(experiment.id)).properties).toEqual({ b: '3', c: '' });
    });

    it('can remove the description', async () => {
      const experiment = await givenExperiment(store(), { description: 'to go' });
      await store().experiments.update(experiment.id, ({ description: _gone, ...rest }) => rest);
      expect((await store().experiments.get(experiment.id)).description).toBeUndefined();
    });

    it('leaves the record untouched when the change throws, and rethrows what it threw', async () => {
      const experiment = await givenExperiment(store(), { name: 'steady' });
      const refusal = new ConflictError('not now');
      await expect(
        store().experiments.update(experiment.id, (e) => {
          e.name = 'mutated by a failing change';
          e.tags.push('mutated');
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(await store().experiments.get(experiment.id)).toEqual(experiment);
    });

    it('throws NotFoundError for an unknown id', async () => {
      await expect(store().experiments.update('unknown', (e) => e)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses a rename onto another active name and changes nothing', async () => {
      await givenExperiment(store(), { name: 'taken' });
      const experiment = await givenExperiment(store(), { name: 'mine' });
      await expect(store().experiments.update(experiment.id, (e) => ({ ...e, name: 'taken', description: 'x' }))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect(await store().experiments.get(experiment.id)).toEqual(experiment);
    });

    it('allows keeping its own name and taking the name of a deleted experiment', async () => {
      const gone = await givenExperiment(store(), { name: 'free again' });
      await moveExperiment(store(), gone.id, 'deleted');
      const experiment = await givenExperiment(store(), { name: 'mine' });
      await store().experiments.update(experiment.id, (e) => ({ ...e, description: 'same name' }));
      const renamed = await store().experiments.update(experiment.id, (e) => ({ ...e, name: 'free again' }));
      expect(renamed.name).toBe('free again');
    });

    it('refuses to restore an experiment whose name an active one now holds, and it stays deleted with its runs', async () => {
      const old = await givenExperiment(store(), { name: 'contested' });
      const run = await givenRun(store(), old.id);
      await moveExperiment(store(), old.id, 'deleted');
      await givenExperiment(store(), { name: 'contested' });
      await expect(moveExperiment(store(), old.id, 'active')).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await store().experiments.get(old.id)).lifecycleStage).toBe('deleted');
      expect((await store().runs.get(run.id)).lifecycleStage).toBe('deleted');
    });

    it('moves the runs of the experiment (and only those) to deleted and back', async () => {
      const experiment = await givenExperiment(store());
      const other = await givenExperiment(store());
      const runs = [await givenRun(store(), experiment.id), await givenRun(store(), experiment.id)];
      const bystander = await givenRun(store(), other.id);
      const stages = async () => (await store().runs.getMany([...idsOf(runs), bystander.id])).map((r) => r.lifecycleStage);

      const deleted = await moveExperiment(store(), experiment.id, 'deleted');
      expect(deleted.lifecycleStage).toBe('deleted');
      expect(await stages()).toEqual(['deleted', 'deleted', 'active']);
      expect((await store().runs.listAllByExperiments([experiment.id])).map((r) => r.lifecycleStage)).toEqual(['deleted', 'deleted']);

      await moveExperiment(store(), experiment.id, 'active');
      expect(await stages()).toEqual(['active', 'active', 'active']);
    });

    it('gives the runs it takes to the trash its deletedBy, leaves a run already there its own, and clears both on restore', async () => {
      const experiment = await givenExperiment(store());
      const other = await givenExperiment(store());
      const moved = await givenRun(store(), experiment.id);
      const trashedAlone = await givenRun(store(), experiment.id);
      const bystander = await givenRun(store(), other.id);
      for (const run of [trashedAlone, bystander]) {
        await store().runs.update(run.id, (r) => ({ ...r, lifecycleStage: 'deleted', deletedBy: 'bob' }));
      }
      const deleters = async () =>
        (await store().runs.getMany([moved.id, trashedAlone.id, bystander.id])).map((r) => [r.lifecycleStage, r.deletedBy]);

      await store().experiments.update(experiment.id, (e) => ({ ...e, lifecycleStage: 'deleted', deletedBy: 'ada' }));
      expect(await deleters()).toEqual([['deleted', 'ada'], ['deleted', 'bob'], ['deleted', 'bob']]);

      await store().experiments.update(experiment.id, (e) => {
        const restored = { ...e, lifecycleStage: 'active' as const };
        delete restored.deletedBy;
        return restored;
      });
      expect(await deleters()).toEqual([['active', undefined], ['active', undefined], ['deleted', 'bob']]);
      expect(await store().runs.get(moved.id)).not.toHaveProperty('deletedBy');
      expect(await store().runs.get(trashedAlone.id)).not.toHaveProperty('deletedBy');
    });

    it('records no deleter on its runs when the experiment records none', async () => {
      const experiment = await givenExperiment(store());
      const run = await givenRun(store(), experiment.id);
      await moveExperiment(store(), experiment.id, 'deleted');
      const trashed = await store().runs.get(run.id);
      expect(trashed.lifecycleStage).toBe('deleted');
      expect(trashed).not.toHaveProperty('deletedBy');
    });

    it('runs concurrent changes one after another, so none is lost', async () => {
      const experiment = await givenExperiment(store());
      await Promise.all(range(20).map((i) => store().experiments.update(experiment.id, (e) => ({ ...e, tags: [...e.tags, `t${i}`] }))));
      const tags = (await store().experiments.get(experiment.id)).tags;
      expect([...tags].sort()).toEqual(range(20).map((i) => `t${i}`).sort());
    });

    it('of concurrent restores onto one name exactly one wins', async () => {
      const a = await givenExperiment(store(), { name: 'twin' });
      await moveExperiment(store(), a.id, 'deleted');
      const b = await givenExperiment(store(), { name: 'twin' });
      await moveExperiment(store(), b.id, 'deleted');
      const { won, lost } = await race([moveExperiment(store(), a.id, 'active'), moveExperiment(store(), b.id, 'active')]);
      expect(won).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(AlreadyExistsError);
      expect(await listExperiments(store(), { lifecycle: 'active' })).toHaveLength(1);
    });
  });

  describe('list: filters', () => {
    // Created in createdAt order, so the default order (createdAt ascending) lists them f1..f5.
    const fixture: Partial<Experiment>[] = [
      { id: 'f1', name: 'ResNet baseline', tags: ['baseline', 'vision'], createdBy: 'ada', createdAt: 1000, updatedAt: 1500 },
      { id: 'f2', name: 'resnet-50 tuned', tags: ['vision'], createdBy: 'bob', createdAt: 2000, updatedAt: 2500 },
      { id: 'f3', name: 'BERT 100%', tags: ['baseline', 'nlp'], createdBy: 'ada', createdAt: 3000, updatedAt: 3500 },
      { id: 'f4', name: 'bert_small Über', tags: [], createdBy: 'cy', createdAt: 4000, updatedAt: 4500 },
      { id: 'f5', name: 'old resnet', tags: ['vision'], createdBy: 'ada', createdAt: 5000, updatedAt: 5500 },
    ];

    beforeEach(async () => {
      for (const e of fixture) await givenExperiment(store(), e);
      await store().experiments.update('f5', (e) => ({ ...e, lifecycleStage: 'deleted' }));
    });

    const listed = async (filter: Partial<ExperimentFilter>) => idsOf(await listExperiments(store(), filter));

    it('by lifecycle: active, deleted or all', async () => {
      expect(await listed({ lifecycle: 'active' })).toEqual(['f1', 'f2', 'f3', 'f4']);
      expect(await listed({ lifecycle: 'deleted' })).toEqual(['f5']);
      expect(await listed({ lifecycle: 'all' })).toEqual(['f1', 'f2', 'f3', 'f4', 'f5']);
    });

    it('by tags: allTags needs every one, anyTags at least one, both together must hold', async () => {
      expect(await listed({ allTags: ['vision', 'baseline'] })).toEqual(['f1']);
      expect(await listed({ allTags: ['vision'] })).toEqual(['f1', 'f2']);
      expect(await listed({ anyTags: ['nlp', 'baseline'] })).toEqual(['f1', 'f3']);
      expect(await listed({ anyTags: ['nowhere'] })).toEqual([]);
      expect(await listed({ allTags: ['baseline'], anyTags: ['vision', 'nowhere'] })).toEqual(['f1']);
      expect(await listed({ allTags: ['vision'], lifecycle: 'all' })).toEqual(['f1', 'f2', 'f5']);
    });

    it('by ids: only those known, in the order asked for by the list, each once; an empty list matches none', async () => {
      expect(await listed({ ids: ['f3', 'unknown', 'f1', 'f3'] })).toEqual(['f1', 'f3']);
      expect(await listed({ ids: ['f5'] })).toEqual([]);
      expect(await listed({ ids: ['f5', 'f2'], lifecycle: 'all' })).toEqual(['f2', 'f5']);
      expect(await listed({ ids: ['f1', 'f2', 'f3'], anyTags: ['nlp'] })).toEqual(['f3']);
      expect(await listed({ ids: ['unknown'] })).toEqual([]);
      expect(await listed({ ids: [], lifecycle: 'all' })).toEqual([]);
    });

    it('treats empty tag lists as no filter', async () => {
      expect(await listed({ allTags: [], anyTags: [] })).toEqual(['f1', 'f2', 'f3', 'f4']);
    });

    it('by a case-insensitive substring of the name, also beyond ASCII', async () => {
      expect(await listed({ nameContains: 'resnet' })).toEqual(['f1', 'f2']);
      expect(await listed({ nameContains: 'RESNET', lifecycle: 'all' })).toEqual(['f1', 'f2', 'f5']);
      expect(await listed({ nameContains: 'über' })).toEqual(['f4']);
      expect(await listed({ nameContains: '' })).toEqual(['f1', 'f2', 'f3', 'f4']);
    });

    it('matches % and _ in the name literally, never as wildcards', async () => {
      expect(await listed({ nameContains: '100%' })).toEqual(['f3']);
      expect(await listed({ nameContains: '%' })).toEqual(['f3']);
      expect(await listed({ nameContains: '_small' })).toEqual(['f4']);
      expect(await listed({ nameContains: 'b_rt' })).toEqual([]);
      expect(await listed({ nameContains: 'res%net' })).toEqual([]);
    });

    it('by creator, exactly', async () => {
      expect(await listed({ createdBy: 'ada' })).toEqual(['f1', 'f3']);
      expect(await listed({ createdBy: 'ad' })).toEqual([]);
      expect(await listed({ createdBy: 'ada', lifecycle: 'all' })).toEqual(['f1', 'f3', 'f5']);
    });

    it('by creation time, strictly after and strictly before', async () => {
      expect(await listed({ createdAfter: 2000 })).toEqual(['f3', 'f4']);
      expect(await listed({ createdBefore: 3000 })).toEqual(['f1', 'f2']);
      expect(await listed({ createdAfter: 1000, createdBefore: 4000 })).toEqual(['f2', 'f3']);
    });

    it('by update time, strictly after and strictly before', async () => {
      expect(await listed({ updatedAfter: 2500 })).toEqual(['f3', 'f4']);
      expect(await listed({ updatedBefore: 3500 })).toEqual(['f1', 'f2']);
      expect(await listed({ updatedAfter: 1500, updatedBefore: 4500 })).toEqual(['f2', 'f3']);
    });

    it('combines every given filter', async () => {
      expect(
        await listed({ lifecycle: 'all', allTags: ['vision'], nameContains: 'resnet', createdBy: 'ada', createdAfter: 500, updatedBefore: 6000 }),
      ).toEqual(['f1', 'f5']);
    });

    it('pages through filtered results', async () => {
      const pages = await allPages(
        1,
        (page) => listExperiments(store(), { lifecycle: 'all', anyTags: ['vision'] }, BY_CREATED, page),
        (e) => ({ value: e.createdAt, id: e.id }),
      );
      expect(pages.map(idsOf)).toEqual([['f1'], ['f2'], ['f5'], []]);
    });
  });

  describe('list: order and keyset paging', () => {
    // Ties on every field, broken by id; created in an order that is neither id nor any sort order.
    // Names compare by code point: 'Beta' < 'a_b' < 'alpha' < 'beta' < 'zeta'.
    beforeEach(async () => {
      await givenExperiment(store(), { id: 'x2', name: 'beta', createdAt: 3000, updatedAt: 3000 });
      await moveExperiment(store(), 'x2', 'deleted');
      await givenExperiment(store(), { id: 'x3', name: 'beta', createdAt: 2000, updatedAt: 2000 });
      await givenExperiment(store(), { id: 'x1', name: 'Beta', createdAt: 2000, updatedAt: 9000 });
      await givenExperiment(store(), { id: 'x5', name: 'alpha', createdAt: 1000, updatedAt: 9000 });
      await givenExperiment(store(), { id: 'x4', name: 'a_b', createdAt: 2000, updatedAt: 2000 });
      await givenExperiment(store(), { id: 'x6', name: 'zeta', createdAt: 3000, updatedAt: 1000 });
    });

    const orders: [string, ExperimentOrder, string[]][] = [
      ['createdAt ascending', { field: 'createdAt', descending: false }, ['x5', 'x1', 'x3', 'x4', 'x2', 'x6']],
      ['createdAt descending', { field: 'createdAt', descending: true }, ['x6', 'x2', 'x4', 'x3', 'x1', 'x5']],
      ['updatedAt ascending', { field: 'updatedAt', descending: false }, ['x6', 'x3', 'x4', 'x2', 'x1', 'x5']],
      ['updatedAt descending', { field: 'updatedAt', descending: true }, ['x5', 'x1', 'x2', 'x4', 'x3', 'x6']],
      ['name ascending', { field: 'name', descending: false }, ['x1', 'x4', 'x5', 'x2', 'x3', 'x6']],
      ['name descending', { field: 'name', descending: true }, ['x6', 'x3', 'x2', 'x5', 'x4', 'x1']],
    ];

    it.each(orders)('lists by %s with the id as tie-break', async (_label, order, expected) => {
      expect(idsOf(await listExperiments(store(), { lifecycle: 'all' }, order))).toEqual(expected);
    });

    it.each(orders)('pages by %s without repeating or skipping, ties split across pages', async (_label, order, expected) => {
      for (const limit of [1, 2, 4]) {
        const pages = await allPages(
          limit,
          (page) => listExperiments(store(), { lifecycle: 'all' }, order, page),
          (e) => ({ value: e[order.field], id: e.id }),
        );
        expect(pages.flatMap(idsOf)).toEqual(expected);
        expect(pages[0]).toHaveLength(Math.min(limit, expected.length));
      }
    });

    it('orders names by Unicode code point: a character above U+FFFF after one from U+E000 to U+FFFF', async () => {
      // UTF-16 code units would put the emoji (a surrogate pair, 0xD83D…) first; code points
      // (and SQL collations over UTF-8 bytes) put it last.
      await givenExperiment(store(), { id: 'u1', name: 'zz \u{1F642} smile' });
      await givenExperiment(store(), { id: 'u2', name: 'zz \uFF5E tilde' });
      await givenExperiment(store(), { id: 'u3', name: 'zz \u00E9t\u00E9' });
      const byName = { field: 'name', descending: false } as const;
      const ids = idsOf(await listExperiments(store(), { lifecycle: 'all' }, byName)).filter((id) => id.startsWith('u'));
      expect(ids).toEqual(['u3', 'u2', 'u1']);
      const pages = await allPages(
        1,
        (page) => listExperiments(store(), { lifecycle: 'all', nameContains: 'zz ' }, byName, page),
        (e) => ({ value: e.name, id: e.id }),
      );
      expect(pages.flatMap(idsOf)).toEqual(['u3', 'u2', 'u1']);
    });

    it('starts strictly after the cursor by its value and id, whether or not that id exists', async () => {
      const after = async (value: string | number, id: string, order: ExperimentOrder) =>
        idsOf(await listExperiments(store(), { lifecycle: 'all' }, order, { limit: 10, after: { value, id } }));
      expect(await after(2000, 'x2', { field: 'createdAt', descending: false })).toEqual(['x3', 'x4', 'x2', 'x6']);
      expect(await after(2000, 'x35', { field: 'createdAt', descending: true })).toEqual(['x3', 'x1', 'x5']);
      expect(await after('beta', 'x25', { field: 'name', descending: false })).toEqual(['x3', 'x6']);
      expect(await after('b', 'x0', { field: 'name', descending: true })).toEqual(['x5', 'x4', 'x1']);
    });

    it('continues from its cursor while experiments are added', async () => {
      const order: ExperimentOrder = { field: 'createdAt', descending: false };
      const first = await listExperiments(store(), { lifecycle: 'all' }, order, { limit: 2 });
      expect(idsOf(first)).toEqual(['x5', 'x1']);
      await givenExperiment(store(), { id: 'x0', createdAt: 500 });
      await givenExperiment(store(), { id: 'x9', createdAt: 2000 });
      const last = first[first.length - 1] as Experiment;
      const rest = await listExperiments(store(), { lifecycle: 'all' }, order, { limit: 10, after: { value: last.createdAt, id: last.id } });
      expect(idsOf(rest)).toEqual(['x3', 'x4', 'x9', 'x2', 'x6']);
    });

    it('gives at most page.limit experiments', async () => {
      expect(await listExperiments(store(), { lifecycle: 'all' }, BY_CREATED, { limit: 3 })).toHaveLength(3);
    });
  });

  describe('list: summaries', () => {
    it('gives each experiment as stored with its number of runs', async () => {
      const busy = await givenExperiment(store(), { createdAt: 1, description: 'has runs', tags: ['x'] });
      const idle = await givenExperiment(store(), { createdAt: 2 });
      await givenRun(store(), busy.id);
      const doomed = await givenRun(store(), busy.id);
      await givenRun(store(), busy.id);
      expect(await listExperiments(store())).toEqual([
        { ...busy, runCount: 3 },
        { ...idle, runCount: 0 },
      ]);
      await store().runs.delete(doomed.id);
      expect((await listExperiments(store()))[0]?.runCount).toBe(2);
    });

    it('counts runs in the trash, and a deleted experiment\'s runs, as runs of it', async () => {
      const experiment = await givenExperiment(store());
      const trashed = await givenRun(store(), experiment.id);
      await givenRun(store(), experiment.id);
      await store().runs.update(trashed.id, (run) => ({ ...run, lifecycleStage: 'deleted' }));
      const counted = async () => (await listExperiments(store(), { ids: [experiment.id], lifecycle: 'all' }))[0]?.runCount;
      expect(await counted()).toBe(2);
      await moveExperiment(store(), experiment.id, 'deleted');
      expect(await counted()).toBe(2);
    });

    it('gives one experiment\'s summary by its id, as the unfiltered list gives it', async () => {
      const wanted = await givenExperiment(store(), { tags: ['a'], properties: { k: 'v' }, description: 'd' });
      await givenExperiment(store());
      await givenRun(store(), wanted.id);
      const [alone] = await listExperiments(store(), { ids: [wanted.id] }, BY_CREATED, { limit: 1 });
      expect(alone).toEqual({ ...wanted, runCount: 1 });
      expect((await listExperiments(store())).find((e) => e.id === wanted.id)).toEqual(alone);
    });
  });

  describe('purge', () => {
    it('removes the experiment with its runs, parameters, metrics and artifact records, and returns their blob keys', async () => {
      const experiment = await givenExperiment(store(), { name: 'doomed' });
      const first = await givenFullRun(store(), experiment.id, blobKey('one'));
      const second = await givenFullRun(store(), experiment.id, blobKey('two'), { parentRunId: first.id });
      await givenArtifact(store(), second, { name: 'other.bin', path: blobKey('three') });

      const keys = await store().experiments.purge(experiment.id);

      expect(new Set(keys)).toEqual(new Set([blobKey('one'), blobKey('two'), blobKey('three')]));
      await expect(store().experiments.get(experiment.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().runs.getMany([first.id, second.id])).toEqual([]);
      await expect(store().runs.get(first.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().runs.listAllByExperiments([experiment.id])).toEqual([]);
      expect(await store().artifacts.listByExperiment(experiment.id, {})).toEqual([]);
      expect(await store().artifacts.referencedBlobs([blobKey('one'), blobKey('two'), blobKey('three')])).toEqual(new Set());
      expect(await holdings(store(), first.id)).toEqual(NOTHING);
      expect(await listExperiments(store(), { lifecycle: 'all' })).toEqual([]);
    });

    it('leaves nothing behind that a run made again with the same ids would find', async () => {
      const experiment = await givenExperiment(store(), { name: 'doomed' });
      const run = await givenFullRun(store(), experiment.id, blobKey('gone'));
      await store().experiments.purge(experiment.id);
      await givenExperiment(store(), { ...experiment });
      await givenRun(store(), experiment.id, { id: run.id });
      expect(await holdings(store(), run.id)).toEqual(NOTHING);
      expect((await givenArtifact(store(), run)).version).toBe('1');
    });

    it('leaves other experiments alone, including artifacts sharing a blob', async () => {
      const doomed = await givenExperiment(store());
      const kept = await givenExperiment(store());
      await givenFullRun(store(), doomed.id, blobKey('shared'));
      const survivor = await givenFullRun(store(), kept.id, blobKey('shared'));
      const before = await holdings(store(), survivor.id);

      expect(await store().experiments.purge(doomed.id)).toEqual([blobKey('shared')]);

      expect(await holdings(store(), survivor.id)).toEqual(before);
      expect(await store().artifacts.referencedBlobs([blobKey('shared')])).toEqual(new Set([blobKey('shared')]));
      expect(idsOf(await listExperiments(store()))).toEqual([kept.id]);
    });

    it('detaches runs elsewhere whose parent it removed', async () => {
      const doomed = await givenExperiment(store());
      const kept = await givenExperiment(store());
      const parent = await givenRun(store(), doomed.id);
      const child = await givenRun(store(), kept.id, { parentRunId: parent.id });
      await store().experiments.purge(doomed.id);
      expect((await store().runs.get(child.id)).parentRunId).toBeUndefined();
    });

    it('purges a soft-deleted experiment and returns [] when it had no artifacts', async () => {
      const experiment = await givenExperiment(store());
      await givenRun(store(), experiment.id);
      await moveExperiment(store(), experiment.id, 'deleted');
      expect(await store().experiments.purge(experiment.id)).toEqual([]);
      await expect(store().experiments.get(experiment.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('throws NotFoundError for an unknown id', async () => {
      await expect(store().experiments.purge('unknown')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('stores values, not references: changing a given or returned record changes nothing stored', async () => {
    const experiment = anExperiment({ tags: ['kept'] });
    await store().experiments.create(experiment);
    experiment.tags.push('given later');
    experiment.name = 'renamed outside';
    const got = await store().experiments.get(experiment.id);
    got.tags.push('returned later');
    const [listed] = await listExperiments(store());
    listed?.tags.push('listed later');
    const updated = await store().experiments.update(experiment.id, (e) => e);
    updated.tags.push('updated later');
    expect(await store().experiments.get(experiment.id)).toMatchObject({ name: `experiment ${experiment.id}`, tags: ['kept'] });
  });

  it('keeps who deleted an experiment: as created, as changed, and cleared when the change leaves it out', async () => {
    const copied = anExperiment({ lifecycleStage: 'deleted', deletedBy: 'ada' });
    await store().experiments.create(copied);
    expect(await store().experiments.get(copied.id)).toEqual(copied);
    const experiment = anExperiment();
    await store().experiments.create(experiment);
    await store().experiments.update(experiment.id, (current) => ({ ...current, lifecycleStage: 'deleted', deletedBy: 'bob' }));
    expect((await store().experiments.get(experiment.id)).deletedBy).toBe('bob');
    await store().experiments.update(experiment.id, (current) => {
      const next = { ...current, lifecycleStage: 'active' as const };
      delete next.deletedBy;
      return next;
    });
    expect(await store().experiments.get(experiment.id)).not.toHaveProperty('deletedBy');
  });
}

// ---------------------------------------------------------------------------------------------
