import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './server.js';

/** Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by where the code lives. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Milliseconds. */
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** The windows (monotonic clock, microseconds) whose samples were counted; all samples when empty. */
  windowsUs: [number, number][];
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: SelfTime[];
  areas: SelfTime[];
}

function location(url: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith('/') ? relative(ROOT, path) : path;
}

/** Where code lives: a package under node_modules, node's internals, Fathom's dist/, or V8's pseudo-frames. */
function area(frame: ProfileNode['callFrame']): string {
  const where = location(frame.url);
  if (where === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  if (pkg) return pkg[1] as string;
  if (where.startsWith('node:')) return 'node: internals';
  if (where.startsWith('dist/')) return `fathom ${where.split('/').slice(1, -1).join('/') || '.'}`;
  return where;
}

/**
 * Self time per function and per area. With `windowsUs`, only samples taken inside those windows
 * count (V8 stamps samples with the monotonic clock that `process.hrtime` reads, on Linux).
 */
export async function summariseCpuProfile(file: string, windowsUs: [number, number][] = [], top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  const inWindow = (t: number): boolean => windowsUs.length === 0 || windowsUs.some(([from, to]) => t >= from && t <= to);
  // timeDeltas[i] is the time from sample i-1 to sample i; it is charged to sample i.
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (inWindow(t)) selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
  });
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, micros] of selfByNode) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    total += micros;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const where = location(frame.url);
    const name = `${frame.functionName || '(anonymous)'}${where === '' ? '' : ` ${where}:${frame.lineNumber + 1}`}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const a = area(frame);
    areas.set(a, (areas.get(a) ?? 0) + micros);
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>, n: number): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => ({ name, selfMs: micros / 1000, share: micros / busy }));
  return { file, windowsUs, totalMs: total / 1000, idleMs: idle / 1000, busyMs: busy / 1000, functions: rank(functions, top), areas: rank(areas, 15) };
}

export function formatProfile(summary: ProfileSummary): string {
  const line = (s: SelfTime): string => `  ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.selfMs.toFixed(0).padStart(7)} ms  ${s.name}`;
  return [
    `CPU profile of the server: ${summary.file}`,
    summary.windowsUs.length === 0 ? 'all samples' : `samples of the ${summary.windowsUs.length} timed part(s) only`,
    `busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled (idle ${summary.idleMs.toFixed(0)} ms); shares are of busy time`,
    'self time by area:',
    ...summary.areas.map(line),
    'top functions by self time:',
    ...summary.functions.map(line),
  ].join('\n');
}
