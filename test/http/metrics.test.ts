import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectProblem, expectStatus, ISO_MS, issuePaths, logMetrics, useApi, type Json } from './api.js';

const api = useApi();

async function history(runId: string, key: string, query = ''): Promise<Json> {
  return expectStatus(await api.get(`/api/runs/${runId}/metrics/${encodeURIComponent(key)}${query}`), 200);
}

async function summaries(runId: string): Promise<Json[]> {
  return expectStatus(await api.get(`/api/runs/${runId}/metrics`), 200).metrics;
}

describe('POST /api/runs/:id/metrics', () => {
  it('logs one point: 201 {count: 1}, stamped with the server clock', async () => {
    api.server.clock.set('2026-02-02T02:02:02.020Z');
    const run = await createRun(api);
    const response = await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 0.5, step: 3 });
    expect(expectStatus(response, 201)).toStrictEqual({ count: 1 });

    expect(await history(run.id, 'loss')).toStrictEqual({
      key: 'loss',
      points: [{ step: 3, value: 0.5, timestamp: '2026-02-02T02:02:02.020Z' }],
      total: 1,
      returned: 1,
      method: 'minmax',
    });
  });

  it('keeps a timestamp the client gives', async () => {
    const run = await createRun(api);
    expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 1, timestamp: '2025-07-01T12:00:00+01:00' }), 201);
    expect((await history(run.id, 'loss')).points[0].timestamp).toBe('2025-07-01T11:00:00.000Z');
  });

  it('logs a batch: 201 with how many points were stored', async () => {
    const run = await createRun(api);
    const metrics = [
      { key: 'loss', value: 1, step: 0 },
      { key: 'loss', value: 0.5, step: 1 },
      { key: 'acc', value: 0.6, step: 0 },
    ];
    expect(expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { metrics }), 201)).toStrictEqual({ count: 3 });
    expect((await summaries(run.id)).map((s) => [s.key, s.count])).toEqual([
      ['acc', 1],
      ['loss', 2],
    ]);
  });

  it('accepts a batch of exactly 10,000 points and refuses 10,001 with nothing stored', async () => {
    const run = await createRun(api);
    const points = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'x', value: i, step: i }));

    const problem = expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { metrics: points(10_001) }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/metrics']);
    expect(await summaries(run.id)).toEqual([]);

    expect(expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { metrics: points(10_000) }), 201)).toEqual({ count: 10_000 });
    expect((await summaries(run.id))[0]).toMatchObject({ key: 'x', count: 10_000, lastStep: 9_999 });
  });

  it('is all or nothing: one bad point refuses the batch, naming its index', async () => {
    const run = await createRun(api);
    const problem = expectProblem(
      await api.post(`/api/runs/${run.id}/metrics`, {
        metrics: [
          { key: 'loss', value: 1 },
          { key: 'loss', value: 0.9 },
          { key: 'loss', value: 'abc' },
          { key: 'acc', value: 0.5 },
        ],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem)).toEqual(['/metrics/2/value']);
    expect(await summaries(run.id)).toEqual([]);
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).metrics).toEqual([]);
  });

  it('lists every bad point of a batch, not just the first', async () => {
    const run = await createRun(api);
    const problem = expectProblem(
      await api.post(`/api/runs/${run.id}/metrics`, {
        metrics: [
          { key: 'ok', value: 1 },
          { key: 'bad key!', value: 1 },
          { key: 'ok', value: 'abc' },
          { key: '', value: 'nan' },
        ],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/metrics/1/key', '/metrics/2/value', '/metrics/3/key', '/metrics/3/value']);
  });

  it('lists every point of a batch whose fields have the wrong type', async () => {
    const run = await createRun(api);
    const problem = expectProblem(
      await api.post(`/api/runs/${run.id}/metrics`, {
        metrics: [
          { key: 'ok', value: 1, step: -1 },
          { key: 'ok', value: 1, step: 1.5 },
          { key: 'ok', value: 1, step: '3' },
          { key: 7, value: 1 },
          { key: 'ok', value: 1, extra: true },
        ],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/metrics/0/step', '/metrics/1/step', '/metrics/2/step', '/metrics/3/key', '/metrics/4/extra']);
  });

  it('lists every bad timestamp of a batch along with its other bad fields', async () => {
    const run = await createRun(api);
    const problem = expectProblem(
      await api.post(`/api/runs/${run.id}/metrics`, {
        metrics: [
          { key: 'ok', value: 1, timestamp: 'noon' },
          { key: 'ok', value: 1, timestamp: '2026-01-01T00:00:00Z' },
          { key: 'ok', value: 'abc', timestamp: 'later' },
        ],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/metrics/0/timestamp', '/metrics/2/timestamp', '/metrics/2/value']);
    expect(await summaries(run.id)).toEqual([]);
  });

  describe('refuses values of the wrong type instead of coercing them', () => {
    it.each([
      ['value "abc"', { key: 'loss', value: 'abc' }, '/value'],
      ['value "1" as a string', { key: 'loss', value: '1' }, '/value'],
      ['value null', { key: 'loss', value: null }, '/value'],
      ['value true', { key: 'loss', value: true }, '/value'],
      ['step -1', { key: 'loss', value: 1, step: -1 }, '/step'],
      ['step 1.5', { key: 'loss', value: 1, step: 1.5 }, '/step'],
      ['step "3" as a string', { key: 'loss', value: 1, step: '3' }, '/step'],
      ['a timestamp that is not ISO-8601', { key: 'loss', value: 1, timestamp: 'noon' }, '/timestamp'],
      ['an empty key', { key: '', value: 1 }, '/key'],
      ['a key with forbidden characters', { key: 'loss%', value: 1 }, '/key'],
      ['a key of 251 characters', { key: 'k'.repeat(251), value: 1 }, '/key'],
    ])('a single point with %s: 400 naming the field, nothing stored', async (_label, point, path) => {
      const run = await createRun(api);
      const problem = expectProblem(await api.post(`/api/runs/${run.id}/metrics`, point), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual([path]);
      expect(await summaries(run.id)).toEqual([]);
    });

    it.each([
      ['value "abc"', { key: 'loss', value: 'abc' }, '/metrics/1/value'],
      ['step -1', { key: 'loss', value: 1, step: -1 }, '/metrics/1/step'],
      ['step 1.5', { key: 'loss', value: 1, step: 1.5 }, '/metrics/1/step'],
      ['step "3" as a string', { key: 'loss', value: 1, step: '3' }, '/metrics/1/step'],
      ['an unknown field', { key: 'loss', value: 1, epoch: 2 }, '/metrics/1/epoch'],
    ])('a batch point with %s: 400 naming its path', async (_label, point, path) => {
      const run = await createRun(api);
      const problem = expectProblem(
        await api.post(`/api/runs/${run.id}/metrics`, { metrics: [{ key: 'loss', value: 1 }, point] }),
        400,
        'INVALID_ARGUMENT',
      );
      expect(issuePaths(problem)).toEqual([path]);
      expect(await summaries(run.id)).toEqual([]);
    });
  });

  it('names the single point form with no /metrics prefix', async () => {
    const run = await createRun(api);
    const problem = expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 'abc' }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/value']);
  });

  it('refuses a body with both a point and metrics: 400', async () => {
    const run = await createRun(api);
    const problem = expectProblem(
      await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 1, metrics: [{ key: 'acc', value: 1 }] }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem)).toEqual(['/metrics']);
    expect(await summaries(run.id)).toEqual([]);
  });

  it('refuses a single point without key or value, naming both', async () => {
    const run = await createRun(api);
    const problem = expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { step: 1 }), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem).sort()).toEqual(['/key', '/value']);
  });

  it('refuses an empty batch', async () => {
    const run = await createRun(api);
    expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { metrics: [] }), 400, 'INVALID_ARGUMENT');
  });

  it('answers 404 for an unknown run', async () => {
    expectProblem(await api.post('/api/runs/ghost/metrics', { key: 'loss', value: 1 }), 404, 'NOT_FOUND');
    expectProblem(await api.get('/api/runs/ghost/metrics'), 404, 'NOT_FOUND');
    expectProblem(await api.get('/api/runs/ghost/metrics/loss'), 404, 'NOT_FOUND');
  });

  it('refuses to log to a run of a deleted experiment: 409', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 1 }), 409, 'CONFLICT');
  });

  it('accepts metric keys with letters, digits, spaces and _ - . / :', async () => {
    const run = await createRun(api);
    const key = 'train/loss_v2-a.b:c d';
    expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { key, value: 1 }), 201);
    expect((await summaries(run.id)).map((s) => s.key)).toEqual([key]);
    expect((await history(run.id, key)).points).toHaveLength(1);
  });
});

describe('non-finite values', () => {
  it('"NaN", "Infinity" and "-Infinity" round-trip as strings in history, summaries and runs', async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 'NaN', step: 0 },
      { key: 'loss', value: 'Infinity', step: 1 },
      { key: 'loss', value: '-Infinity', step: 2 },
      { key: 'grad', value: 'Infinity' },
    ]);

    expect((await history(run.id, 'loss')).points.map((p: Json) => p.value)).toEqual(['NaN', 'Infinity', '-Infinity']);
    const loss = (await summaries(run.id)).find((s) => s.key === 'loss');
    expect(loss).toMatchObject({ last: { value: '-Infinity', step: 2 }, min: '-Infinity', max: 'Infinity', count: 3 });
    const latest = expectStatus(await api.get(`/api/runs/${run.id}`), 200).metrics;
    expect(latest).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'grad', value: 'Infinity' }), expect.objectContaining({ key: 'loss', value: '-Infinity' })]),
    );
  });

  it('a key that is NaN throughout summarises to "NaN"', async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [{ key: 'nan', value: 'NaN' }]);
    expect((await summaries(run.id))[0]).toMatchObject({ min: 'NaN', max: 'NaN', mean: 'NaN', count: 1 });
  });

  it('refuses other spellings such as "nan" or "inf"', async () => {
    const run = await createRun(api);
    for (const value of ['nan', 'inf', '+Infinity', '']) {
      expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value }), 400, 'INVALID_ARGUMENT');
    }
  });
});

describe('step numbering', () => {
  it("defaults to the key's last step + 1, starting at 0, per key", async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 3 },
      { key: 'loss', value: 2 },
      { key: 'acc', value: 0.1 },
      { key: 'loss', value: 1, step: 10 },
      { key: 'loss', value: 0.5 },
    ]);
    expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { key: 'acc', value: 0.2 }), 201);
    expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 0.25 }), 201);

    expect((await history(run.id, 'loss')).points.map((p: Json) => [p.step, p.value])).toEqual([
      [0, 3],
      [1, 2],
      [10, 1],
      [11, 0.5],
      [12, 0.25],
    ]);
    expect((await history(run.id, 'acc')).points.map((p: Json) => [p.step, p.value])).toEqual([
      [0, 0.1],
      [1, 0.2],
    ]);
  });

  it('a point logged again at the same step replaces the earlier one', async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 0.1, step: 0 },
      { key: 'loss', value: 5, step: 1 },
    ]);
    expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: 0.7, step: 1 }), 201);

    expect((await history(run.id, 'loss')).points.map((p: Json) => p.value)).toEqual([0.1, 0.7]);
    expect((await summaries(run.id))[0]).toMatchObject({ max: 0.7, count: 2 });
  });
});

describe('GET /api/runs/:id/metrics', () => {
  it('summarises each key: last point, min, max, mean, count, first and last step', async () => {
    api.server.clock.set('2026-01-20T00:00:00.000Z');
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 0.8, step: 5 },
      { key: 'loss', value: 0.2, step: 20, timestamp: '2026-01-20T01:00:00.000Z' },
      { key: 'loss', value: 0.5, step: 10 },
      { key: 'loss', value: 'NaN', step: 15 },
      { key: 'acc', value: 0.9, step: 3 },
    ]);

    expect(await summaries(run.id)).toStrictEqual([
      {
        key: 'acc',
        last: { value: 0.9, step: 3, timestamp: '2026-01-20T00:00:00.000Z' },
        min: 0.9,
        max: 0.9,
        mean: 0.9,
        count: 1,
        firstStep: 3,
        lastStep: 3,
      },
      {
        key: 'loss',
        last: { value: 0.2, step: 20, timestamp: '2026-01-20T01:00:00.000Z' },
        min: 0.2,
        max: 0.8,
        mean: 0.5,
        count: 4,
        firstStep: 5,
        lastStep: 20,
      },
    ]);
  });

  it('is an empty list for a run without metrics', async () => {
    const run = await createRun(api);
    expect(expectStatus(await api.get(`/api/runs/${run.id}/metrics`), 200)).toStrictEqual({ metrics: [] });
  });
});

describe('GET /api/runs/:id/metrics/:key', () => {
  it('returns the points in step order, whatever order they were logged in', async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 0.3, step: 30 },
      { key: 'loss', value: 0.1, step: 10 },
      { key: 'loss', value: 0.2, step: 20 },
      { key: 'acc', value: 1, step: 15 },
    ]);
    const result = await history(run.id, 'loss');
    expect(result.key).toBe('loss');
    expect(result.points.map((p: Json) => p.step)).toEqual([10, 20, 30]);
    for (const point of result.points) expect(Object.keys(point).sort()).toEqual(['step', 'timestamp', 'value']);
    expect(result.points[0].timestamp).toMatch(ISO_MS);
  });

  it('startStep and endStep bound the steps, inclusively', async () => {
    const run = await createRun(api);
    await logMetrics(
      api,
      run.id,
      Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: i, step: i * 10 })),
    );
    const steps = async (query: string) => (await history(run.id, 'loss', query)).points.map((p: Json) => p.step);
    expect(await steps('?startStep=20&endStep=50')).toEqual([20, 30, 40, 50]);
    expect(await steps('?startStep=75')).toEqual([80, 90]);
    expect(await steps('?endStep=15')).toEqual([0, 10]);
    expect(await steps('?startStep=91')).toEqual([]);
  });

  it('refuses a range that ends before it starts, or negative steps: 400', async () => {
    const run = await createRun(api);
    expectProblem(await api.get(`/api/runs/${run.id}/metrics/loss?startStep=10&endStep=5`), 400, 'INVALID_ARGUMENT');
    const problem = expectProblem(await api.get(`/api/runs/${run.id}/metrics/loss?startStep=-1`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/startStep']);
  });

  describe('downsampled for charts', () => {
    /** 5,000 points of a flat curve with a spike and a dip that a blind sampler would drop. */
    async function spikyRun(): Promise<string> {
      const run = await createRun(api);
      const values = Array.from({ length: 5_000 }, (_, i) => 1 - i / 10_000);
      values[1_234] = 50;
      values[3_210] = -7;
      for (let from = 0; from < values.length; from += 2_500) {
        const metrics = values.slice(from, from + 2_500).map((value, i) => ({ key: 'loss', value, step: from + i }));
        expectStatus(await api.post(`/api/runs/${run.id}/metrics`, { metrics }), 201);
      }
      return run.id;
    }

    it.each(['minmax', 'lttb'])('%s: at most maxPoints, with the first and last points and the spike and the dip', async (method) => {
      const runId = await spikyRun();
      const result = (await history(runId, 'loss', `?maxPoints=100&method=${method}`)) as {
        points: { step: number; value: number }[];
        total: number;
        returned: number;
        method: string;
      };
      expect(result).toMatchObject({ total: 5_000, method });
      expect(result.returned).toBe(result.points.length);
      expect(result.points.length).toBeLessThanOrEqual(100);
      expect(result.points.length).toBeGreaterThan(50);
      const steps = result.points.map((p) => p.step);
      expect(steps[0]).toBe(0);
      expect(steps[steps.length - 1]).toBe(4_999);
      expect(result.points).toContainEqual(expect.objectContaining({ step: 1_234, value: 50 }));
      expect(result.points).toContainEqual(expect.objectContaining({ step: 3_210, value: -7 }));
    });

    it('gives at most 1,000 points by default, every point with method=none, and downsamples within a step range', async () => {
      const runId = await spikyRun();
      const byDefault = (await history(runId, 'loss')) as { points: unknown[]; total: number; returned: number; method: string };
      expect(byDefault).toMatchObject({ total: 5_000, returned: byDefault.points.length, method: 'minmax' });
      expect(byDefault.points.length).toBeLessThanOrEqual(1_000);
      const all = (await history(runId, 'loss', '?method=none')) as { points: unknown[]; returned: number };
      expect(all.points).toHaveLength(5_000);
      const ranged = (await history(runId, 'loss', '?startStep=3000&endStep=3999&maxPoints=20')) as { points: { step: number; value: number }[]; total: number };
      expect(ranged.total).toBe(1_000);
      expect(ranged.points[0]?.step).toBe(3_000);
      expect(ranged.points[ranged.points.length - 1]?.step).toBe(3_999);
      expect(ranged.points).toContainEqual(expect.objectContaining({ step: 3_210, value: -7 }));
    });

    it('refuses a maxPoints out of range or an unknown method, naming the field', async () => {
      const run = await createRun(api);
      for (const [query, field] of [['maxPoints=3', '/maxPoints'], ['maxPoints=100001', '/maxPoints'], ['maxPoints=many', '/maxPoints'], ['method=random', '/method']]) {
        const problem = expectProblem(await api.get(`/api/runs/${run.id}/metrics/loss?${query}`), 400, 'INVALID_ARGUMENT');
        expect(issuePaths(problem)).toEqual([field]);
      }
    });
  });

  it('is an empty history for a key the run never logged', async () => {
    const run = await createRun(api);
    expect(await history(run.id, 'unknown')).toStrictEqual({ key: 'unknown', points: [], total: 0, returned: 0, method: 'minmax' });
  });

  it('keeps histories apart per run', async () => {
    const a = await createRun(api);
    const b = await createRun(api);
    await logMetrics(api, a.id, [{ key: 'loss', value: 1 }]);
    await logMetrics(api, b.id, [
      { key: 'loss', value: 2 },
      { key: 'loss', value: 3 },
    ]);
    expect((await history(a.id, 'loss')).points.map((p: Json) => p.value)).toEqual([1]);
    expect((await history(b.id, 'loss')).points.map((p: Json) => p.value)).toEqual([2, 3]);
  });
});
