import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, ok, tagRecord, useMlflowServer, type Json } from './mlflow-client.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');

const names = (body: Json): string[] => (body.experiments ?? []).map((e: Json) => e.name);

describe('MLflow experiments', () => {
  const server = useMlflowServer();

  it('has the default experiment "0", "Default", from the first start', async () => {
    const s = server();
    const expected = {
      experiment_id: '0',
      name: 'Default',
      artifact_location: 'mlflow-artifacts:/0',
      lifecycle_stage: 'active',
      last_update_time: expect.any(Number),
      creation_time: expect.any(Number),
      tags: [],
    };
    expect(ok(await s.get('experiments/get', { experiment_id: '0' }))).toEqual({ experiment: expected });
    expect(ok(await s.get('experiments/get-by-name', { experiment_name: 'Default' }))).toEqual({ experiment: expected });
  });

  it('creates an experiment with tags and reads it back exactly, by id and by name', async () => {
    const s = server();
    const note = '# MNIST\n\nBaselines for the *digit* classifier — ünïcödé, "quotes", \'apostrophes\'.';
    const tags = { 'mlflow.note.content': note, team: 'vision', 'owner email': 'a@example.com', empty: '' };
    const id = await createExperiment(s, 'mnist classifier', tags);
    const expected = {
      experiment_id: id,
      name: 'mnist classifier',
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: 'active',
      last_update_time: T0,
      creation_time: T0,
      tags: expect.any(Array),
    };
    const byId = ok(await s.get('experiments/get', { experiment_id: id })).experiment;
    expect(byId).toEqual(expected);
    expect(tagRecord(byId.tags)).toEqual(tags);
    expect(byId.tags).toHaveLength(4);
    expect(ok(await s.get('experiments/get-by-name', { experiment_name: 'mnist classifier' })).experiment).toEqual(byId);
  });

  it('finds an experiment by the name it was created with, surrounding spaces and all (mlflow.set_experiment run twice)', async () => {
    const s = server();
    const name = ' padded name ';
    const setExperiment = async (): Promise<string> => {
      const found = await s.get('experiments/get-by-name', { experiment_name: name });
      if (found.status === 200) return found.body.experiment.experiment_id;
      expectMlflowError(found, 404, 'RESOURCE_DOES_NOT_EXIST');
      return ok(await s.post('experiments/create', { name })).experiment_id;
    };
    const first = await setExperiment();
    expect(await setExperiment()).toBe(first);
  });

  it('answers RESOURCE_ALREADY_EXISTS (400) for a second experiment of the same name', async () => {
    const s = server();
    await createExperiment(s, 'twice');
    expectMlflowError(await s.post('experiments/create', { name: 'twice' }), 400, 'RESOURCE_ALREADY_EXISTS');
  });

  it('answers RESOURCE_DOES_NOT_EXIST (404) for an unknown id or name', async () => {
    const s = server();
    expectMlflowError(await s.get('experiments/get', { experiment_id: '987654' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await s.get('experiments/get-by-name', { experiment_name: 'nobody made this' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('renames an experiment: the new name finds it, the old one no longer does, last_update_time moves', async () => {
    const s = server();
    const id = await createExperiment(s, 'old name');
    s.fathom.clock.advance(5_000);
    expect(ok(await s.post('experiments/update', { experiment_id: id, new_name: 'new name' }))).toEqual({});
    const renamed = ok(await s.get('experiments/get-by-name', { experiment_name: 'new name' })).experiment;
    expect(renamed).toMatchObject({ experiment_id: id, name: 'new name', creation_time: T0, last_update_time: T0 + 5_000 });
    expectMlflowError(await s.get('experiments/get-by-name', { experiment_name: 'old name' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    const taken = await createExperiment(s, 'taken');
    expectMlflowError(await s.post('experiments/update', { experiment_id: taken, new_name: 'new name' }), 400, 'RESOURCE_ALREADY_EXISTS');
  });

  it('deletes and restores an experiment, its lifecycle_stage and the searches following', async () => {
    const s = server();
    const id = await createExperiment(s, 'short lived');
    const run = await createRun(s, id, { runName: 'inside' });
    expect(ok(await s.post('experiments/delete', { experiment_id: id }))).toEqual({});
    expect(ok(await s.get('experiments/get', { experiment_id: id })).experiment.lifecycle_stage).toBe('deleted');
    const visible = async (viewType?: string): Promise<string[]> =>
      names(ok(await s.post('experiments/search', { max_results: 1000, ...(viewType ? { view_type: viewType } : {}) })));
    expect(await visible()).toEqual(['Default']);
    expect(await visible('ACTIVE_ONLY')).toEqual(['Default']);
    expect(await visible('DELETED_ONLY')).toEqual(['short lived']);
    expect((await visible('ALL')).sort()).toEqual(['Default', 'short lived']);
    // MLflow deletes the experiment's runs along with it.
    expect(ok(await s.get('runs/get', { run_id: run.info.run_id })).run.info.lifecycle_stage).toBe('deleted');

    expect(ok(await s.post('experiments/restore', { experiment_id: id }))).toEqual({});
    expect(ok(await s.get('experiments/get', { experiment_id: id })).experiment.lifecycle_stage).toBe('active');
    expect(ok(await s.get('runs/get', { run_id: run.info.run_id })).run.info.lifecycle_stage).toBe('active');
    expect((await visible()).sort()).toEqual(['Default', 'short lived']);
  });

  it('sets, overwrites and deletes experiment tags', async () => {
    const s = server();
    const id = await createExperiment(s, 'tagged');
    const tags = async () => tagRecord(ok(await s.get('experiments/get', { experiment_id: id })).experiment.tags);
    expect(ok(await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'mlflow.note.content', value: 'first' }))).toEqual({});
    expect(ok(await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'dev' }))).toEqual({});
    expect(await tags()).toEqual({ 'mlflow.note.content': 'first', stage: 'dev' });
    ok(await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'prod' }));
    expect(await tags()).toEqual({ 'mlflow.note.content': 'first', stage: 'prod' });
    expect(ok(await s.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'stage' }))).toEqual({});
    expect(await tags()).toEqual({ 'mlflow.note.content': 'first' });
    expectMlflowError(await s.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'stage' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await s.post('experiments/set-experiment-tag', { experiment_id: '424242', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('keeps experiment tag values up to 5,000 characters (MLflow\'s limit) and refuses longer ones', async () => {
    const s = server();
    const id = await createExperiment(s, 'long tags');
    ok(await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'long', value: 'x'.repeat(5_000) }));
    expect(tagRecord(ok(await s.get('experiments/get', { experiment_id: id })).experiment.tags).long).toHaveLength(5_000);
    expectMlflowError(await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'long', value: 'x'.repeat(5_001) }), 400, 'INVALID_PARAMETER_VALUE');
  });

  describe('search', () => {
    /** Experiments a, b, c, d created a second apart, tagged by parity. */
    async function fourExperiments(): Promise<void> {
      const s = server();
      for (const [i, name] of ['alpha', 'Beta', 'gamma', 'delta'].entries()) {
        s.fathom.clock.advance(1_000);
        await createExperiment(s, name, { parity: i % 2 === 0 ? 'even' : 'odd' });
      }
    }

    it('lists the newest first by default, in MLflow\'s JSON, by POST and by GET', async () => {
      const s = server();
      await fourExperiments();
      const posted = ok(await s.post('experiments/search', { max_results: 1000 }));
      expect(names(posted)).toEqual(['delta', 'gamma', 'Beta', 'alpha', 'Default']);
      expect(posted.next_page_token).toBeUndefined();
      expect(posted.experiments[0]).toEqual({
        experiment_id: expect.any(String),
        name: 'delta',
        artifact_location: `mlflow-artifacts:/${posted.experiments[0].experiment_id}`,
        lifecycle_stage: 'active',
        last_update_time: T0 + 4_000,
        creation_time: T0 + 4_000,
        tags: [{ key: 'parity', value: 'odd' }],
      });
      expect(ok(await s.get('experiments/search', { max_results: 1000 }))).toEqual(posted);
    });

    it('filters by name (=, LIKE, ILIKE), by tags and by creation_time, and orders by order_by', async () => {
      const s = server();
      await fourExperiments();
      const search = async (filter: string, orderBy?: string[]) =>
        names(ok(await s.post('experiments/search', { max_results: 100, filter, ...(orderBy ? { order_by: orderBy } : {}) })));
      expect(await search("name = 'gamma'")).toEqual(['gamma']);
      expect(await search("name LIKE '%a'", ['name ASC'])).toEqual(['Beta', 'alpha', 'delta', 'gamma']);
      expect(await search("name ILIKE 'b%'")).toEqual(['Beta']);
      expect(await search("name LIKE 'b%'")).toEqual([]);
      expect(await search("tags.parity = 'even'", ['name DESC'])).toEqual(['gamma', 'alpha']);
      expect(await search(`creation_time > ${T0 + 2_000} and tags.parity != 'even'`)).toEqual(['delta']);
      expect(await search('', ['experiment_id ASC'])).toEqual(['Default', 'alpha', 'Beta', 'gamma', 'delta']);
      // GET sends a list as a repeated parameter.
      const viaGet = ok(await s.get('experiments/search', { filter: "tags.parity = 'odd'", order_by: ['name ASC'] }));
      expect(names(viaGet)).toEqual(['Beta', 'delta']);
    });

    it('pages with max_results and next_page_token, reaching every experiment exactly once', async () => {
      const s = server();
      await fourExperiments();
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = ok(await s.post('experiments/search', { max_results: 2, ...(token ? { page_token: token } : {}) }));
        seen.push(...names(page));
        token = page.next_page_token;
        pages += 1;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(['delta', 'gamma', 'Beta', 'alpha', 'Default']);
      // A token belongs to its query.
      const first = ok(await s.post('experiments/search', { max_results: 2 }));
      expectMlflowError(await s.post('experiments/search', { max_results: 2, filter: "name = 'x'", page_token: first.next_page_token }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.post('experiments/search', { max_results: 2, page_token: 'not a token' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('refuses a filter MLflow would refuse, with INVALID_PARAMETER_VALUE', async () => {
      const s = server();
      for (const filter of ['name = ', "name = 'a' OR name = 'b'", 'metrics.acc > 1', "nonsense = 'x'", "name > 'a'"]) {
        expectMlflowError(await s.post('experiments/search', { filter }), 400, 'INVALID_PARAMETER_VALUE');
      }
      for (const orderBy of [['name sideways'], ['tags.team']]) {
        expectMlflowError(await s.post('experiments/search', { order_by: orderBy }), 400, 'INVALID_PARAMETER_VALUE');
      }
      expectMlflowError(await s.post('experiments/search', { view_type: 'SOME' }), 400, 'INVALID_PARAMETER_VALUE');
    });
  });

  describe('seen through the native API, and the other way round', () => {
    it('shows an MLflow experiment and its runs to native clients', async () => {
      const s = server();
      const id = await createExperiment(s, 'from mlflow', { team: 'vision' });
      const run = await createRun(s, id, { runName: 'first' });
      const native = ok(await s.native.get(`/api/experiments/${id}`));
      expect(native).toMatchObject({ id, name: 'from mlflow', lifecycleStage: 'active' });
      expect(native.runs.map((r: Json) => [r.id, r.name])).toEqual([[run.info.run_id, 'first']]);
    });

    it('shows a native experiment to MLflow clients', async () => {
      const s = server();
      const created = ok(await s.native.post('/api/experiments', { name: 'from fathom', tags: ['nlp'] }), 201);
      const experiment = ok(await s.get('experiments/get-by-name', { experiment_name: 'from fathom' })).experiment;
      expect(experiment).toMatchObject({ experiment_id: created.id, name: 'from fathom', lifecycle_stage: 'active', artifact_location: `mlflow-artifacts:/${created.id}` });
    });
  });

  it('answers the same under /ajax-api/2.0/mlflow, as the MLflow UI calls it', async () => {
    const s = server();
    const created = ok(await s.fetch('/ajax-api/2.0/mlflow/experiments/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'via ajax' }) }));
    const got = ok(await s.fetch(`/ajax-api/2.0/mlflow/experiments/get?experiment_id=${created.experiment_id}`));
    expect(got.experiment.name).toBe('via ajax');
    const searched = ok(await s.fetch('/ajax-api/2.0/mlflow/experiments/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_results: 10 }) }));
    expect(names(searched)).toContain('via ajax');
  });
});
