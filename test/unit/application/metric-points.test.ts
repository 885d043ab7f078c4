import { describe, expect, it } from 'vitest';
import { LogMetrics } from '../../../src/application/use-cases/metrics/log-metrics.js';
import { ReadMetricPoints, type PointsPageRequest } from '../../../src/application/use-cases/metrics/read-metric-points.js';
import { InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import type { MetricPoint } from '../../../src/domain/metric.js';
import { aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

/** Every page of one key, following nextStep; the pages as served. */
async function allPages(runId: string, key: string, limit: number, fromStep?: number): Promise<MetricPoint[][]> {
  const pages: MetricPoint[][] = [];
  let request: PointsPageRequest = fromStep === undefined ? { limit } : { limit, fromStep };
  for (let i = 0; i < 100; i++) {
    const page = await fathom().use(ReadMetricPoints).execute(runId, key, request);
    pages.push(page.points);
    if (page.nextStep === undefined) return pages;
    expect(page.nextStep).toBeGreaterThan(page.points[page.points.length - 1]?.step ?? -1);
    request = { limit, fromStep: page.nextStep };
  }
  throw new Error('more than 100 pages');
}

describe('ReadMetricPoints', () => {
  it('pages cover every point exactly once, in step order, with gaps in the steps and points logged out of order', async () => {
    const run = await aRun(fathom());
    // Steps 0, 3, 6, … 57, logged backwards, each with its own time and value.
    const logged = Array.from({ length: 20 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i * 3, timestamp: START + i * 1_000 })).reverse();
    await fathom().use(LogMetrics).execute(run.id, logged);
    await fathom()
      .use(LogMetrics)
      .execute(run.id, [{ key: 'other', value: 5, step: 1 }]);

    const expected = [...logged].sort((a, b) => a.step - b.step);
    for (const limit of [1, 3, 7, 19, 20, 21, 1_000]) {
      const pages = await allPages(run.id, 'loss', limit);
      expect(pages.every((page) => page.length <= limit)).toBe(true);
      expect(pages).toHaveLength(Math.ceil(20 / limit));
      expect(pages.flat()).toEqual(expected);
    }
  });

  it('without a limit gives every remaining point and no nextStep', async () => {
    const run = await aRun(fathom(), { metrics: Array.from({ length: 5 }, (_, step) => ({ key: 'acc', value: step / 10, step })) });
    const page = await fathom().use(ReadMetricPoints).execute(run.id, 'acc');
    expect(page.points.map((p) => [p.key, p.step, p.value])).toEqual([
      ['acc', 0, 0],
      ['acc', 1, 0.1],
      ['acc', 2, 0.2],
      ['acc', 3, 0.3],
      ['acc', 4, 0.4],
    ]);
    expect(page).not.toHaveProperty('nextStep');
  });

  it('starts at fromStep, inclusive, whether or not a point sits on it', async () => {
    const run = await aRun(fathom(), { metrics: [0, 10, 20, 30].map((step) => ({ key: 'loss', value: step, step })) });
    const read = fathom().use(ReadMetricPoints);
    expect((await read.execute(run.id, 'loss', { fromStep: 10 })).points.map((p) => p.step)).toEqual([10, 20, 30]);
    expect((await read.execute(run.id, 'loss', { fromStep: 11 })).points.map((p) => p.step)).toEqual([20, 30]);
    expect(await read.execute(run.id, 'loss', { fromStep: 31 })).toEqual({ points: [] });
    expect(await read.execute(run.id, 'loss', { fromStep: 0, limit: 2 })).toMatchObject({ nextStep: 20 });
  });

  it('has no nextStep when the last page is exactly full', async () => {
    const run = await aRun(fathom(), { metrics: [0, 1, 2, 3].map((step) => ({ key: 'loss', value: step, step })) });
    const first = await fathom().use(ReadMetricPoints).execute(run.id, 'loss', { limit: 2 });
    expect(first.nextStep).toBe(2);
    const last = await fathom().use(ReadMetricPoints).execute(run.id, 'loss', { limit: 2, fromStep: 2 });
    expect(last.points.map((p) => p.step)).toEqual([2, 3]);
    expect(last).not.toHaveProperty('nextStep');
  });

  it('keeps values as logged: NaN and infinities, and the later of two points at one step', async () => {
    const run = await aRun(fathom(), {
      metrics: [
        { key: 'x', value: 'NaN', step: 0 },
        { key: 'x', value: 'Infinity', step: 1 },
        { key: 'x', value: '-Infinity', step: 2 },
        { key: 'x', value: 1, step: 3 },
      ],
    });
    await fathom()
      .use(LogMetrics)
      .execute(run.id, [{ key: 'x', value: 2, step: 3 }]);
    const { points } = await fathom().use(ReadMetricPoints).execute(run.id, 'x', { limit: 10 });
    expect(points.map((p) => p.value)).toEqual([NaN, Infinity, -Infinity, 2]);
  });

  it('an unknown key has no points', async () => {
    const run = await aRun(fathom(), { metrics: [{ key: 'loss', value: 1 }] });
    expect(await fathom().use(ReadMetricPoints).execute(run.id, 'Loss', { limit: 5 })).toEqual({ points: [] });
  });

  it.each([
    [{ fromStep: -1 }, ['/fromStep']],
    [{ fromStep: 1.5 }, ['/fromStep']],
    [{ fromStep: Number.NaN }, ['/fromStep']],
    [{ fromStep: 2 ** 53 }, ['/fromStep']],
    [{ limit: 0 }, ['/limit']],
    [{ limit: -3 }, ['/limit']],
    [{ limit: 2.5 }, ['/limit']],
    [{ limit: Infinity }, ['/limit']],
    [{ fromStep: -1, limit: 0 }, ['/fromStep', '/limit']],
  ] as [PointsPageRequest, string[]][])('refuses %j, naming %j', async (request, paths) => {
    const run = await aRun(fathom(), { metrics: [{ key: 'loss', value: 1 }] });
    const error = await rejectionOf(fathom().use(ReadMetricPoints).execute(run.id, 'loss', request), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(paths);
  });

  it('accepts fromStep 0 and limit 1', async () => {
    const run = await aRun(fathom(), { metrics: [{ key: 'loss', value: 1, step: 0 }] });
    expect((await fathom().use(ReadMetricPoints).execute(run.id, 'loss', { fromStep: 0, limit: 1 })).points).toHaveLength(1);
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(fathom().use(ReadMetricPoints).execute('ghost', 'loss'), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'ghost' });
  });
});
