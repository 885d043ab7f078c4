import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, ok, useMlflowServer, type Json, type MlflowServer } from './mlflow-client.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');

/** Logs `values[i]` at step `steps[i]` (default i) in batches, as mlflow.log_metrics in a loop would. */
async function logSeries(s: MlflowServer, runId: string, key: string, values: readonly (number | string)[], steps?: readonly number[]): Promise<void> {
  for (let from = 0; from < values.length; from += 1_000) {
    const metrics = values.slice(from, from + 1_000).map((value, i) => {
      const step = steps?.[from + i] ?? from + i;
      return { key, value, timestamp: T0 + step, step };
    });
    ok(await s.post('runs/log-batch', { run_id: runId, metrics }));
  }
}

async function aRun(s: MlflowServer, experimentId?: string): Promise<string> {
  return (await createRun(s, experimentId ?? (await createExperiment(s)))).info.run_id;
}

describe('MLflow metric histories', () => {
  const server = useMlflowServer();

  describe('get-history', () => {
    it('answers every point of a key in step order, with NaN and the infinities as strings', async () => {
      const s = server();
      const runId = await aRun(s);
      await logSeries(s, runId, 'loss', [0.5, 'NaN', 'Infinity', '-Infinity', 0.25], [4, 0, 2, 1, 3]);
      const history = ok(await s.get('metrics/get-history', { run_uuid: runId, run_id: runId, metric_key: 'loss' }));
      expect(history).toEqual({
        metrics: [
          { key: 'loss', value: 'NaN', timestamp: T0, step: 0 },
          { key: 'loss', value: '-Infinity', timestamp: T0 + 1, step: 1 },
          { key: 'loss', value: 'Infinity', timestamp: T0 + 2, step: 2 },
          { key: 'loss', value: 0.25, timestamp: T0 + 3, step: 3 },
          { key: 'loss', value: 0.5, timestamp: T0 + 4, step: 4 },
        ],
      });
    });

    it('pages with max_results and page_token, every point exactly once', async () => {
      const s = server();
      const runId = await aRun(s);
      const values = Array.from({ length: 2_345 }, (_, i) => Math.sin(i));
      await logSeries(s, runId, 'train/loss', values);
      const steps: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'train/loss', max_results: 1_000, ...(token ? { page_token: token } : {}) }));
        expect(page.metrics.length).toBeLessThanOrEqual(1_000);
        steps.push(...page.metrics.map((m: Json) => m.step));
        token = page.next_page_token;
        pages += 1;
      } while (token);
      expect(pages).toBe(3);
      expect(steps).toEqual(values.map((_, i) => i));
      // A token pages only the history it came from.
      const first = ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'train/loss', max_results: 10 }));
      expectMlflowError(await s.get('metrics/get-history', { run_id: runId, metric_key: 'other', page_token: first.next_page_token }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.get('metrics/get-history', { run_id: runId, metric_key: 'train/loss', page_token: '%%%' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('answers {} for a key the run never logged, 404 for an unknown run, 400 without a key', async () => {
      const s = server();
      const runId = await aRun(s);
      expect(ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'never' }))).toEqual({});
      expectMlflowError(await s.get('metrics/get-history', { run_id: 'e'.repeat(32), metric_key: 'loss' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      expectMlflowError(await s.get('metrics/get-history', { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.get('metrics/get-history', { metric_key: 'loss' }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.get('metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 'lots' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('shows points logged natively, and native clients see points logged through MLflow', async () => {
      const s = server();
      const runId = await aRun(s);
      ok(await s.native.post(`/api/runs/${runId}/metrics`, { metrics: [{ key: 'acc', value: 0.5, step: 0, timestamp: '2026-01-15T10:00:00.000Z' }] }), 201);
      ok(await s.post('runs/log-metric', { run_id: runId, key: 'acc', value: 0.75, timestamp: T0 + 1_000, step: 1 }));
      expect(ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'acc' })).metrics).toEqual([
        { key: 'acc', value: 0.5, timestamp: T0, step: 0 },
        { key: 'acc', value: 0.75, timestamp: T0 + 1_000, step: 1 },
      ]);
      const native = ok(await s.native.get(`/api/runs/${runId}/metrics/acc`));
      expect(native.points).toEqual([
        { step: 0, value: 0.5, timestamp: '2026-01-15T10:00:00.000Z' },
        { step: 1, value: 0.75, timestamp: '2026-01-15T10:00:01.000Z' },
      ]);
    });
  });

  // Differences from MLflow that docs/mlflow.md states: Fathom's metric model keeps one point per
  // step (a retried request never duplicates points), and steps are ≥ 0.
  describe("documented differences from MLflow (Fathom's metric model)", () => {
    it('keeps the last point logged at a step: log_metric in a loop without step= keeps only the last value', async () => {
      const s = server();
      const runId = await aRun(s);
      for (const [i, value] of [0.9, 0.7, 0.4].entries()) ok(await s.post('runs/log-metric', { run_id: runId, key: 'loss', value, timestamp: T0 + i, step: 0 }));
      const history = ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'loss' })).metrics;
      expect(history.map((m: Json) => [m.step, m.value, m.timestamp])).toEqual([[0, 0.4, T0 + 2]]);
    });

    it('refuses a negative step with INVALID_PARAMETER_VALUE naming the step', async () => {
      const s = server();
      const runId = await aRun(s);
      const message = expectMlflowError(await s.post('runs/log-metric', { run_id: runId, key: 'warmup', value: 1, timestamp: T0, step: -5 }), 400, 'INVALID_PARAMETER_VALUE');
      expect(message).toContain('step');
      expect(ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'warmup' }))).toEqual({});
    });
  });

  describe('get-history-bulk-interval', () => {
    it('answers several runs\' histories of one key, each point with its run_id', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const a = await aRun(s, experimentId);
      const b = await aRun(s, experimentId);
      await logSeries(s, a, 'acc', [0.1, 0.2, 0.3]);
      await logSeries(s, b, 'acc', [0.4, 0.5]);
      const answer = ok(await s.get('metrics/get-history-bulk-interval', { run_ids: [a, b], metric_key: 'acc', max_results: 100 }));
      expect(answer).toEqual({
        metrics: [
          { key: 'acc', value: 0.1, timestamp: T0, step: 0, run_id: a },
          { key: 'acc', value: 0.2, timestamp: T0 + 1, step: 1, run_id: a },
          { key: 'acc', value: 0.3, timestamp: T0 + 2, step: 2, run_id: a },
          { key: 'acc', value: 0.4, timestamp: T0, step: 0, run_id: b },
          { key: 'acc', value: 0.5, timestamp: T0 + 1, step: 1, run_id: b },
        ],
      });
    });

    it('keeps to [start_step, end_step] and to max_results points per run, first and last step included', async () => {
      const s = server();
      const runId = await aRun(s);
      const values = Array.from({ length: 1_000 }, (_, i) => (i === 617 ? 100 : Math.cos(i / 50)));
      await logSeries(s, runId, 'loss', values);
      const ranged = ok(await s.get('metrics/get-history-bulk-interval', { run_ids: runId, metric_key: 'loss', start_step: 100, end_step: 199, max_results: 2_500 }));
      expect(ranged.metrics.map((m: Json) => m.step)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
      for (const maxResults of [1, 2, 3, 4, 10, 320]) {
        const sampled = ok(await s.get('metrics/get-history-bulk-interval', { run_ids: [runId], metric_key: 'loss', max_results: maxResults })).metrics;
        const steps: number[] = sampled.map((m: Json) => m.step);
        expect(steps.length, `max_results=${maxResults}`).toBeGreaterThan(0);
        // MLflow's sampler adds the last step to max_results evenly spaced ones.
        expect(steps.length, `max_results=${maxResults}`).toBeLessThanOrEqual(maxResults + 1);
        expect([...steps].sort((x, y) => x - y), `max_results=${maxResults}`).toEqual(steps);
        expect(new Set(steps).size).toBe(steps.length);
        expect(steps[0], `max_results=${maxResults}`).toBe(0);
        expect(steps.at(-1), `max_results=${maxResults}`).toBe(999);
        // Fathom's downsampling keeps the spike (MLflow's even spacing might miss it).
        if (maxResults >= 4) expect(steps, `max_results=${maxResults}`).toContain(617);
      }
    });

    it('answers {} for runs without the key, and refuses what MLflow refuses', async () => {
      const s = server();
      const runId = await aRun(s);
      expect(ok(await s.get('metrics/get-history-bulk-interval', { run_ids: runId, metric_key: 'never' }))).toEqual({});
      const bad = async (query: Record<string, string | number | string[]>) =>
        expectMlflowError(await s.get('metrics/get-history-bulk-interval', query), 400, 'INVALID_PARAMETER_VALUE');
      await bad({ metric_key: 'loss' });
      await bad({ run_ids: runId });
      await bad({ run_ids: Array.from({ length: 101 }, (_, i) => `${runId.slice(0, 29)}${String(i).padStart(3, '0')}`), metric_key: 'loss' });
      await bad({ run_ids: runId, metric_key: 'loss', start_step: 10, end_step: 5 });
      await bad({ run_ids: runId, metric_key: 'loss', max_results: 2_501 });
      await bad({ run_ids: runId, metric_key: 'loss', max_results: 0 });
      await bad({ run_ids: runId, metric_key: 'loss', start_step: 'one' });
      expectMlflowError(await s.get('metrics/get-history-bulk-interval', { run_ids: 'd'.repeat(32), metric_key: 'loss' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    });

    it('takes up to 100 runs', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const runIds: string[] = [];
      for (let i = 0; i < 100; i++) runIds.push(await aRun(s, experimentId));
      ok(await s.post('runs/log-metric', { run_id: runIds[99], key: 'acc', value: 1, timestamp: T0, step: 3 }));
      const answer = ok(await s.get('metrics/get-history-bulk-interval', { run_ids: runIds, metric_key: 'acc' }));
      expect(answer.metrics).toEqual([{ key: 'acc', value: 1, timestamp: T0, step: 3, run_id: runIds[99] }]);
    });
  });
});
