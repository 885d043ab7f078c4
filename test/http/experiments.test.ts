import { describe, expect, it } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { createExperiment, createRun, expectProblem, expectStatus, ISO_MS, issuePaths, useApi, type Api, type Json } from './api.js';

const api = useApi();

/** The default experiment every server has from its first start (created at the test clock's start). */
const DEFAULT = 'Default';
/** The default experiment as the API shows it on a new server (started at the test clock's time). */
const DEFAULT_EXPERIMENT = {
  id: '0',
  name: DEFAULT,
  tags: [],
  properties: {},
  createdBy: 'fathom',
  createdAt: '2026-01-15T10:00:00.000Z',
  updatedAt: '2026-01-15T10:00:00.000Z',
  lifecycleStage: 'active',
};

/**
 * Creates experiments one second apart, the first one second after the server started, so their
 * creation order (the default experiment's included) is unambiguous.
 */
async function createInOrder(names: string[], extra: (name: string) => Record<string, unknown> = () => ({})): Promise<Json[]> {
  const created: Json[] = [];
  for (const name of names) {
    api.server.clock.advance(1000);
    created.push(await createExperiment(api, { name, ...extra(name) }));
  }
  return created;
}

async function listNames(query: string, client: Api = api): Promise<string[]> {
  const page = expectStatus(await client.get(`/api/experiments${query}`), 200);
  return page.experiments.map((e: Json) => e.name);
}

describe('POST /api/experiments', () => {
  it('creates an experiment: 201, a Location header and the full Experiment with no runs', async () => {
    api.server.clock.set('2026-03-01T12:30:45.678Z');
    const response = await api.post('/api/experiments', { name: 'resnet sweep', description: 'lr search', tags: ['vision'], createdBy: 'ada' });

    const experiment = expectStatus(response, 201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers.location).toBe(`/api/experiments/${experiment.id}`);
    expect(experiment).toStrictEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      name: 'resnet sweep',
      description: 'lr search',
      tags: ['vision'],
      properties: {},
      createdBy: 'ada',
      createdAt: '2026-03-01T12:30:45.678Z',
      updatedAt: '2026-03-01T12:30:45.678Z',
      lifecycleStage: 'active',
      runs: [],
    });
    const fetched = expectStatus(await api.get(response.headers.location as string), 200);
    expect(fetched).toStrictEqual(experiment);
  });

  it('omits description when none was given and defaults createdBy to "anonymous"', async () => {
    const experiment = expectStatus(await api.post('/api/experiments', { name: 'bare' }), 201);
    expect(experiment).not.toHaveProperty('description');
    expect(experiment.createdBy).toBe('anonymous');
    expect(experiment.tags).toEqual([]);
    expect(experiment.createdAt).toMatch(ISO_MS);
  });

  it('lower-cases and de-duplicates tags', async () => {
    const experiment = expectStatus(await api.post('/api/experiments', { name: 'tagged', tags: ['NLP', 'nlp', 'Baseline', ' baseline '] }), 201);
    expect(experiment.tags).toEqual(['nlp', 'baseline']);
  });

  it('gives every experiment its own id', async () => {
    const a = await createExperiment(api);
    const b = await createExperiment(api);
    expect(a.id).not.toBe(b.id);
  });

  it('refuses a second active experiment with the same name: 409 ALREADY_EXISTS', async () => {
    await createExperiment(api, { name: 'taken' });
    const problem = expectProblem(await api.post('/api/experiments', { name: 'taken' }), 409, 'ALREADY_EXISTS');
    expect(problem.detail).toContain('taken');
  });

  it.each([
    ['an empty name', { name: '' }, ['/name']],
    ['a name of 257 characters', { name: 'x'.repeat(257) }, ['/name']],
    ['a missing name', {}, ['/name']],
    ['a tag of 65 characters', { name: 'ok', tags: ['t'.repeat(65)] }, ['/tags/0']],
    ['an empty tag', { name: 'ok', tags: ['fine', ''] }, ['/tags/1']],
    ['65 distinct tags', { name: 'ok', tags: Array.from({ length: 65 }, (_, i) => `tag-${i}`) }, ['/tags']],
    ['a name that is a number', { name: 42 }, ['/name']],
  ])('refuses %s: 400 naming the field', async (_label, input, paths) => {
    const problem = expectProblem(await api.post('/api/experiments', input), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(paths);
  });

  it('accepts a name of exactly 256 characters and 64 tags', async () => {
    const tags = Array.from({ length: 64 }, (_, i) => `tag-${i}`);
    const experiment = expectStatus(await api.post('/api/experiments', { name: 'n'.repeat(256), tags }), 201);
    expect(experiment.name).toHaveLength(256);
    expect(experiment.tags).toHaveLength(64);
  });
});

describe('properties (key/value, what MLflow calls experiment tags)', () => {
  it('are kept as given on create, shown on the experiment and in the listing', async () => {
    const experiment = expectStatus(
      await api.post('/api/experiments', { name: 'with properties', properties: { 'mlflow.note.content': 'Notes', Team: 'NLP ' } }),
      201,
    );
    expect(experiment.properties).toStrictEqual({ 'mlflow.note.content': 'Notes', Team: 'NLP ' });
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200).properties).toStrictEqual(experiment.properties);
    const listed = expectStatus(await api.get('/api/experiments?name=with properties'), 200).experiments;
    expect(listed.map((e: Json) => e.properties)).toStrictEqual([experiment.properties]);
  });

  it('are merged by PATCH, a null value removing a key, and the other fields stay', async () => {
    const experiment = await createExperiment(api, { tags: ['t'], properties: { keep: '1', change: 'old', drop: 'x' } });
    api.server.clock.advance(1000);
    const updated = expectStatus(await api.patch(`/api/experiments/${experiment.id}`, { properties: { change: 'new', drop: null, add: 'yes' } }), 200);
    expect(updated).toStrictEqual({
      ...experiment,
      properties: { keep: '1', change: 'new', add: 'yes' },
      updatedAt: new Date(Date.parse(experiment.updatedAt) + 1000).toISOString(),
    });
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200)).toStrictEqual(updated);
  });

  it('refuses a bad key, a value over 5,000 characters and a value that is not text: 400 naming each, and changes nothing', async () => {
    const experiment = await createExperiment(api, { properties: { a: '1' } });
    const problem = expectProblem(
      await api.patch(`/api/experiments/${experiment.id}`, { properties: { 'bad key!': 'v', long: 'v'.repeat(5_001), ok: 'fine' } }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/properties/bad key!', '/properties/long']);
    const typed = expectProblem(await api.post('/api/experiments', { name: 'typed', properties: { n: 1 } }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(typed)).toEqual(['/properties/n']);
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200)).toStrictEqual(experiment);
    expect(await listNames('?name=typed')).toEqual([]);
  });

  it('accepts a value of exactly 5,000 characters', async () => {
    const experiment = await createExperiment(api, { properties: { long: 'v'.repeat(5_000) } });
    expect(experiment.properties.long).toHaveLength(5_000);
  });
});

describe('the default experiment', () => {
  /** Starts another server on the same data, as a restart does. */
  async function restart(): Promise<void> {
    const again = await buildServer({ container: api.server.container });
    await again.ready();
    await again.close();
  }

  it('is there from the first start: id "0", named "Default", active, empty, readable and listed', async () => {
    const experiment = expectStatus(await api.get('/api/experiments/0'), 200);
    expect(experiment).toStrictEqual({ ...DEFAULT_EXPERIMENT, runs: [] });
    const listed = expectStatus(await api.get('/api/experiments'), 200).experiments;
    expect(listed.map((e: Json) => [e.id, e.name])).toEqual([['0', DEFAULT]]);
  });

  it('takes runs like any other experiment', async () => {
    const run = await createRun(api, '0', { name: 'logged without an experiment' });
    expect(run.experimentId).toBe('0');
    expect(expectStatus(await api.get('/api/experiments/0'), 200).runs.map((r: Json) => r.id)).toEqual([run.id]);
  });

  it('holds its name like any other: a new experiment cannot take "Default"', async () => {
    expectProblem(await api.post('/api/experiments', { name: DEFAULT }), 409, 'ALREADY_EXISTS');
  });

  it('is created once: a restart adds no second one', async () => {
    await restart();
    const all = expectStatus(await api.get('/api/experiments?lifecycle=all'), 200).experiments;
    expect(all.map((e: Json) => [e.id, e.name])).toEqual([['0', DEFAULT]]);
  });

  it('stays as users left it across a restart: renamed, or deleted', async () => {
    expectStatus(await api.patch('/api/experiments/0', { name: 'inbox' }), 200);
    await restart();
    expect(await listNames('?lifecycle=all')).toEqual(['inbox']);

    expectStatus(await api.del('/api/experiments/0'), 204);
    await restart();
    expect(expectStatus(await api.get('/api/experiments/0'), 200)).toMatchObject({ name: 'inbox', lifecycleStage: 'deleted' });
    expect(await listNames('')).toEqual([]);
  });

  it('is made again at the next start once permanently deleted, unless an active experiment holds the name "Default"', async () => {
    expectStatus(await api.del('/api/experiments/0?permanent=true'), 204);
    expectProblem(await api.get('/api/experiments/0'), 404, 'NOT_FOUND');
    await restart();
    expect(expectStatus(await api.get('/api/experiments/0'), 200)).toMatchObject({ id: '0', name: DEFAULT, lifecycleStage: 'active' });

    expectStatus(await api.del('/api/experiments/0?permanent=true'), 204);
    const mine = await createExperiment(api, { name: DEFAULT });
    await restart();
    expectProblem(await api.get('/api/experiments/0'), 404, 'NOT_FOUND');
    const all = expectStatus(await api.get('/api/experiments?lifecycle=all'), 200).experiments;
    expect(all.map((e: Json) => e.id)).toEqual([mine.id]);
  });
});

describe('GET /api/experiments/:id', () => {
  it('returns the experiment with its runs', async () => {
    const experiment = await createExperiment(api, { name: 'with runs' });
    const run = await createRun(api, experiment.id, { name: 'first' });

    const fetched = expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200);
    expect(fetched.runs).toHaveLength(1);
    expect(fetched.runs[0]).toMatchObject({ id: run.id, experimentId: experiment.id, name: 'first', status: 'running' });
    expect(fetched).not.toHaveProperty('runCount');
  });

  it('answers 404 NOT_FOUND for an unknown id', async () => {
    const problem = expectProblem(await api.get('/api/experiments/nope'), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('nope');
  });
});

describe('GET /api/experiments/:id/summary', () => {
  it('returns the experiment without its runs, with runCount: the item the list gives for it', async () => {
    api.server.clock.set('2026-03-01T12:30:45.678Z');
    const experiment = await createExperiment(api, { name: 'sweep', description: 'lr search', tags: ['vision'], properties: { owner: 'ada' }, createdBy: 'ada' });
    await createRun(api, experiment.id);
    await createRun(api, experiment.id);

    const response = await api.get(`/api/experiments/${experiment.id}/summary`);
    const summary = expectStatus(response, 200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(summary).toStrictEqual({
      id: experiment.id,
      name: 'sweep',
      description: 'lr search',
      tags: ['vision'],
      properties: { owner: 'ada' },
      createdBy: 'ada',
      createdAt: '2026-03-01T12:30:45.678Z',
      updatedAt: '2026-03-01T12:30:45.678Z',
      lifecycleStage: 'active',
      runCount: 2,
    });
    const listed = expectStatus(await api.get('/api/experiments'), 200).experiments.find((e: Json) => e.id === experiment.id);
    expect(summary).toStrictEqual(listed);
  });

  it('counts runs in the trash as the list does, and not runs deleted for good', async () => {
    const experiment = await createExperiment(api);
    const trashed = await createRun(api, experiment.id);
    const gone = await createRun(api, experiment.id);
    await createRun(api, experiment.id);
    expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: trashed.id }), 200);
    expectStatus(await api.del(`/api/runs/${gone.id}`), 204);

    const summary = expectStatus(await api.get(`/api/experiments/${experiment.id}/summary`), 200);
    expect(summary.runCount).toBe(2);
    const listed = expectStatus(await api.get('/api/experiments'), 200).experiments.find((e: Json) => e.id === experiment.id);
    expect(summary).toStrictEqual(listed);
  });

  it('returns a deleted experiment as deleted, as the list with lifecycle=deleted does', async () => {
    const experiment = await createExperiment(api);
    await createRun(api, experiment.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);

    const summary = expectStatus(await api.get(`/api/experiments/${experiment.id}/summary`), 200);
    expect(summary).toMatchObject({ lifecycleStage: 'deleted', runCount: 1 });
    const [listed] = expectStatus(await api.get('/api/experiments?lifecycle=deleted'), 200).experiments;
    expect(summary).toStrictEqual(listed);
  });

  it('is in the OpenAPI document: the ExperimentSummary as 200, problems for the rest', async () => {
    const document = expectStatus(await api.get('/openapi.json'), 200);
    const operation = document.paths['/api/experiments/{id}/summary'].get;
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '4XX', '5XX']);
    const ok = operation.responses['200'].content['application/json'].schema;
    expect(Object.keys(ok.properties)).toEqual(expect.arrayContaining(['id', 'name', 'lifecycleStage', 'runCount']));
    expect(ok.properties).not.toHaveProperty('runs');
  });

  it('answers 404 NOT_FOUND for an unknown id, and after a permanent delete', async () => {
    const problem = expectProblem(await api.get('/api/experiments/nope/summary'), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('nope');
    const experiment = await createExperiment(api);
    expectStatus(await api.del(`/api/experiments/${experiment.id}?permanent=true`), 204);
    expectProblem(await api.get(`/api/experiments/${experiment.id}/summary`), 404, 'NOT_FOUND');
  });
});

describe('GET /api/experiments', () => {
  it('lists summaries with runCount and without runs, newest first by default', async () => {
    const [older, newer] = await createInOrder(['older', 'newer']);
    await createRun(api, older.id);
    await createRun(api, older.id);

    const page = expectStatus(await api.get('/api/experiments'), 200);
    expect(page).not.toHaveProperty('nextPageToken');
    expect(page.experiments).toStrictEqual([
      {
        id: newer.id,
        name: 'newer',
        tags: [],
        properties: {},
        createdBy: 'anonymous',
        createdAt: newer.createdAt,
        updatedAt: newer.updatedAt,
        lifecycleStage: 'active',
        runCount: 0,
      },
      {
        id: older.id,
        name: 'older',
        tags: [],
        properties: {},
        createdBy: 'anonymous',
        createdAt: older.createdAt,
        updatedAt: older.updatedAt,
        lifecycleStage: 'active',
        runCount: 2,
      },
      { ...DEFAULT_EXPERIMENT, runCount: 0 },
    ]);
  });

  it('lists only the default experiment on a new server', async () => {
    expect(expectStatus(await api.get('/api/experiments'), 200)).toStrictEqual({
      experiments: [{ ...DEFAULT_EXPERIMENT, runCount: 0 }],
    });
    expect(expectStatus(await api.get('/api/experiments?lifecycle=deleted'), 200)).toStrictEqual({ experiments: [] });
  });

  describe('filters', () => {
    it('tags=a,b keeps experiments having all of them; anyTags=a,b those having one', async () => {
      await createInOrder(['both', 'only-a', 'only-b', 'none'], (name) => ({
        tags: { both: ['a', 'b'], 'only-a': ['a'], 'only-b': ['b', 'c'], none: ['z'] }[name],
      }));

      expect(await listNames('?tags=a,b')).toEqual(['both']);
      expect(await listNames('?tags=A')).toEqual(['only-a', 'both']);
      expect(await listNames('?anyTags=a,b')).toEqual(['only-b', 'only-a', 'both']);
      expect(await listNames('?anyTags=c,z')).toEqual(['none', 'only-b']);
      expect(await listNames('?tags=a&anyTags=b')).toEqual(['both']);
    });

    it('name matches a case-insensitive substring', async () => {
      await createInOrder(['BERT base', 'bert-large', 'gpt small']);
      expect(await listNames('?name=Bert')).toEqual(['bert-large', 'BERT base']);
      expect(await listNames('?name=SMALL')).toEqual(['gpt small']);
      expect(await listNames('?name=llama')).toEqual([]);
    });

    it('createdBy matches the creator', async () => {
      await createInOrder(['by ada', 'by alan', 'by nobody'], (name) =>
        name === 'by ada' ? { createdBy: 'ada' } : name === 'by alan' ? { createdBy: 'alan' } : {},
      );
      expect(await listNames('?createdBy=ada')).toEqual(['by ada']);
      expect(await listNames('?createdBy=anonymous')).toEqual(['by nobody']);
    });

    it('createdAfter and createdBefore bound the creation time', async () => {
      api.server.clock.set('2026-01-01T00:00:00.000Z');
      await createExperiment(api, { name: 'january' });
      api.server.clock.set('2026-02-15T00:00:00.000Z');
      await createExperiment(api, { name: 'february' });
      api.server.clock.set('2026-03-15T00:00:00.000Z');
      await createExperiment(api, { name: 'march' });

      expect(await listNames('?createdAfter=2026-02-01')).toEqual(['march', 'february']);
      // The default experiment was created when the server started, on 2026-01-15.
      expect(await listNames('?createdBefore=2026-02-01T00:00:00Z')).toEqual([DEFAULT, 'january']);
      expect(await listNames('?createdBefore=2026-01-15T00:00:00Z')).toEqual(['january']);
      expect(await listNames('?createdAfter=2026-02-01&createdBefore=2026-03-01')).toEqual(['february']);
    });

    it('updatedAfter and updatedBefore bound the last change', async () => {
      api.server.clock.set('2026-01-01T00:00:00.000Z');
      const touched = await createExperiment(api, { name: 'touched' });
      await createExperiment(api, { name: 'untouched' });
      api.server.clock.set('2026-06-01T00:00:00.000Z');
      expectStatus(await api.patch(`/api/experiments/${touched.id}`, { description: 'changed' }), 200);

      expect(await listNames('?updatedAfter=2026-05-01')).toEqual(['touched']);
      expect(await listNames('?updatedBefore=2026-05-01')).toEqual([DEFAULT, 'untouched']);
      expect(await listNames('?updatedBefore=2026-01-15')).toEqual(['untouched']);
    });

    it('refuses a date that is not ISO-8601, naming the query field', async () => {
      const problem = expectProblem(await api.get('/api/experiments?createdAfter=yesterday'), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/createdAfter']);
    });

    it('names every bad date filter at once', async () => {
      const problem = expectProblem(
        await api.get('/api/experiments?createdAfter=soon&createdBefore=2026-13-45&updatedAfter=2026-01-01&updatedBefore=later'),
        400,
        'INVALID_ARGUMENT',
      );
      expect(issuePaths(problem).sort()).toEqual(['/createdAfter', '/createdBefore', '/updatedBefore']);
    });

    it('combines filters: every given one must hold', async () => {
      await createInOrder(['nlp baseline', 'nlp large', 'vision baseline', 'nlp tiny'], (name) => ({
        tags: name.startsWith('nlp') ? ['nlp'] : ['cv'],
        createdBy: name === 'nlp large' ? 'alan' : 'ada',
      }));
      expect(await listNames('?tags=nlp&createdBy=ada&name=BASE')).toEqual(['nlp baseline']);
      expect(await listNames('?tags=nlp&createdBy=ada')).toEqual(['nlp tiny', 'nlp baseline']);
    });

    it('lifecycle=active (default), deleted or all', async () => {
      const [kept, gone] = await createInOrder(['kept', 'gone']);
      expectStatus(await api.del(`/api/experiments/${gone.id}`), 204);

      expect(await listNames('')).toEqual(['kept', DEFAULT]);
      expect(await listNames('?lifecycle=active')).toEqual(['kept', DEFAULT]);
      expect(await listNames('?lifecycle=deleted')).toEqual(['gone']);
      expect(await listNames('?lifecycle=all')).toEqual(['gone', 'kept', DEFAULT]);
      expect(kept.lifecycleStage).toBe('active');
      expectProblem(await api.get('/api/experiments?lifecycle=archived'), 400, 'INVALID_ARGUMENT');
    });
  });

  describe('ordering', () => {
    it('orders by name, createdAt or updatedAt, ascending or with - descending', async () => {
      const [b, , c] = await createInOrder(['bravo', 'alpha', 'charlie']);
      // bravo changed last, then charlie: updatedAt order differs from creation order.
      expectStatus(await api.patch(`/api/experiments/${c.id}`, { description: 'x' }), 200);
      api.server.clock.advance(1000);
      expectStatus(await api.patch(`/api/experiments/${b.id}`, { description: 'y' }), 200);

      // Names compare by code point: 'Default' (the default experiment, oldest and never changed) sorts before lower case.
      expect(await listNames('?orderBy=name')).toEqual([DEFAULT, 'alpha', 'bravo', 'charlie']);
      expect(await listNames('?orderBy=-name')).toEqual(['charlie', 'bravo', 'alpha', DEFAULT]);
      expect(await listNames('?orderBy=createdAt')).toEqual([DEFAULT, 'bravo', 'alpha', 'charlie']);
      expect(await listNames('?orderBy=-createdAt')).toEqual(['charlie', 'alpha', 'bravo', DEFAULT]);
      expect(await listNames('?orderBy=updatedAt')).toEqual([DEFAULT, 'alpha', 'charlie', 'bravo']);
      expect(await listNames('?orderBy=-updatedAt')).toEqual(['bravo', 'charlie', 'alpha', DEFAULT]);
    });

    it('refuses an unknown order field', async () => {
      const problem = expectProblem(await api.get('/api/experiments?orderBy=size'), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/orderBy']);
    });
  });

  describe('paging', () => {
    it('limit caps a page and pageToken walks through everything exactly once', async () => {
      const names = Array.from({ length: 6 }, (_, i) => `exp-${i}`);
      await createInOrder(names);

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const query = `?limit=3&orderBy=name${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
        const page = expectStatus(await api.get(`/api/experiments${query}`), 200);
        expect(page.experiments.length).toBeLessThanOrEqual(3);
        seen.push(...page.experiments.map((e: Json) => e.name));
        token = page.nextPageToken;
        pages += 1;
      } while (token !== undefined && pages < 10);

      expect(pages).toBe(3);
      expect(seen).toEqual([DEFAULT, ...names]);
    });

    it('pages through experiments sharing a sort value without repeats or gaps', async () => {
      // Same clock reading for all, the default experiment's included: the order falls back to the id.
      const ids = new Set<string>(['0']);
      for (let i = 0; i < 5; i++) ids.add((await createExperiment(api)).id);

      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = expectStatus(await api.get(`/api/experiments?limit=2${token ? `&pageToken=${token}` : ''}`), 200);
        seen.push(...page.experiments.map((e: Json) => e.id));
        token = page.nextPageToken;
      } while (token !== undefined && seen.length <= 10);

      expect(seen).toHaveLength(6);
      expect(new Set(seen)).toEqual(ids);
    });

    it('pages in descending name order too', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'];
      await createInOrder(names);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = expectStatus(await api.get(`/api/experiments?limit=2&orderBy=-name${token ? `&pageToken=${token}` : ''}`), 200);
        seen.push(...page.experiments.map((e: Json) => e.name));
        token = page.nextPageToken;
      } while (token !== undefined && seen.length <= 10);
      expect(seen).toEqual([...names].reverse().concat(DEFAULT));
    });

    it('returns 100 experiments per page by default, and accepts limit=1000', async () => {
      // 101 with the default experiment.
      for (let i = 0; i < 100; i++) await createExperiment(api);
      const first = expectStatus(await api.get('/api/experiments'), 200);
      expect(first.experiments).toHaveLength(100);
      expect(typeof first.nextPageToken).toBe('string');
      const rest = expectStatus(await api.get(`/api/experiments?pageToken=${first.nextPageToken}`), 200);
      expect(rest.experiments).toHaveLength(1);
      expect(rest).not.toHaveProperty('nextPageToken');
      expect(expectStatus(await api.get('/api/experiments?limit=1000'), 200).experiments).toHaveLength(101);
    });

    it('has no nextPageToken on the last page', async () => {
      await createInOrder(['one', 'two']);
      const page = expectStatus(await api.get('/api/experiments?limit=3'), 200);
      expect(page.experiments.map((e: Json) => e.name)).toEqual(['two', 'one', DEFAULT]);
      expect(page).not.toHaveProperty('nextPageToken');
    });

    it('refuses a tampered page token, and one from another query: 400', async () => {
      await createInOrder(['one', 'two', 'three']);
      const first = expectStatus(await api.get('/api/experiments?limit=1'), 200);
      const token: string = first.nextPageToken;
      expect(typeof token).toBe('string');

      const tampered = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}x`;
      let problem = expectProblem(await api.get(`/api/experiments?limit=1&pageToken=${tampered}`), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/pageToken']);
      problem = expectProblem(await api.get('/api/experiments?limit=1&pageToken=not-a-token'), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/pageToken']);
      problem = expectProblem(await api.get(`/api/experiments?limit=1&orderBy=name&pageToken=${token}`), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/pageToken']);
    });

    it.each(['0', '1001', 'ten'])('refuses limit=%s', async (limit) => {
      const problem = expectProblem(await api.get(`/api/experiments?limit=${limit}`), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/limit']);
    });
  });
});

describe('PATCH /api/experiments/:id', () => {
  it('renames, re-describes and re-tags, bumping updatedAt but not createdAt', async () => {
    const experiment = await createExperiment(api, { name: 'before', tags: ['old'] });
    api.server.clock.advance(5_000);

    const updated = expectStatus(
      await api.patch(`/api/experiments/${experiment.id}`, { name: 'after', description: 'now described', tags: ['New', 'new', 'other'] }),
      200,
    );
    expect(updated).toStrictEqual({
      ...experiment,
      name: 'after',
      description: 'now described',
      tags: ['new', 'other'],
      updatedAt: new Date(Date.parse(experiment.updatedAt) + 5_000).toISOString(),
    });
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200)).toStrictEqual(updated);
  });

  it('keeps the fields it was not given', async () => {
    const experiment = await createExperiment(api, { name: 'keep', description: 'as is', tags: ['t'] });
    const updated = expectStatus(await api.patch(`/api/experiments/${experiment.id}`, { name: 'kept' }), 200);
    expect(updated).toMatchObject({ name: 'kept', description: 'as is', tags: ['t'] });
  });

  it('refuses a rename onto an active name: 409', async () => {
    await createExperiment(api, { name: 'first' });
    const second = await createExperiment(api, { name: 'second' });
    expectProblem(await api.patch(`/api/experiments/${second.id}`, { name: 'first' }), 409, 'ALREADY_EXISTS');
    expect(expectStatus(await api.get(`/api/experiments/${second.id}`), 200).name).toBe('second');
  });

  it('refuses an empty change, bad fields and unknown fields: 400', async () => {
    const experiment = await createExperiment(api);
    expectProblem(await api.patch(`/api/experiments/${experiment.id}`, {}), 400, 'INVALID_ARGUMENT');
    const problem = expectProblem(await api.patch(`/api/experiments/${experiment.id}`, { name: '', tags: [''] }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem).sort()).toEqual(['/name', '/tags/0']);
    const unknown = expectProblem(await api.patch(`/api/experiments/${experiment.id}`, { owner: 'x' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(unknown)).toEqual(['/owner']);
  });

  it('answers 404 for an unknown experiment', async () => {
    expectProblem(await api.patch('/api/experiments/missing', { name: 'x' }), 404, 'NOT_FOUND');
  });
});

describe('DELETE /api/experiments/:id and restore', () => {
  it('soft-deletes: 204, hidden from the default list, still readable as deleted with its runs', async () => {
    const experiment = await createExperiment(api, { name: 'to delete' });
    const run = await createRun(api, experiment.id);

    const response = await api.del(`/api/experiments/${experiment.id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    expect(await listNames('')).toEqual([DEFAULT]);
    const deleted = expectStatus(await api.get('/api/experiments?lifecycle=deleted'), 200).experiments;
    expect(deleted).toMatchObject([{ id: experiment.id, lifecycleStage: 'deleted', runCount: 1 }]);
    const fetched = expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200);
    expect(fetched.lifecycleStage).toBe('deleted');
    expect(fetched.runs.map((r: Json) => r.id)).toEqual([run.id]);
  });

  it('frees the name of a deleted experiment for a new one', async () => {
    const experiment = await createExperiment(api, { name: 'reused' });
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    const again = await createExperiment(api, { name: 'reused' });
    expect(again.id).not.toBe(experiment.id);
  });

  it('refuses new runs in a deleted experiment: 409', async () => {
    const experiment = await createExperiment(api);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    expectProblem(await api.post(`/api/experiments/${experiment.id}/runs`, {}), 409, 'CONFLICT');
  });

  it('restores: 200 with the active experiment, back in the default list', async () => {
    const experiment = await createExperiment(api, { name: 'phoenix' });
    await createRun(api, experiment.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);

    const restored = expectStatus(await api.post(`/api/experiments/${experiment.id}/restore`), 200);
    expect(restored).toMatchObject({ id: experiment.id, name: 'phoenix', lifecycleStage: 'active' });
    expect(restored.runs).toHaveLength(1);
    expect(await listNames('')).toEqual(['phoenix', DEFAULT]);
    // Its runs are writable again.
    expectStatus(await api.post(`/api/runs/${restored.runs[0].id}/metrics`, { key: 'loss', value: 1 }), 201);
  });

  it('restoring an active experiment changes nothing: 200', async () => {
    const experiment = await createExperiment(api, { name: 'alive' });
    const restored = expectStatus(await api.post(`/api/experiments/${experiment.id}/restore`), 200);
    expect(restored).toStrictEqual(experiment);
  });

  it('refuses to restore when an active experiment took the name: 409 CONFLICT', async () => {
    const original = await createExperiment(api, { name: 'contested' });
    expectStatus(await api.del(`/api/experiments/${original.id}`), 204);
    await createExperiment(api, { name: 'contested' });

    const problem = expectProblem(await api.post(`/api/experiments/${original.id}/restore`), 409, 'CONFLICT');
    expect(problem.detail).toContain('contested');
    expect(expectStatus(await api.get(`/api/experiments/${original.id}`), 200).lifecycleStage).toBe('deleted');
  });

  it('permanent=true removes the experiment and its runs for good: 204, then 404', async () => {
    const experiment = await createExperiment(api, { name: 'gone for good' });
    const run = await createRun(api, experiment.id);
    expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 1 }), 201);

    const response = await api.del(`/api/experiments/${experiment.id}?permanent=true`);
    expect(response.statusCode).toBe(204);

    expectProblem(await api.get(`/api/experiments/${experiment.id}`), 404, 'NOT_FOUND');
    expectProblem(await api.get(`/api/runs/${run.id}`), 404, 'NOT_FOUND');
    expectProblem(await api.get(`/api/runs/${run.id}/metrics`), 404, 'NOT_FOUND');
    expect(await listNames('?lifecycle=all')).toEqual([DEFAULT]);
    expectProblem(await api.post(`/api/experiments/${experiment.id}/restore`), 404, 'NOT_FOUND');
  });

  it('permanently removes an already soft-deleted experiment', async () => {
    const experiment = await createExperiment(api);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    expectStatus(await api.del(`/api/experiments/${experiment.id}?permanent=true`), 204);
    expectProblem(await api.get(`/api/experiments/${experiment.id}`), 404, 'NOT_FOUND');
  });

  it('answers 404 when deleting or restoring an unknown experiment', async () => {
    expectProblem(await api.del('/api/experiments/missing'), 404, 'NOT_FOUND');
    expectProblem(await api.del('/api/experiments/missing?permanent=true'), 404, 'NOT_FOUND');
    expectProblem(await api.post('/api/experiments/missing/restore'), 404, 'NOT_FOUND');
  });

  it('refuses permanent=maybe: 400', async () => {
    const experiment = await createExperiment(api);
    expectProblem(await api.del(`/api/experiments/${experiment.id}?permanent=maybe`), 400, 'INVALID_ARGUMENT');
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200).lifecycleStage).toBe('active');
  });
});
