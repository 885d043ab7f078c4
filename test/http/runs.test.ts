import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectProblem, expectStatus, ISO_MS, issuePaths, logMetrics, useApi, type Json } from './api.js';

const api = useApi();

describe('POST /api/experiments/:id/runs', () => {
  it('starts a running run: 201, Location, and the Run with its parameters and tags', async () => {
    api.server.clock.set('2026-04-01T08:00:00.250Z');
    const experiment = await createExperiment(api);
    const response = await api.post(`/api/experiments/${experiment.id}/runs`, {
      name: 'baseline',
      parameters: [
        { key: 'lr', value: 0.001 },
        { key: 'optimizer', value: 'adam' },
        { key: 'augment', value: true },
      ],
      tags: { 'git.commit': 'abc123', owner: 'ada' },
    });

    const run = expectStatus(response, 201);
    expect(response.headers.location).toBe(`/api/runs/${run.id}`);
    expect(run).toMatchObject({
      id: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      experimentId: experiment.id,
      name: 'baseline',
      status: 'running',
      lifecycleStage: 'active',
      metrics: [],
      artifacts: [],
      inputs: [],
      tags: { 'git.commit': 'abc123', owner: 'ada' },
      startedAt: '2026-04-01T08:00:00.250Z',
    });
    expect(run.parameters).toHaveLength(3);
    expect(run.parameters).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: 0.001, type: 'number' },
        { key: 'optimizer', value: 'adam', type: 'string' },
        { key: 'augment', value: true, type: 'boolean' },
      ]),
    );
    for (const absent of ['parentRunId', 'completedAt', 'duration']) expect(run).not.toHaveProperty(absent);

    const fetched = expectStatus(await api.get(`/api/runs/${run.id}`), 200);
    expect(fetched).toStrictEqual(run);
  });

  it('starts a run from an empty body, with no name and empty collections', async () => {
    const experiment = await createExperiment(api);
    const run = expectStatus(await api.post(`/api/experiments/${experiment.id}/runs`, {}), 201);
    expect(run).toMatchObject({ status: 'running', lifecycleStage: 'active', parameters: [], metrics: [], artifacts: [], inputs: [], tags: {} });
    expect(run).not.toHaveProperty('name');
    expect(run.startedAt).toMatch(ISO_MS);
  });

  it('takes startedAt from the client, rendered in UTC with milliseconds', async () => {
    const experiment = await createExperiment(api);
    const run = expectStatus(await api.post(`/api/experiments/${experiment.id}/runs`, { startedAt: '2025-12-31T23:00:00+02:00' }), 201);
    expect(run.startedAt).toBe('2025-12-31T21:00:00.000Z');
  });

  it('records lineage: parentRunId names an existing run', async () => {
    const experiment = await createExperiment(api);
    const parent = await createRun(api, experiment.id, { name: 'sweep' });
    const child = expectStatus(await api.post(`/api/experiments/${experiment.id}/runs`, { name: 'trial', parentRunId: parent.id }), 201);
    expect(child.parentRunId).toBe(parent.id);
  });

  it('refuses an unknown parentRunId: 400 naming /parentRunId, and starts nothing', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(await api.post(`/api/experiments/${experiment.id}/runs`, { parentRunId: 'ghost' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/parentRunId']);
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}/runs`), 200).runs).toEqual([]);
  });

  it('refuses fields of the wrong type, listing every one', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(
      await api.post(`/api/experiments/${experiment.id}/runs`, {
        name: 5,
        startedAt: 7,
        tags: { owner: 1 },
        parameters: [{ key: 'ok', value: { nested: true } }],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/name', '/parameters/0/value', '/startedAt', '/tags/owner']);
  });

  it('refuses invalid values, listing every one, and starts nothing', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(
      await api.post(`/api/experiments/${experiment.id}/runs`, {
        name: 'x'.repeat(257),
        tags: { 'bad key!': 'v' },
        parameters: [{ key: 'fine', value: 1 }, { key: 'also bad!', value: 2 }],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/name', '/parameters/1/key', '/tags/bad key!']);
    expect(expectStatus(await api.get(`/api/experiments/${experiment.id}/runs`), 200).runs).toEqual([]);
  });

  it('refuses a startedAt that is not ISO-8601: 400 naming /startedAt', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(await api.post(`/api/experiments/${experiment.id}/runs`, { startedAt: 'last tuesday' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/startedAt']);
  });

  it('answers 404 for an unknown experiment', async () => {
    expectProblem(await api.post('/api/experiments/nope/runs', {}), 404, 'NOT_FOUND');
  });
});

describe('GET /api/runs/:id', () => {
  it('answers 404 NOT_FOUND for an unknown run', async () => {
    const problem = expectProblem(await api.get('/api/runs/ghost'), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('ghost');
  });

  it('shows the latest point of each metric', async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 0.9, step: 0 },
      { key: 'loss', value: 0.4, step: 2 },
      { key: 'loss', value: 0.6, step: 1 },
      { key: 'acc', value: 0.7 },
    ]);
    const fetched = expectStatus(await api.get(`/api/runs/${run.id}`), 200);
    const byKey = Object.fromEntries(fetched.metrics.map((m: Json) => [m.key, m]));
    expect(fetched.metrics).toHaveLength(2);
    expect(byKey.loss).toEqual({ key: 'loss', value: 0.4, step: 2, timestamp: expect.stringMatching(ISO_MS) });
    expect(byKey.acc).toMatchObject({ key: 'acc', value: 0.7, step: 0 });
  });
});

describe('GET /api/runs/:id/children', () => {
  it('lists the runs whose parent is this run, and nothing else', async () => {
    const experiment = await createExperiment(api);
    const parent = await createRun(api, experiment.id, { name: 'parent' });
    const first = await createRun(api, experiment.id, { name: 'child 1', parentRunId: parent.id });
    api.server.clock.advance(1000);
    const second = await createRun(api, experiment.id, { name: 'child 2', parentRunId: parent.id });
    await createRun(api, experiment.id, { name: 'grandchild', parentRunId: first.id });
    await createRun(api, experiment.id, { name: 'unrelated' });

    const children = expectStatus(await api.get(`/api/runs/${parent.id}/children`), 200);
    expect(Object.keys(children)).toEqual(['runs']);
    expect(children.runs.map((r: Json) => r.id).sort()).toEqual([first.id, second.id].sort());
    expect(children.runs.every((r: Json) => r.parentRunId === parent.id)).toBe(true);
    expect(expectStatus(await api.get(`/api/runs/${second.id}/children`), 200)).toEqual({ runs: [] });
  });

  it('answers 404 for an unknown run', async () => {
    expectProblem(await api.get('/api/runs/ghost/children'), 404, 'NOT_FOUND');
  });
});

describe('GET /api/experiments/:id/runs', () => {
  it('lists the runs newest first', async () => {
    const experiment = await createExperiment(api);
    const names = ['first', 'second', 'third'];
    for (const name of names) {
      await createRun(api, experiment.id, { name });
      api.server.clock.advance(1000);
    }
    await createRun(api, undefined, { name: 'other experiment' });
    await createRun(api, experiment.id, { name: 'backfilled', startedAt: '2000-01-01T00:00:00Z' });

    const page = expectStatus(await api.get(`/api/experiments/${experiment.id}/runs`), 200);
    expect(page.runs.map((r: Json) => r.name)).toEqual(['third', 'second', 'first', 'backfilled']);
    expect(page).not.toHaveProperty('nextPageToken');
  });

  it('pages with limit and pageToken through every run exactly once', async () => {
    const experiment = await createExperiment(api);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.unshift((await createRun(api, experiment.id, { name: `run ${i}` })).id);
      api.server.clock.advance(10);
    }
    // Two runs with the same start time: the order must still be total.
    api.server.clock.advance(-10);
    ids.unshift((await createRun(api, experiment.id, { name: 'twin' })).id);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = expectStatus(
        await api.get(`/api/experiments/${experiment.id}/runs?limit=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`),
        200,
      );
      expect(page.runs.length).toBeLessThanOrEqual(2);
      seen.push(...page.runs.map((r: Json) => r.id));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== undefined && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(6);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen.slice(2)).toEqual(ids.slice(2));
  });

  it('refuses a token of another experiment and a bad limit: 400', async () => {
    const a = await createExperiment(api);
    const b = await createExperiment(api);
    await createRun(api, a.id);
    await createRun(api, a.id);
    const token = expectStatus(await api.get(`/api/experiments/${a.id}/runs?limit=1`), 200).nextPageToken as string;
    expect(typeof token).toBe('string');

    let problem = expectProblem(await api.get(`/api/experiments/${b.id}/runs?pageToken=${token}`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/pageToken']);
    problem = expectProblem(await api.get(`/api/experiments/${a.id}/runs?pageToken=garbage`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/pageToken']);
    problem = expectProblem(await api.get(`/api/experiments/${a.id}/runs?limit=0`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/limit']);
  });

  it('answers 404 for an unknown experiment', async () => {
    expectProblem(await api.get('/api/experiments/nope/runs'), 404, 'NOT_FOUND');
  });
});

describe('PATCH /api/runs/:id', () => {
  it('completing a run sets completedAt and a fractional duration in seconds', async () => {
    api.server.clock.set('2026-05-05T05:05:05.000Z');
    const run = await createRun(api);
    api.server.clock.advance(1500);

    const finished = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 200);
    expect(finished).toMatchObject({ id: run.id, status: 'completed', completedAt: '2026-05-05T05:05:06.500Z', duration: 1.5 });
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).toMatchObject({ status: 'completed', duration: 1.5 });
  });

  it('a run can fail, which also finishes it', async () => {
    const run = await createRun(api);
    api.server.clock.advance(60_000);
    const failed = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'failed' }), 200);
    expect(failed).toMatchObject({ status: 'failed', duration: 60 });
    expect(failed.completedAt).toMatch(ISO_MS);
  });

  it('a run can be killed (stopped from outside), which finishes it too', async () => {
    const run = await createRun(api);
    api.server.clock.advance(2_000);
    const killed = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'killed' }), 200);
    expect(killed).toMatchObject({ status: 'killed', duration: 2 });
    expect(killed.completedAt).toMatch(ISO_MS);
  });

  it('a run can wait as scheduled, without an end, and finish from there', async () => {
    const run = await createRun(api);
    const scheduled = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'scheduled' }), 200);
    expect(scheduled.status).toBe('scheduled');
    for (const absent of ['completedAt', 'duration']) expect(scheduled).not.toHaveProperty(absent);
    api.server.clock.advance(500);
    expect(expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 200)).toMatchObject({ status: 'completed', duration: 0.5 });
  });

  it.each([
    ['completed', 'running'],
    ['completed', 'failed'],
    ['completed', 'killed'],
    ['completed', 'scheduled'],
    ['failed', 'running'],
    ['failed', 'completed'],
    ['killed', 'running'],
    ['killed', 'completed'],
  ])('never reopens or re-finishes a %s run (→ %s) without reopen: 409 CONFLICT', async (finished, next) => {
    const run = await createRun(api);
    const done = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: finished }), 200);
    const problem = expectProblem(await api.patch(`/api/runs/${run.id}`, { status: next }), 409, 'CONFLICT');
    expect(problem.detail).toContain(finished);
    expect(expectProblem(await api.patch(`/api/runs/${run.id}`, { status: next, reopen: false }), 409, 'CONFLICT').detail).toContain(finished);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).toStrictEqual(done);
  });

  it('reopen: true resumes a finished run: running again, without completedAt or duration', async () => {
    const run = await createRun(api);
    api.server.clock.advance(1_000);
    expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'killed' }), 200);
    const resumed = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'running', reopen: true }), 200);
    expect(resumed).toMatchObject({ id: run.id, status: 'running' });
    for (const absent of ['completedAt', 'duration']) expect(resumed).not.toHaveProperty(absent);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).toStrictEqual(resumed);
    // And it finishes again, with a new end.
    api.server.clock.advance(4_000);
    expect(expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 200)).toMatchObject({ status: 'completed', duration: 5 });
  });

  it('reopen: true lets a finished run take another finished status, ending now or at the completedAt given', async () => {
    const run = await createRun(api, undefined, { startedAt: '2026-01-15T09:00:00.000Z' });
    expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'failed', completedAt: '2026-01-15T09:30:00.000Z' }), 200);
    api.server.clock.set('2026-01-15T11:00:00.000Z');
    const now = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed', reopen: true }), 200);
    expect(now).toMatchObject({ status: 'completed', completedAt: '2026-01-15T11:00:00.000Z', duration: 7_200 });
    const given = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'killed', reopen: true, completedAt: '2026-01-15T10:00:00.000Z' }), 200);
    expect(given).toMatchObject({ status: 'killed', completedAt: '2026-01-15T10:00:00.000Z', duration: 3_600 });
    const early = expectProblem(
      await api.patch(`/api/runs/${run.id}`, { status: 'completed', reopen: true, completedAt: '2026-01-15T08:00:00.000Z' }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(early)).toEqual(['/completedAt']);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).toStrictEqual(given);
  });

  it('refuses a reopen that is not a boolean: 400 naming /reopen', async () => {
    const run = await createRun(api);
    expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 200);
    const problem = expectProblem(await api.patch(`/api/runs/${run.id}`, { status: 'running', reopen: 'yes' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/reopen']);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).status).toBe('completed');
  });

  it('merges tags, a null value deleting one', async () => {
    const run = await createRun(api, undefined, { tags: { keep: '1', drop: '2', change: 'old' } });
    const updated = expectStatus(await api.patch(`/api/runs/${run.id}`, { tags: { drop: null, change: 'new', add: 'yes' } }), 200);
    expect(updated.tags).toEqual({ keep: '1', change: 'new', add: 'yes' });
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).tags).toEqual({ keep: '1', change: 'new', add: 'yes' });
  });

  it('renames a run and leaves it running', async () => {
    const run = await createRun(api, undefined, { name: 'draft' });
    const renamed = expectStatus(await api.patch(`/api/runs/${run.id}`, { name: 'final' }), 200);
    expect(renamed).toMatchObject({ name: 'final', status: 'running' });
    expect(renamed).not.toHaveProperty('completedAt');
    expect(renamed).not.toHaveProperty('duration');
  });

  it('re-parents a run: parentRunId moves it under another run, null removes its parent', async () => {
    const experiment = await createExperiment(api);
    const first = await createRun(api, experiment.id, { name: 'first' });
    const second = await createRun(api, experiment.id, { name: 'second' });
    const run = await createRun(api, experiment.id, { name: 'trial' });
    const children = async (id: string) => expectStatus(await api.get(`/api/runs/${id}/children`), 200).runs.map((r: Json) => r.id);
    const withParent = async (id: string) =>
      expectStatus(await api.post('/api/runs/search', { filter: `parentRunId = '${id}'` }), 200).runs.map((r: Json) => r.id);

    expect(expectStatus(await api.patch(`/api/runs/${run.id}`, { parentRunId: first.id }), 200).parentRunId).toBe(first.id);
    expect([await children(first.id), await withParent(first.id)]).toEqual([[run.id], [run.id]]);
    expect(expectStatus(await api.patch(`/api/runs/${run.id}`, { parentRunId: second.id }), 200).parentRunId).toBe(second.id);
    expect([await children(first.id), await children(second.id)]).toEqual([[], [run.id]]);

    const detached = expectStatus(await api.patch(`/api/runs/${run.id}`, { parentRunId: null }), 200);
    expect(detached).not.toHaveProperty('parentRunId');
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).not.toHaveProperty('parentRunId');
    expect([await children(second.id), await withParent(second.id)]).toEqual([[], []]);
  });

  it('refuses an unknown parent, the run itself and its descendants: 400 naming /parentRunId, and changes nothing', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id, { name: 'root' });
    const child = await createRun(api, experiment.id, { parentRunId: run.id });
    const grandchild = await createRun(api, experiment.id, { parentRunId: child.id });
    for (const parentRunId of ['ghost', run.id, child.id, grandchild.id]) {
      const problem = expectProblem(await api.patch(`/api/runs/${run.id}`, { parentRunId, name: 'renamed' }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/parentRunId']);
    }
    const unknown = expectProblem(await api.patch(`/api/runs/${run.id}`, { parentRunId: 'ghost' }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(unknown)).toContain('ghost');
    expectProblem(await api.patch(`/api/runs/${run.id}`, { parentRunId: 42 }), 400, 'INVALID_ARGUMENT');
    const unchanged = expectStatus(await api.get(`/api/runs/${run.id}`), 200);
    expect(unchanged.name).toBe('root');
    expect(unchanged).not.toHaveProperty('parentRunId');
  });

  it('refuses an unknown status, an empty body and unknown fields: 400', async () => {
    const run = await createRun(api);
    expectProblem(await api.patch(`/api/runs/${run.id}`, { status: 'paused' }), 400, 'INVALID_ARGUMENT');
    expectProblem(await api.patch(`/api/runs/${run.id}`, {}), 400, 'INVALID_ARGUMENT');
    const problem = expectProblem(await api.patch(`/api/runs/${run.id}`, { state: 'completed' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/state']);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).status).toBe('running');
  });

  it('takes completedAt with a finishing status, and refuses one before the start', async () => {
    const run = await createRun(api, undefined, { startedAt: '2026-01-01T00:00:00.000Z' });
    const early = expectProblem(await api.patch(`/api/runs/${run.id}`, { status: 'completed', completedAt: '2025-12-31T00:00:00Z' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(early)).toEqual(['/completedAt']);
    const finished = expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed', completedAt: '2026-01-01T00:01:30.250Z' }), 200);
    expect(finished).toMatchObject({ completedAt: '2026-01-01T00:01:30.250Z', duration: 90.25 });
  });

  it('refuses changes to a run of a deleted experiment: 409', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    expectProblem(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 409, 'CONFLICT');
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).status).toBe('running');
  });

  it('answers 404 for an unknown run', async () => {
    expectProblem(await api.patch('/api/runs/ghost', { status: 'completed' }), 404, 'NOT_FOUND');
  });
});

/** Moves a run to the trash the way MLflow clients delete one. */
async function trash(runId: string): Promise<void> {
  expectStatus(await api.post('/api/2.0/mlflow/runs/delete', { run_id: runId }), 200);
}

describe('runs trashed by MLflow clients, and POST /api/runs/:id/restore', () => {
  it('a trashed run stays readable and listed, as deleted, and takes no writes: 409', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id, { name: 'trashed' });
    await logMetrics(api, run.id, [{ key: 'loss', value: 1 }]);
    await trash(run.id);

    const fetched = expectStatus(await api.get(`/api/runs/${run.id}`), 200);
    expect(fetched).toMatchObject({ id: run.id, name: 'trashed', lifecycleStage: 'deleted', status: 'running' });
    expect(fetched.metrics).toHaveLength(1);
    expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 2 }), 409, 'CONFLICT');
    expectProblem(await api.post(`/api/runs/${run.id}/params`, { parameters: [{ key: 'lr', value: 1 }] }), 409, 'CONFLICT');
    expectProblem(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 409, 'CONFLICT');
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).toStrictEqual(fetched);
  });

  it('restore brings it back: 200 with the active run, which takes writes again', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id, { name: 'phoenix', parameters: [{ key: 'lr', value: 0.1 }] });
    await trash(run.id);

    const response = await api.post(`/api/runs/${run.id}/restore`);
    const restored = expectStatus(response, 200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(restored).toStrictEqual({ ...run, lifecycleStage: 'active' });
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200)).toStrictEqual(restored);
    await logMetrics(api, run.id, [{ key: 'loss', value: 0.5 }]);
    expect(expectStatus(await api.patch(`/api/runs/${run.id}`, { status: 'completed' }), 200).status).toBe('completed');
  });

  it('restoring an active run changes nothing: 200 with the run as it was', async () => {
    const run = await createRun(api, undefined, { name: 'alive' });
    expect(expectStatus(await api.post(`/api/runs/${run.id}/restore`), 200)).toStrictEqual(run);
  });

  it('refuses while its experiment is deleted: 409 CONFLICT, and the run stays deleted', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id);
    await trash(run.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);

    const problem = expectProblem(await api.post(`/api/runs/${run.id}/restore`), 409, 'CONFLICT');
    expect(problem.detail).toContain('experiment');
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).lifecycleStage).toBe('deleted');
    // Restoring the experiment brings back all of its runs, the one trashed before too (as in MLflow).
    expectStatus(await api.post(`/api/experiments/${experiment.id}/restore`), 200);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).lifecycleStage).toBe('active');
  });

  it('refuses a run deleted with its experiment too: restore the experiment instead', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    expectProblem(await api.post(`/api/runs/${run.id}/restore`), 409, 'CONFLICT');
    expectStatus(await api.post(`/api/experiments/${experiment.id}/restore`), 200);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).lifecycleStage).toBe('active');
  });

  it('answers 404 for an unknown run', async () => {
    const problem = expectProblem(await api.post('/api/runs/ghost/restore'), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('ghost');
  });
});

describe('the datasets a run used (inputs)', () => {
  it('are shown on the run once MLflow clients log them, each (name, digest) once', async () => {
    const run = await createRun(api);
    const dataset = {
      dataset: { name: 'mnist', digest: 'abc123', source_type: 'local', source: '{"uri": "/data/mnist"}', schema: '{}' },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    };
    for (let i = 0; i < 2; i++) {
      expectStatus(await api.post('/api/2.0/mlflow/runs/log-inputs', { run_id: run.id, datasets: [dataset] }), 200);
    }
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).inputs).toStrictEqual([
      { name: 'mnist', digest: 'abc123', sourceType: 'local', source: '{"uri": "/data/mnist"}', schema: '{}', tags: { 'mlflow.data.context': 'training' } },
    ]);
  });
});

describe('DELETE /api/runs/:id', () => {
  it('removes the run with its metrics and parameters: 204, then 404 everywhere', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id, { parameters: [{ key: 'lr', value: 0.1 }] });
    const survivor = await createRun(api, experiment.id);
    await logMetrics(api, run.id, [{ key: 'loss', value: 1 }]);

    const response = await api.del(`/api/runs/${run.id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    expectProblem(await api.get(`/api/runs/${run.id}`), 404, 'NOT_FOUND');
    expectProblem(await api.get(`/api/runs/${run.id}/metrics`), 404, 'NOT_FOUND');
    expectProblem(await api.get(`/api/runs/${run.id}/metrics/loss`), 404, 'NOT_FOUND');
    expectProblem(await api.get(`/api/runs/${run.id}/params`), 404, 'NOT_FOUND');
    expectProblem(await api.del(`/api/runs/${run.id}`), 404, 'NOT_FOUND');

    const runs = expectStatus(await api.get(`/api/experiments/${experiment.id}/runs`), 200).runs;
    expect(runs.map((r: Json) => r.id)).toEqual([survivor.id]);
    const summary = expectStatus(await api.get('/api/experiments'), 200).experiments.find((e: Json) => e.id === experiment.id);
    expect(summary.runCount).toBe(1);
  });

  it('leaves the children of a deleted run in place, without a parent', async () => {
    const experiment = await createExperiment(api);
    const parent = await createRun(api, experiment.id);
    const child = await createRun(api, experiment.id, { parentRunId: parent.id });
    expectStatus(await api.del(`/api/runs/${parent.id}`), 204);
    const fetched = expectStatus(await api.get(`/api/runs/${child.id}`), 200);
    expect(fetched).not.toHaveProperty('parentRunId');
  });
});
