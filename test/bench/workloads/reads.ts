import { api, createExperiment, createRun } from '../api.js';
import type { CpuShares } from '../cpu.js';
import { jsonRequest, runLoad, summarise, type LatencySummary, type PreparedRequest, type Target } from '../load.js';

/**
 * The read workloads of "find and chart", each on data seeded through the API first (untimed):
 * - W4: the history of one long series (1,000,000 points), downsampled to 1,000 points for a
 *   chart, and read in full (in pages of 100,000, the most one response holds);
 * - W5: a run search over 10,000 runs: a 3-clause filter, ordered by a metric, limit 100;
 * - series: one `POST /api/metrics/series` for 100 runs × 10,000 points, downsampled.
 * Each is timed with one connection, request after request, for the measurement's duration.
 */

export interface ReadResult {
  label: string;
  requests: number;
  latency: LatencySummary;
  requestsPerSecond: number;
  cpu: CpuShares;
}

interface Common {
  base: string;
  target: Target;
  warmupMs: number;
  durationMs: number;
  serverPid?: number;
}

/** Times one request, repeated: a closed loop on one keep-alive connection. */
async function timeRequest(label: string, request: () => PreparedRequest, options: Common): Promise<ReadResult> {
  await runLoad({ target: options.target, connections: 1, durationMs: options.warmupMs, source: () => request });
  const result = await runLoad({ target: options.target, connections: 1, durationMs: options.durationMs, source: () => request, ...(options.serverPid ? { serverPid: options.serverPid } : {}) });
  return { label, requests: result.requests, latency: result.latency, requestsPerSecond: result.requestsPerSecond, cpu: result.cpu };
}

/** Runs `work` over `items` with at most `parallel` in flight. */
async function pool<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** A smooth noisy curve with a few spikes, deterministic. */
function curve(step: number, seed: number): number {
  const base = 1 / (1 + step / 5_000) + 0.05 * Math.sin(step / 37 + seed);
  return step % 99_991 === 1_234 ? base + 5 : base;
}

async function logSeries(base: string, runId: string, key: string, points: number, seed: number): Promise<void> {
  const batch = 10_000;
  for (let from = 0; from < points; from += batch) {
    const metrics = [];
    for (let step = from; step < Math.min(points, from + batch); step++) metrics.push({ key, value: curve(step, seed), step });
    await api(base, 'POST', `/api/runs/${runId}/metrics`, { metrics });
  }
}

export interface HistoryResult {
  points: number;
  downsampled: ReadResult;
  /** The whole series in pages of 100,000 points: one read is all the pages, one after another. */
  fullRead: { pages: number; ms: LatencySummary; pointsPerSecond: number };
}

/** W4. */
export async function historyReads(options: Common & { points: number; repeats: number }): Promise<HistoryResult> {
  const experimentId = await createExperiment(options.base, `bench-w4-${Date.now()}`);
  const runId = await createRun(options.base, experimentId, 'long run');
  await logSeries(options.base, runId, 'train/loss', options.points, 1);
  const downsampled = await timeRequest('W4 history downsampled', () => ({ method: 'GET', path: `/api/runs/${runId}/metrics/train%2Floss?maxPoints=1000`, headers: {} }), options);
  const page = 100_000;
  const times: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const started = performance.now();
    let read = 0;
    for (let start = 0; start < options.points; start += page) {
      const result = await api<{ returned: number }>(options.base, 'GET', `/api/runs/${runId}/metrics/train%2Floss?method=none&startStep=${start}&endStep=${start + page - 1}`);
      read += result.returned;
    }
    if (read !== options.points) throw new Error(`W4 full read returned ${read} points, not ${options.points}`);
    times.push(performance.now() - started);
  }
  const ms = summarise(times);
  return { points: options.points, downsampled, fullRead: { pages: Math.ceil(options.points / page), ms, pointsPerSecond: options.points / (ms.p50 / 1000) } };
}

export interface SearchResult extends ReadResult {
  /** The experiment holding the runs (W9 opens its run table). */
  experimentId: string;
  runs: number;
  matched: number;
  filter: string;
}

export const SEARCH_FILTER = "params.lr < 0.01 and metrics.accuracy >= 0.5 and tags.team = 'nlp'";

/** W5: 10,000 runs of one experiment, each with 10 parameters, 5 metrics and 2 tags. */
export async function searchRuns(options: Common & { runs: number }): Promise<SearchResult> {
  const experimentId = await createExperiment(options.base, `bench-w5-${Date.now()}`);
  const indexes = Array.from({ length: options.runs }, (_, i) => i);
  await pool(indexes, 8, async (i) => {
    const { id } = await api<{ id: string }>(options.base, 'POST', `/api/experiments/${experimentId}/runs`, {
      name: `trial-${i}`,
      tags: { team: i % 2 ? 'nlp' : 'vision', sweep: `s${i % 7}` },
      parameters: [
        // As MLflow clients log them: strings, numeric ones compared as numbers.
        { key: 'lr', value: String(10 ** -(1 + (i % 5))) },
        { key: 'optimizer', value: ['adam', 'sgd', 'rmsprop'][i % 3] as string },
        { key: 'batch_size', value: 2 ** (4 + (i % 4)) },
        { key: 'dropout', value: (i % 10) / 20 },
        { key: 'layers', value: 2 + (i % 6) },
        { key: 'warmup', value: i % 3 === 0 },
        { key: 'seed', value: i },
        { key: 'model', value: `resnet${18 + (i % 4) * 16}` },
        { key: 'weight_decay', value: 1e-4 * (1 + (i % 5)) },
        { key: 'scheduler', value: i % 2 ? 'cosine' : 'step' },
      ],
    });
    const metrics = ['accuracy', 'loss', 'f1', 'precision', 'recall'].flatMap((key, k) =>
      [0, 1, 2].map((step) => ({ key, value: ((i * 7919 + k * 104729 + step * 31) % 1000) / 1000, step })),
    );
    await api(options.base, 'POST', `/api/runs/${id}/metrics`, { metrics });
  });
  const body = { experimentIds: [experimentId], filter: SEARCH_FILTER, orderBy: ['metrics.accuracy desc'], limit: 100 };
  const check = await api<{ runs: unknown[] }>(options.base, 'POST', '/api/runs/search', body);
  const request = jsonRequest('POST', '/api/runs/search', body);
  const result = await timeRequest('W5 search', () => request, options);
  return { ...result, experimentId, runs: options.runs, matched: check.runs.length, filter: SEARCH_FILTER };
}

export interface SeriesResult extends ReadResult {
  /** The runs and their metric (W9 compares them). */
  runIds: string[];
  key: string;
  runs: number;
  pointsPerRun: number;
  returnedPoints: number;
}

/** 100 runs × 10,000 points in one comparison-chart request. */
export async function comparisonSeries(options: Common & { runs: number; pointsPerRun: number }): Promise<SeriesResult> {
  const experimentId = await createExperiment(options.base, `bench-series-${Date.now()}`);
  const runIds: string[] = [];
  await pool(
    Array.from({ length: options.runs }, (_, i) => i),
    4,
    async (i) => {
      const runId = await createRun(options.base, experimentId, `run-${i}`);
      runIds.push(runId);
      await logSeries(options.base, runId, 'val/loss', options.pointsPerRun, i);
    },
  );
  const body = { runIds, keys: ['val/loss'] };
  const check = await api<{ series: { total: number; returned: number }[] }>(options.base, 'POST', '/api/metrics/series', body);
  const total = check.series.reduce((sum, s) => sum + s.total, 0);
  if (total !== options.runs * options.pointsPerRun) throw new Error(`series: ${total} points in total, expected ${options.runs * options.pointsPerRun}`);
  const request = jsonRequest('POST', '/api/metrics/series', body);
  const result = await timeRequest('series', () => request, options);
  return { ...result, runIds, key: 'val/loss', runs: options.runs, pointsPerRun: options.pointsPerRun, returnedPoints: check.series.reduce((sum, s) => sum + s.returned, 0) };
}
