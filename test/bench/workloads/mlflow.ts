import { api, storedPoints } from '../api.js';
import type { CpuShares } from '../cpu.js';
import { jsonRequest, PreparedQueue, warmedUpLoad, type LatencySummary, type PreparedRequest, type Target } from '../load.js';

/**
 * W8, MLflow-style batch logging: what MLflow's Python client sends for `log_batch` (and what its
 * autologging integrations send every few steps): `POST /api/2.0/mlflow/runs/log-batch` with
 * 1,000 metrics, `{key, value, timestamp, step}` each, here 10 keys × 100 steps. One connection,
 * one run created through the MLflow API: the latency a training script waits for.
 */

export interface MlflowBatchOptions {
  base: string;
  target: Target;
  experimentId: string;
  warmupMs: number;
  durationMs: number;
  serverPid?: number;
}

export interface MlflowBatchResult {
  metricsPerRequest: number;
  requests: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  cpu: CpuShares;
  /** Points the run holds afterwards, warm-up included: every acknowledged point. */
  pointsStored: number;
}

const KEYS = 10;
const STEPS_PER_REQUEST = 100;
export const MLFLOW_BATCH_METRICS = KEYS * STEPS_PER_REQUEST;

class BatchLog {
  private step = 0;
  sent = 0;

  constructor(readonly runId: string) {}

  readonly next = (): PreparedRequest => {
    const timestamp = Date.now();
    const metrics = [];
    for (let s = 0; s < STEPS_PER_REQUEST; s++) {
      const step = this.step + s;
      for (let k = 0; k < KEYS; k++) metrics.push({ key: `layer_${k}/grad_norm`, value: Math.exp(-step / 5_000) * (k + 1), timestamp, step });
    }
    this.step += STEPS_PER_REQUEST;
    this.sent++;
    return jsonRequest('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: this.runId, metrics, params: [], tags: [] });
  };
}

export async function mlflowBatchLogging(options: MlflowBatchOptions): Promise<MlflowBatchResult> {
  const { run } = await api<{ run: { info: { run_id: string } } }>(options.base, 'POST', '/api/2.0/mlflow/runs/create', {
    experiment_id: options.experimentId,
    run_name: 'w8-log-batch',
    start_time: Date.now(),
    tags: [{ key: 'mlflow.user', value: 'bench' }],
  });
  const log = new BatchLog(run.info.run_id);
  const queue = new PreparedQueue(log.next);
  const timed = await warmedUpLoad({
    target: options.target,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    queues: [queue],
    initial: 16,
    preparedBytesBudget: 512 * 1024 ** 2,
    ...(options.serverPid !== undefined && { serverPid: options.serverPid }),
  });
  const acknowledged = (log.sent - queue.waiting) * MLFLOW_BATCH_METRICS;
  const stored = await storedPoints(options.base, log.runId);
  if (stored !== acknowledged) throw new Error(`W8: the server stores ${stored} points, but ${acknowledged} were acknowledged`);
  return { metricsPerRequest: MLFLOW_BATCH_METRICS, requests: timed.requests, requestsPerSecond: timed.requestsPerSecond, latency: timed.latency, cpu: timed.cpu, pointsStored: stored };
}
