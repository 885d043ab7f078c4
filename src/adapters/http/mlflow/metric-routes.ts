import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { GetMetricSeries, MAX_SERIES_RUNS } from '../../../application/use-cases/metrics/get-metric-series.js';
import { ReadMetricPoints } from '../../../application/use-cases/metrics/read-metric-points.js';
import { MIN_MAX_POINTS } from '../../../domain/downsample.js';
import { pointsOf } from '../../../domain/metric.js';
import { invalid } from './errors.js';
import { presentMetric } from './presenters.js';
import { argsOf, decodeToken, encodeToken, optionalInteger, optionalString, requiredString, runIdOf, stringList } from './request.js';

/** MLflow's per-run cap for get-history-bulk-interval, also its default. */
export const BULK_INTERVAL_MAX_RESULTS = 2_500;

/**
 * Fathom never downsamples below MIN_MAX_POINTS (first, last, minimum, maximum); a smaller
 * max_results picks among those as MLflow's sampler picks among steps: evenly spaced from the
 * first, plus the last one always (so MLflow answers max_results + 1 points at most).
 */
function atMost<T>(points: readonly T[], maxResults: number): T[] {
  if (points.length <= maxResults) return [...points];
  const kept = new Set<number>();
  for (let i = 0; i < maxResults; i++) kept.add(Math.floor((i * points.length) / maxResults));
  kept.add(points.length - 1);
  return [...kept].sort((a, b) => a - b).map((i) => points[i] as T);
}

/** MLflow's metric history endpoints over Fathom's reads: full pages, or Fathom's downsampling. */
export const metricRoutes: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const points = container.resolve(ReadMetricPoints);
  const series = container.resolve(GetMetricSeries);
  const hidden = { schema: { hide: true } };

  // Every point, in step order; a page at a time when the client asks for max_results
  // (MLflow's Python client asks for 25,000 and follows next_page_token).
  app.get('/metrics/get-history', hidden, async (request) => {
    const args = argsOf(request);
    const runId = runIdOf(args);
    const key = requiredString(args, 'metric_key');
    const limit = optionalInteger(args, 'max_results', { min: 1 });
    const token = optionalString(args, 'page_token');
    let fromStep = 0;
    if (token) {
      const decoded = decodeToken(token) as { run?: unknown; key?: unknown; step?: unknown } | null;
      if (!decoded || decoded.run !== runId || decoded.key !== key || typeof decoded.step !== 'number' || !Number.isSafeInteger(decoded.step)) {
        throw invalid(`Invalid value "${token}" for parameter 'page_token' supplied: it belongs to another history, or is not a token this server gave out`);
      }
      fromStep = decoded.step;
    }
    const page = await points.execute(runId, key, { fromStep, ...(limit !== undefined ? { limit } : {}) });
    const next = page.nextStep === undefined ? undefined : encodeToken({ run: runId, key, step: page.nextStep });
    return { ...(page.points.length > 0 ? { metrics: page.points.map(presentMetric) } : {}), ...(next ? { next_page_token: next } : {}) };
  });

  // What MLflow's UI charts from: several runs' histories of one key, each at most max_results
  // points over a step interval. Served by Fathom's downsampling, which keeps every interval's
  // extremes (MLflow's sampler keeps evenly spaced steps, and can miss a spike).
  app.get('/metrics/get-history-bulk-interval', hidden, async (request) => {
    const args = argsOf(request);
    const runIds = stringList(args, 'run_ids');
    if (runIds.length === 0) throw invalid('GetMetricHistoryBulkInterval request must specify at least one run_id.');
    if (runIds.length > MAX_SERIES_RUNS) throw invalid(`GetMetricHistoryBulkInterval request cannot specify more than ${MAX_SERIES_RUNS} run_ids. Received ${runIds.length} run_ids.`);
    const key = requiredString(args, 'metric_key');
    const startStep = optionalInteger(args, 'start_step', { min: 0 });
    const endStep = optionalInteger(args, 'end_step', { min: 0 });
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw invalid(`end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`);
    }
    const maxResults = optionalInteger(args, 'max_results', { min: 1, max: BULK_INTERVAL_MAX_RESULTS }) ?? BULK_INTERVAL_MAX_RESULTS;
    const found = await series.execute({
      runIds,
      keys: [key],
      maxPoints: Math.max(MIN_MAX_POINTS, maxResults),
      method: 'minmax',
      ...(startStep !== undefined ? { startStep } : {}),
      ...(endStep !== undefined ? { endStep } : {}),
    });
    const metrics = found.flatMap((s) => atMost(pointsOf(s.key, s.columns), maxResults).map((p) => ({ ...presentMetric(p), run_id: s.runId })));
    return metrics.length > 0 ? { metrics } : {};
  });
};
