import { createRun, storedPoints } from '../api.js';
import type { CpuShares } from '../cpu.js';
import { jsonRequest, PreparedQueue, warmedUpLoad, type LatencySummary, type PreparedRequest, type Target } from '../load.js';

/**
 * W1 and W2, single metric logging: what a training script does when it calls `log_metric` at
 * every step, one request per point. Each connection is one training process writing its own
 * run: `POST /api/runs/:id/metrics` with `{key, value, step}`, steps increasing, the timestamp
 * left to the server. W1 is one connection (latency), W2 is 32 (throughput under concurrency).
 */

export interface SingleOptions {
  base: string;
  target: Target;
  experimentId: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  label: string;
  serverPid?: number;
}

export interface SingleResult {
  connections: number;
  requests: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  cpu: CpuShares;
  /** Points the runs hold afterwards, warm-up included: every acknowledged point. */
  pointsStored: number;
}

/** One run's points, a request each. */
class StepLog {
  private step = 0;
  sent = 0;

  constructor(readonly runId: string) {}

  readonly next = (): PreparedRequest => {
    const step = this.step++;
    this.sent++;
    return jsonRequest('POST', `/api/runs/${this.runId}/metrics`, { key: 'train/loss', value: 2.302585 * Math.exp(-step / 20_000) + 0.05, step });
  };
}

export async function singleMetricLogging(options: SingleOptions): Promise<SingleResult> {
  const logs: StepLog[] = [];
  for (let i = 0; i < options.connections; i++) logs.push(new StepLog(await createRun(options.base, options.experimentId, `${options.label}-${i}`)));
  const queues = logs.map((log) => new PreparedQueue(log.next));
  const timed = await warmedUpLoad({
    target: options.target,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    queues,
    initial: 64,
    ...(options.serverPid !== undefined && { serverPid: options.serverPid }),
  });
  // Every acknowledged point is stored: what was prepared and not sent does not count.
  const acknowledged = logs.reduce((sum, log) => sum + log.sent, 0) - queues.reduce((sum, q) => sum + q.waiting, 0);
  let stored = 0;
  for (const log of logs) stored += await storedPoints(options.base, log.runId);
  if (stored !== acknowledged) throw new Error(`${options.label}: the server stores ${stored} points, but ${acknowledged} were acknowledged`);
  return { connections: options.connections, requests: timed.requests, requestsPerSecond: timed.requestsPerSecond, latency: timed.latency, cpu: timed.cpu, pointsStored: stored };
}
