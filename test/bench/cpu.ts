import { readdirSync, readFileSync } from 'node:fs';
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
  /** The server processes, all their threads (the sum when there are several servers). */
  server?: number;
  /**
   * The server's main (JavaScript) thread, as shares of the window: running, and runnable but
   * waiting for a core. The rest of the time it was blocked: on the network (idle) or in a
   * synchronous system call such as fsync. With several servers, see `servers`.
   */
  serverMainThread?: MainThreadShares;
  /** Each server, in the order given, when there are several. */
  servers?: { cores: number; mainThread?: MainThreadShares }[];
  /** The PostgreSQL cluster the servers use (see `watchDatabase`): its postmaster and every process it started. */
  database?: number;
  /** Every other process on the machine (all busy time minus client, servers and database). */
  others?: number;
}

export interface MainThreadShares {
  running: number;
  waitingForCore: number;
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

/** The parent's pid and the CPU time (user plus system, in ms) of a process, and of its children it waited for. */
function processTimes(pid: number): { parent: number; ownMs: number; reapedChildrenMs: number } | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (a: number, b: number): number => ((Number(fields[a]) + Number(fields[b])) * 1000) / TICKS_PER_SECOND;
  // ppid is the 4th field; utime, stime, cutime and cstime the 14th to 17th.
  return { parent: Number(fields[1]), ownMs: ms(11, 12), reapedChildrenMs: ms(13, 14) };
}

/**
 * CPU time of a PostgreSQL cluster, in ms: the postmaster's own, that of the backends and
 * background workers running now (its children), and that of those that ended since it started
 * (the postmaster waits for each, so the kernel adds their time to its children's time). A
 * backend ending between two snapshots therefore still counts, under the postmaster.
 */
function clusterCpuMs(postmaster: number): number | undefined {
  const own = processTimes(postmaster);
  if (own === undefined) return undefined;
  let total = own.ownMs + own.reapedChildrenMs;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const child = processTimes(Number(entry));
    if (child?.parent === postmaster) total += child.ownMs;
  }
  return total;
}

let databasePostmaster: number | undefined;

/**
 * Counts the PostgreSQL cluster whose postmaster is `postmasterPid` as the database in every
 * measurement from now on (undefined: no database). The cluster serves every server of a run,
 * so it is watched for the whole run rather than passed to each measurement.
 */
export function watchDatabase(postmasterPid: number | undefined): void {
  databasePostmaster = postmasterPid;
}

interface Snapshot {
  at: number;
  client: NodeJS.CpuUsage;
  servers: { cpu?: number; sched?: { running: number; waiting: number } }[];
  database?: number;
  machine?: number;
}

/** Snapshots on construction; `stop()` gives the shares of the time since. */
export class CpuWatch {
  private readonly serverPids: readonly number[];
  private readonly postmaster = databasePostmaster;
  private readonly start: Snapshot;

  /** `serverPid`: the server process, or the processes of several servers. */
  constructor(serverPid?: number | readonly number[]) {
    this.serverPids = serverPid === undefined ? [] : typeof serverPid === 'number' ? [serverPid] : serverPid;
    this.start = this.snapshot();
  }

  private snapshot(): Snapshot {
    return {
      at: performance.now(),
      client: process.cpuUsage(),
      servers: this.serverPids.map((pid) => ({ cpu: processCpuMs(pid), sched: mainThreadSchedMs(pid) })),
      ...(this.postmaster !== undefined && { database: clusterCpuMs(this.postmaster) }),
      machine: machineBusyMs(),
    };
  }

  stop(): CpuShares {
    const end = this.snapshot();
    const elapsed = end.at - this.start.at;
    const client = (end.client.user - this.start.client.user + end.client.system - this.start.client.system) / 1000;
    const servers = end.servers.map((after, i) => {
      const before = this.start.servers[i];
      const cpu = after.cpu !== undefined && before?.cpu !== undefined ? (after.cpu - before.cpu) / elapsed : undefined;
      const mainThread =
        after.sched && before?.sched ? { running: (after.sched.running - before.sched.running) / elapsed, waitingForCore: (after.sched.waiting - before.sched.waiting) / elapsed } : undefined;
      return { cpu, mainThread };
    });
    const database = end.database !== undefined && this.start.database !== undefined ? (end.database - this.start.database) / elapsed : undefined;
    const machine = end.machine !== undefined && this.start.machine !== undefined ? (end.machine - this.start.machine) / elapsed : undefined;
    const shares: CpuShares = { client: client / elapsed };
    const measured = servers.filter((s) => s.cpu !== undefined);
    if (measured.length > 0) shares.server = measured.reduce((sum, s) => sum + (s.cpu as number), 0);
    if (servers.length === 1 && servers[0]?.mainThread) shares.serverMainThread = servers[0].mainThread;
    if (servers.length > 1) shares.servers = servers.map((s) => ({ cores: s.cpu ?? NaN, ...(s.mainThread && { mainThread: s.mainThread }) }));
    if (database !== undefined) shares.database = database;
    if (machine !== undefined) shares.others = Math.max(0, machine - shares.client - (shares.server ?? 0) - (database ?? 0));
    return shares;
  }
}

export function describeCpu(shares: CpuShares): string {
  const cores = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(2));
  const pct = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v * 100).toFixed(0)}%`);
  const main = shares.serverMainThread;
  const each = shares.servers;
  return [
    ...(each
      ? [
          `servers ${each.map((s) => cores(s.cores)).join(' + ')} cores`,
          `their main threads running ${each.map((s) => pct(s.mainThread?.running)).join(' and ')}, waiting for a core ${each.map((s) => pct(s.mainThread?.waitingForCore)).join(' and ')}`,
        ]
      : []),
    ...(!each && shares.server !== undefined ? [`server ${cores(shares.server)} cores`] : []),
    ...(main ? [`server main thread running ${pct(main.running)}, waiting for a core ${pct(main.waitingForCore)}`] : []),
    ...(shares.database !== undefined ? [`PostgreSQL ${cores(shares.database)} cores`] : []),
    `client ${cores(shares.client)} cores`,
    `other processes ${cores(shares.others)} cores`,
  ].join(', ');
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Waits until other processes use less than `maxOthers` cores over a one-second sample (the
 * benchmark's own idle servers, `serverPid`, and its database are not counted), or until
 * `timeoutMs` has passed.
 * Returns how long it waited and the load of the last sample (undefined without /proc).
 */
export async function waitForQuiet(options: { maxOthers: number; timeoutMs: number; serverPid?: number | readonly number[] }): Promise<{ waitedMs: number; others?: number; quiet: boolean }> {
  const start = performance.now();
  for (;;) {
    const watch = new CpuWatch(options.serverPid);
    await sleep(1000);
    const others = watch.stop().others;
    if (others === undefined || others < options.maxOthers) return { waitedMs: performance.now() - start, others, quiet: true };
    if (performance.now() - start > options.timeoutMs) return { waitedMs: performance.now() - start, others, quiet: false };
  }
}
