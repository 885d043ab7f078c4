import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Who used the machine's cores during a measurement (Linux /proc; undefined elsewhere). On a
 * shared machine this says whether a figure was taken on a quiet machine or next to someone
 * else's work, and whether the server was held back by its own CPU or by waiting for a core.
 */

/** Cores used on average over the window: 1.0 is one core busy all along. */
export interface CpuShares {
  /** This (the benchmark client's) process. */
  client: number;
  /** The server process, all its threads. */
  server?: number;
  /**
   * The server's main (JavaScript) thread, as shares of the window: running, and runnable but
   * waiting for a core. The rest of the time it was blocked: on the network (idle) or in a
   * synchronous system call such as fsync.
   */
  serverMainThread?: { running: number; waitingForCore: number };
  /** Every other process on the machine (all busy time minus client and server). */
  others?: number;
}

/** USER_HZ, 100 on every mainstream Linux (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** User plus system CPU time of a process (all threads), in ms. */
function processCpuMs(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // After the command name (which may hold spaces, hence the last ')'), utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Time a process's main thread spent running and waiting to run, in ms. */
function mainThreadSchedMs(pid: number): { running: number; waiting: number } | undefined {
  const [running, waiting] = (read(`/proc/${pid}/task/${pid}/schedstat`) ?? '').trim().split(' ').map(Number);
  return running === undefined || waiting === undefined || Number.isNaN(waiting) ? undefined : { running: running / 1e6, waiting: waiting / 1e6 };
}

/** Busy (not idle, not iowait) CPU time of the whole machine, all cores, in ms. */
function machineBusyMs(): number | undefined {
  const line = read('/proc/stat')?.split('\n')[0];
  if (line === undefined || !line.startsWith('cpu ')) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / TICKS_PER_SECOND;
}

interface Snapshot {
  at: number;
  client: NodeJS.CpuUsage;
  server?: number;
  sched?: { running: number; waiting: number };
  machine?: number;
}

/** Snapshots on construction; `stop()` gives the shares of the time since. */
export class CpuWatch {
  private readonly start: Snapshot;

  constructor(private readonly serverPid?: number) {
    this.start = this.snapshot();
  }

  private snapshot(): Snapshot {
    const pid = this.serverPid;
    return {
      at: performance.now(),
      client: process.cpuUsage(),
      ...(pid !== undefined && { server: processCpuMs(pid), sched: mainThreadSchedMs(pid) }),
      machine: machineBusyMs(),
    };
  }

  stop(): CpuShares {
    const end = this.snapshot();
    const elapsed = end.at - this.start.at;
    const client = (end.client.user - this.start.client.user + end.client.system - this.start.client.system) / 1000;
    const server = end.server !== undefined && this.start.server !== undefined ? end.server - this.start.server : undefined;
    const machine = end.machine !== undefined && this.start.machine !== undefined ? end.machine - this.start.machine : undefined;
    const shares: CpuShares = { client: client / elapsed };
    if (server !== undefined) shares.server = server / elapsed;
    if (end.sched && this.start.sched) {
      shares.serverMainThread = { running: (end.sched.running - this.start.sched.running) / elapsed, waitingForCore: (end.sched.waiting - this.start.sched.waiting) / elapsed };
    }
    if (machine !== undefined) shares.others = Math.max(0, (machine - client - (server ?? 0)) / elapsed);
    return shares;
  }
}

export function describeCpu(shares: CpuShares): string {
  const cores = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(2));
  const pct = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v * 100).toFixed(0)}%`);
  const main = shares.serverMainThread;
  return [
    ...(shares.server !== undefined ? [`server ${cores(shares.server)} cores`] : []),
    ...(main ? [`server main thread running ${pct(main.running)}, waiting for a core ${pct(main.waitingForCore)}`] : []),
    `client ${cores(shares.client)} cores`,
    `other processes ${cores(shares.others)} cores`,
  ].join(', ');
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Waits until other processes use less than `maxOthers` cores over a one-second sample (the
 * benchmark's own idle server, `serverPid`, is not counted), or until `timeoutMs` has passed.
 * Returns how long it waited and the load of the last sample (undefined without /proc).
 */
export async function waitForQuiet(options: { maxOthers: number; timeoutMs: number; serverPid?: number }): Promise<{ waitedMs: number; others?: number; quiet: boolean }> {
  const start = performance.now();
  for (;;) {
    const watch = new CpuWatch(options.serverPid);
    await sleep(1000);
    const others = watch.stop().others;
    if (others === undefined || others < options.maxOthers) return { waitedMs: performance.now() - start, others, quiet: true };
    if (performance.now() - start > options.timeoutMs) return { waitedMs: performance.now() - start, others, quiet: false };
  }
}
