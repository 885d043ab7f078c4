import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CpuWatch, type CpuShares } from './cpu.js';

/**
 * A small closed-loop HTTP load generator: N keep-alive connections (one node:http Agent with a
 * single socket each), each sending its next request as soon as the previous response ended, for a
 * fixed duration. Requests are prepared before the timed part, so the client (which shares the
 * machine's cores with the server) spends as little CPU as possible per request. Any response
 * outside 2xx, or any socket error, stops the run and fails it.
 */

export interface PreparedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers: OutgoingHttpHeaders;
  body?: Buffer;
}

/** The next request of one connection. */
export type RequestSource = () => PreparedRequest;

export interface Target {
  host: string;
  port: number;
}

export interface LoadOptions {
  /** The server; or several, connection `index` talking to `target[index % target.length]`. */
  target: Target | readonly Target[];
  connections: number;
  durationMs: number;
  /** The request stream of connection `index` (0-based). */
  source: (index: number) => RequestSource;
  /** The server's process id (or the servers'), to report how much CPU it used (Linux only). */
  serverPid?: number | readonly number[];
}

export interface LatencySummary {
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  connections: number;
  durationMs: number;
  /** Completed requests (all 2xx). */
  requests: number;
  /** From the first request to the last response (requests in flight at the deadline finish and count). */
  elapsedMs: number;
  requestsPerSecond: number;
  bytesSent: number;
  latency: LatencySummary;
  /** The timed part on the monotonic clock (CLOCK_MONOTONIC on Linux, the clock of V8's CPU profiles), in microseconds. */
  windowUs: [number, number];
  cpu: CpuShares;
}

export class LoadError extends Error {}

/** A JSON body as a prepared request. */
export function jsonRequest(method: PreparedRequest['method'], path: string, body: unknown): PreparedRequest {
  const bytes = Buffer.from(JSON.stringify(body));
  return { method, path, body: bytes, headers: { 'content-type': 'application/json', 'content-length': bytes.length } };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let bytesSent = 0;
  let failure: Error | undefined;
  const agents = Array.from({ length: options.connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const sources = agents.map((_, i) => options.source(i));
  const targets: readonly Target[] = 'host' in options.target ? [options.target] : options.target;
  const cpu = new CpuWatch(options.serverPid);
  const startNs = process.hrtime.bigint();
  const start = performance.now();
  const deadline = start + options.durationMs;

  const loop = async (index: number): Promise<void> => {
    const agent = agents[index] as Agent;
    const next = sources[index] as RequestSource;
    const target = targets[index % targets.length] as Target;
    while (failure === undefined && performance.now() < deadline) {
      const prepared = next();
      const sentAt = performance.now();
      const response = await send(target, agent, prepared);
      latencies.push(performance.now() - sentAt);
      bytesSent += prepared.body?.length ?? 0;
      if (response.status < 200 || response.status > 299) {
        throw new LoadError(`${prepared.method} ${prepared.path} answered ${response.status}: ${response.body.slice(0, 2000)}`);
      }
    }
  };

  try {
    await Promise.all(
      agents.map((_, i) =>
        loop(i).catch((error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
        }),
      ),
    );
  } finally {
    for (const agent of agents) agent.destroy();
  }
  if (failure !== undefined) throw failure;
  const elapsedMs = performance.now() - start;
  const endNs = process.hrtime.bigint();
  const cpuShares = cpu.stop();
  return {
    connections: options.connections,
    durationMs: options.durationMs,
    requests: latencies.length,
    elapsedMs,
    requestsPerSecond: (latencies.length * 1000) / elapsedMs,
    bytesSent,
    latency: summarise(latencies),
    windowUs: [Number(startNs / 1000n), Number(endNs / 1000n)],
    cpu: cpuShares,
  };
}

function send(target: Target, agent: Agent, prepared: PreparedRequest): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(
      { host: target.host, port: target.port, method: prepared.method, path: prepared.path, headers: prepared.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(prepared.body);
  });
}

/** Percentiles by the nearest-rank method, in milliseconds. */
export function summarise(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(latencies).sort();
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[sorted.length - 1] as number, mean: sum / sorted.length };
}

/**
 * Serves a list built ahead of time; once it runs out, builds more on the spot with `make` (which
 * costs client CPU during the timed part) and counts how often it had to.
 */
export class PreparedQueue {
  private readonly items: (PreparedRequest | undefined)[] = [];
  private position = 0;
  /** Requests built during a timed run because the prepared ones ran out. */
  builtOnDemand = 0;

  constructor(private readonly make: () => PreparedRequest) {}

  /** Builds requests until `count` are waiting. */
  prepare(count: number): void {
    // Drop the ones already sent, so their bodies can be collected.
    this.items.splice(0, this.position);
    this.position = 0;
    while (this.items.length < count) this.items.push(this.make());
  }

  get waiting(): number {
    return this.items.length - this.position;
  }

  readonly next: RequestSource = () => {
    const item = this.items[this.position];
    if (item === undefined) {
      this.builtOnDemand += 1;
      return this.make();
    }
    // Sent bodies are let go during the run.
    this.items[this.position] = undefined;
    this.position += 1;
    return item;
  };
}

/**
 * A warm-up, then the timed load, with the requests prepared in between: a few per connection
 * for the warm-up, then four times what the warm-up's rate would send in the timed part (the
 * warm-up is slower than the steady state: cold JIT, bodies built on demand), within
 * `preparedBytesBudget`, so the client spends little CPU while it is timed.
 */
export async function warmedUpLoad(options: {
  target: LoadOptions['target'];
  durationMs: number;
  warmupMs: number;
  queues: readonly PreparedQueue[];
  /** Requests prepared per connection for the warm-up, and spare ones added to the estimate. */
  initial: number;
  preparedBytesBudget?: number;
  serverPid?: LoadOptions['serverPid'];
}): Promise<LoadResult> {
  const { queues } = options;
  const connections = queues.length;
  for (const queue of queues) queue.prepare(options.initial);
  const warmup = await runLoad({ target: options.target, connections, durationMs: options.warmupMs, source: (i) => (queues[i] as PreparedQueue).next });
  const bodyBytes = warmup.bytesSent / Math.max(1, warmup.requests);
  const perConnection = Math.ceil(((warmup.requestsPerSecond * options.durationMs) / 1000 / connections) * 4) + options.initial;
  const affordable = options.preparedBytesBudget === undefined ? Infinity : Math.floor(options.preparedBytesBudget / bodyBytes / connections);
  for (const queue of queues) {
    queue.prepare(Math.min(perConnection, affordable));
    queue.builtOnDemand = 0;
  }
  return runLoad({
    target: options.target,
    connections,
    durationMs: options.durationMs,
    source: (i) => (queues[i] as PreparedQueue).next,
    ...(options.serverPid !== undefined && { serverPid: options.serverPid }),
  });
}
