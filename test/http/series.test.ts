import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectProblem, expectStatus, issuePaths, logMetrics, useApi, type Json } from './api.js';

const api = useApi();

/**
 * The series of a request, each with its columns (steps, values, timestamps) also read back as
 * `points` as GET /api/runs/:id/metrics/:key gives them, so the two can be compared directly.
 * The columns must be of one length: a point is the same index in each.
 */
async function series(body: Record<string, unknown>): Promise<Json[]> {
  const result = expectStatus(await api.post('/api/metrics/series', body), 200).series as Json[];
  return result.map(({ steps, values, timestamps, ...rest }) => {
    expect(values).toHaveLength(steps.length);
    expect(timestamps).toHaveLength(steps.length);
    const points = steps.map((step: number, i: number) => ({ step, value: values[i], timestamp: new Date(timestamps[i]).toISOString() }));
    return { ...rest, points };
  });
}

/** Logs `values` at steps `from`, `from + 1`, … in batches the API accepts. */
async function logSeries(runId: string, key: string, values: (number | string)[], from = 0): Promise<void> {
  for (let start = 0; start < values.length; start += 10_000) {
    const points = values.slice(start, start + 10_000).map((value, i) => ({ key, value, step: from + start + i }));
    await logMetrics(api, runId, points);
  }
}

/** A smooth decay over `length` steps with one spike up and one dip down. */
function withSpikes(length: number, up: number, down: number): number[] {
  return Array.from({ length }, (_, i) => (i === up ? 1000 : i === down ? -1000 : 1 / (1 + i / 100) + Math.sin(i / 7) * 0.01));
}

function problemPaths(response: Parameters<typeof expectProblem>[0]): string[] {
  return issuePaths(expectProblem(response, 400, 'INVALID_ARGUMENT'));
}

describe('POST /api/metrics/series', () => {
  it('answers each series in columns, as chart libraries take them: steps, values, timestamps in epoch milliseconds', async () => {
    const run = await createRun(api);
    await logMetrics(api, run.id, [
      { key: 'loss', value: 2, step: 0, timestamp: '2026-01-15T10:00:00.000Z' },
      { key: 'loss', value: 'NaN', step: 1, timestamp: '2026-01-15T10:00:01.000Z' },
      { key: 'loss', value: 'Infinity', step: 7, timestamp: '2026-01-15T10:00:02.500Z' },
    ]);
    const body = expectStatus(await api.post('/api/metrics/series', { runIds: [run.id], keys: ['loss'] }), 200);
    expect(body).toStrictEqual({
      series: [
        {
          runId: run.id,
          key: 'loss',
          steps: [0, 1, 7],
          values: [2, 'NaN', 'Infinity'],
          timestamps: [Date.parse('2026-01-15T10:00:00Z'), Date.parse('2026-01-15T10:00:01Z'), Date.parse('2026-01-15T10:00:02.500Z')],
          total: 3,
          returned: 3,
          method: 'minmax',
        },
      ],
    });
  });

  it('gives one series per run and key: runs in the order asked, keys in the order asked within each', async () => {
    const experiment = await createExperiment(api);
    const first = await createRun(api, experiment.id);
    const second = await createRun(api, experiment.id);
    await logMetrics(api, first.id, [
      { key: 'loss', value: 2, step: 0 },
      { key: 'loss', value: 1, step: 1 },
      { key: 'acc', value: 0.5, step: 1 },
    ]);
    await logMetrics(api, second.id, [{ key: 'loss', value: 3, step: 5 }]);

    const result = await series({ runIds: [second.id, first.id], keys: ['loss', 'acc'] });
    expect(result.map((s) => [s.runId, s.key])).toEqual([
      [second.id, 'loss'],
      [second.id, 'acc'],
      [first.id, 'loss'],
      [first.id, 'acc'],
    ]);
    expect(result[0]).toStrictEqual({
      runId: second.id,
      key: 'loss',
      points: [{ step: 5, value: 3, timestamp: expect.stringMatching(/^2026-/) }],
      total: 1,
      returned: 1,
      method: 'minmax',
    });
    // A run without the key: an empty series, not an error.
    expect(result[1]).toStrictEqual({ runId: second.id, key: 'acc', points: [], total: 0, returned: 0, method: 'minmax' });
    expect(result[2].points.map((p: Json) => [p.step, p.value])).toEqual([
      [0, 2],
      [1, 1],
    ]);
    expect(result[3].points.map((p: Json) => [p.step, p.value])).toEqual([[1, 0.5]]);
  });

  it('gives each series exactly what GET /api/runs/:id/metrics/:key gives for the same range and method', async () => {
    const run = await createRun(api);
    await logSeries(run.id, 'train/loss', withSpikes(3_000, 1234, 2345));
    const query = { maxPoints: 40, method: 'lttb', startStep: 100, endStep: 2_900 };
    const [one] = await series({ runIds: [run.id], keys: ['train/loss'], ...query });
    const history = expectStatus(await api.get(`/api/runs/${run.id}/metrics/train/loss?maxPoints=40&method=lttb&startStep=100&endStep=2900`), 200);
    expect(one).toStrictEqual({ runId: run.id, ...history });
    expect(one.total).toBe(2_801);
  });

  it.each(['minmax', 'lttb'])('downsampling (%s) keeps the first and last points and the global minimum and maximum', async (method) => {
    const run = await createRun(api);
    const values = withSpikes(10_000, 4_321, 7_777);
    await logSeries(run.id, 'loss', values);

    for (const maxPoints of [4, 50, 1_000]) {
      const [one] = await series({ runIds: [run.id], keys: ['loss'], maxPoints, method });
      expect(one).toMatchObject({ total: 10_000, method });
      expect(one.returned).toBe(one.points.length);
      expect(one.points.length).toBeLessThanOrEqual(maxPoints);
      expect(one.points.length).toBeGreaterThanOrEqual(4);
      const steps = one.points.map((p: Json) => p.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(new Set(steps).size).toBe(steps.length);
      expect(steps).toEqual(expect.arrayContaining([0, 4_321, 7_777, 9_999]));
      for (const point of one.points) expect(point.value).toBe(values[point.step]);
    }
  });

  it('returns every point of a short series; maxPoints defaults to 1,000', async () => {
    const run = await createRun(api);
    await logSeries(run.id, 'short', [3, 1, 2]);
    await logSeries(run.id, 'long', withSpikes(2_500, 10, 20));
    const [short, long] = await series({ runIds: [run.id], keys: ['short', 'long'], maxPoints: 4 });
    expect(short).toMatchObject({ total: 3, returned: 3 });
    expect(long).toMatchObject({ total: 2_500, returned: 4 });

    const [defaulted] = await series({ runIds: [run.id], keys: ['long'] });
    expect(defaulted.total).toBe(2_500);
    expect(defaulted.returned).toBeLessThanOrEqual(1_000);
    expect(defaulted.returned).toBeGreaterThan(900);
  });

  it('maxPoints is 4 to 100,000: 3 and 100,001 are 400 naming /maxPoints', async () => {
    const run = await createRun(api);
    for (const maxPoints of [3, 100_001, 0]) {
      expect(problemPaths(await api.post('/api/metrics/series', { runIds: [run.id], keys: ['loss'], maxPoints }))).toEqual(['/maxPoints']);
    }
    expect(await series({ runIds: [run.id], keys: ['loss'], maxPoints: 100_000 })).toHaveLength(1);
  });

  it('startStep and endStep narrow every series to an inclusive range; total counts the range only', async () => {
    const experiment = await createExperiment(api);
    const a = await createRun(api, experiment.id);
    const b = await createRun(api, experiment.id);
    await logSeries(a.id, 'loss', Array.from({ length: 100 }, (_, i) => i));
    await logSeries(b.id, 'loss', Array.from({ length: 10 }, (_, i) => i * 10), 45);

    const [inA, inB] = await series({ runIds: [a.id, b.id], keys: ['loss'], startStep: 40, endStep: 50 });
    expect(inA.points.map((p: Json) => p.step)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
    expect(inA.total).toBe(11);
    expect(inB.points.map((p: Json) => p.step)).toEqual([45, 46, 47, 48, 49, 50]);

    const [from90] = await series({ runIds: [a.id], keys: ['loss'], startStep: 90 });
    expect(from90.points.map((p: Json) => p.step)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    const [upTo2] = await series({ runIds: [a.id], keys: ['loss'], endStep: 2 });
    expect(upTo2.points.map((p: Json) => p.value)).toEqual([0, 1, 2]);
    const [empty] = await series({ runIds: [a.id], keys: ['loss'], startStep: 500 });
    expect(empty).toMatchObject({ points: [], total: 0, returned: 0 });

    expect(problemPaths(await api.post('/api/metrics/series', { runIds: [a.id], keys: ['loss'], startStep: 10, endStep: 9 }))).toEqual(['/endStep']);
    expect(problemPaths(await api.post('/api/metrics/series', { runIds: [a.id], keys: ['loss'], startStep: -1 }))).toEqual(['/startStep']);
  });

  it('method=none returns every point, up to 100,000 for the whole request: more is 400 on /method', async () => {
    const experiment = await createExperiment(api);
    const a = await createRun(api, experiment.id);
    const b = await createRun(api, experiment.id);
    const values = Array.from({ length: 50_001 }, (_, i) => i % 97);
    await logSeries(a.id, 'loss', values);
    await logSeries(b.id, 'loss', values);

    // Each alone fits.
    const [alone] = await series({ runIds: [a.id], keys: ['loss'], method: 'none' });
    expect(alone).toMatchObject({ total: 50_001, returned: 50_001, method: 'none' });

    // Together they hold 100,002 points.
    const response = await api.post('/api/metrics/series', { runIds: [a.id, b.id], keys: ['loss'], method: 'none' });
    const problem = expectProblem(response, 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/method']);
    expect(problem.detail).toContain('at most 100000 points in one request, and these series hold more');

    // Narrowed, or downsampled, the same request is answered.
    const narrowed = await series({ runIds: [a.id, b.id], keys: ['loss'], method: 'none', endStep: 49_999 });
    expect(narrowed.map((s) => s.returned)).toEqual([50_000, 50_000]);
    const sampled = await series({ runIds: [a.id, b.id], keys: ['loss'], maxPoints: 100_000 });
    expect(sampled.map((s) => s.total)).toEqual([50_001, 50_001]);
  });

  it('NaN and infinite values travel as strings', async () => {
    const run = await createRun(api);
    await logSeries(run.id, 'loss', [1, 'NaN', 'Infinity', '-Infinity']);
    const [one] = await series({ runIds: [run.id], keys: ['loss'] });
    expect(one.points.map((p: Json) => p.value)).toEqual([1, 'NaN', 'Infinity', '-Infinity']);
  });

  it('takes 1 to 100 runs and 1 to 20 keys: outside those bounds, 400 naming the field', async () => {
    const experiment = await createExperiment(api);
    const runIds: string[] = [];
    for (let i = 0; i < 100; i++) runIds.push((await createRun(api, experiment.id)).id);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await logMetrics(api, runIds[99] as string, [{ key: 'k19', value: 7, step: 0 }]);

    const all = await series({ runIds, keys });
    expect(all).toHaveLength(2_000);
    expect(all[1_999]).toMatchObject({ runId: runIds[99], key: 'k19', total: 1 });

    expect(problemPaths(await api.post('/api/metrics/series', { runIds: [], keys }))).toEqual(['/runIds']);
    expect(problemPaths(await api.post('/api/metrics/series', { runIds: [...runIds, 'one more'], keys }))).toEqual(['/runIds']);
    expect(problemPaths(await api.post('/api/metrics/series', { runIds, keys: [] }))).toEqual(['/keys']);
    expect(problemPaths(await api.post('/api/metrics/series', { runIds, keys: [...keys, 'k20'] }))).toEqual(['/keys']);
    expect(problemPaths(await api.post('/api/metrics/series', { keys }))).toEqual(['/runIds']);
    expect(problemPaths(await api.post('/api/metrics/series', { runIds, keys, method: 'every' }))).toEqual(['/method']);
  });

  it('answers 404 naming an unknown run, even among known ones', async () => {
    const run = await createRun(api);
    const problem = expectProblem(await api.post('/api/metrics/series', { runIds: [run.id, 'ghost'], keys: ['loss'] }), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('ghost');
  });
});
