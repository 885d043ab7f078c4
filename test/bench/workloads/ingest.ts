import { createRun, storedPoints } from '../api.js';
import type { CpuShares } from '../cpu.js';
import { jsonRequest, PreparedQueue, warmedUpLoad, type LatencySummary, type PreparedRequest, type Target } from '../load.js';

/**
 * W3, batch ingest: what a training loop does when it buffers its metrics and flushes them in
 * batches. Each connection is one training process writing its own run: `POST /api/runs/:id/metrics`
 * with `{metrics: [...]}` of 1,000 points, a few keys per step, explicit increasing steps and
 * full-precision float values (as Python's json writes them), the timestamp left to the server.
 */

/** What a training loop logs at every step. */
export const TRAINING_KEYS = ['train/loss', 'train/accuracy', 'train/learning_rate', 'train/grad_norm'] as const;

export interface IngestOptions {
  /** Where runs are created and checked (any of the servers: they share one store). */
  base: string;
  /** The server, or several: connection i then talks to `target[i % target.length]`. */
  target: Target | readonly Target[];
  experimentId: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  pointsPerRequest: number;
  /** Upper bound of request bodies prepared ahead of the timed part (beyond it they are built on demand). */
  preparedBytesBudget: number;
  label: string;
  serverPid?: number | readonly number[];
}

export interface IngestResult {
  connections: number;
  /** Servers the connections were spread over (one store behind them). */
  servers: number;
  pointsPerRequest: number;
  requests: number;
  points: number;
  elapsedMs: number;
  pointsPerSecond: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  meanBodyBytes: number;
  cpu: CpuShares;
  /** The timed part, for picking its samples out of a CPU profile. */
  windowUs: [number, number];
  /** Bodies that had to be built during the timed part (0 when the estimate from the warm-up held). */
  builtOnDemand: number;
  runIds: string[];
  /** Points the runs hold afterwards, warm-up included: every acknowledged point (all steps are distinct). */
  pointsStored: number;
}

/** A deterministic pseudo-random source (mulberry32), so every run sends the same values. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The metrics of one simulated training run, batch after batch, steps continuing across batches. */
export class TrainingLog {
  private step = 0;
  private readonly rand: () => number;
  sentPoints = 0;

  constructor(
    private readonly runId: string,
    private readonly pointsPerRequest: number,
    seed: number,
  ) {
    if (pointsPerRequest % TRAINING_KEYS.length !== 0) throw new Error(`pointsPerRequest must be a multiple of ${TRAINING_KEYS.length}`);
    this.rand = random(seed);
  }

  /** The next batch, as a prepared request. */
  readonly next = (): PreparedRequest => {
    const metrics: { key: string; step: number; value: number }[] = [];
    const noise = (): number => this.rand() - 0.5;
    const total = 200_000;
    for (let i = 0; i < this.pointsPerRequest / TRAINING_KEYS.length; i += 1, this.step += 1) {
      const s = this.step;
      const loss = 2.302585 * Math.exp(-s / 20_000) + 0.05 + 0.08 * noise();
      const accuracy = Math.min(0.999, Math.max(0, 1 - 0.9 * Math.exp(-s / 15_000) + 0.03 * noise()));
      const warm = Math.min(1, s / 2_000);
      const lr = 3e-4 * warm * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, total)) / total));
      const gradNorm = Math.exp(0.4 * noise()) * (0.5 + 4 * Math.exp(-s / 5_000));
      metrics.push(
        { key: TRAINING_KEYS[0], step: s, value: loss },
        { key: TRAINING_KEYS[1], step: s, value: accuracy },
        { key: TRAINING_KEYS[2], step: s, value: lr },
        { key: TRAINING_KEYS[3], step: s, value: gradNorm },
      );
    }
    this.sentPoints += metrics.length;
    return jsonRequest('POST', `/api/runs/${this.runId}/metrics`, { metrics });
  };
}

export async function batchIngest(options: IngestOptions): Promise<IngestResult> {
  const runIds: string[] = [];
  for (let i = 0; i < options.connections; i += 1) {
    runIds.push(await createRun(options.base, options.experimentId, `${options.label}-${i}`, [{ key: 'lr', value: 3e-4 }, { key: 'optimizer', value: 'adamw' }]));
  }
  const logs = runIds.map((id, i) => new TrainingLog(id, options.pointsPerRequest, 0x5eed + i));
  const queues = logs.map((log) => new PreparedQueue(log.next));

  const timed = await warmedUpLoad({
    target: options.target,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    queues,
    initial: 8,
    preparedBytesBudget: options.preparedBytesBudget,
    ...(options.serverPid !== undefined && { serverPid: options.serverPid }),
  });
  const pointsSent = logs.reduce((sum, log) => sum + log.sentPoints, 0);
  // Discard what was prepared and not sent: it does not count as sent.
  const unsent = queues.reduce((sum, q) => sum + q.waiting, 0) * options.pointsPerRequest;

  // Check that the server stored what it acknowledged.
  let stored = 0;
  for (const id of runIds) stored += await storedPoints(options.base, id);
  if (stored !== pointsSent - unsent) {
    throw new Error(`${options.label}: the server stores ${stored} points, but ${pointsSent - unsent} were acknowledged`);
  }

  const points = timed.requests * options.pointsPerRequest;
  return {
    connections: options.connections,
    servers: 'host' in options.target ? 1 : options.target.length,
    pointsPerRequest: options.pointsPerRequest,
    requests: timed.requests,
    points,
    elapsedMs: timed.elapsedMs,
    pointsPerSecond: (points * 1000) / timed.elapsedMs,
    requestsPerSecond: timed.requestsPerSecond,
    latency: timed.latency,
    meanBodyBytes: timed.bytesSent / Math.max(1, timed.requests),
    cpu: timed.cpu,
    windowUs: timed.windowUs,
    builtOnDemand: queues.reduce((sum, q) => sum + q.builtOnDemand, 0),
    runIds,
    pointsStored: stored,
  };
}
