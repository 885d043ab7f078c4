import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, release, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** The results table: one row per figure, with the ceiling it is read against and the targets it must meet. */

export interface Check {
  label: string;
  met: boolean;
}

export interface Row {
  workload: string;
  figure: string;
  value: number;
  unit: string;
  ceiling?: { name: string; figure: string; value: number; unit: string };
  /** value / ceiling.value */
  ratio?: number;
  targets?: Check[];
}

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  os: string;
  memoryGiB: number;
}

export function machine(): Machine {
  let cpu = 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: leave it unknown.
  }
  return { nproc: availableParallelism(), cpu, node: process.version, os: `${process.platform} ${release()}`, memoryGiB: Math.round(totalmem() / 1024 ** 3) };
}

export function number(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : `${(value * 100).toFixed(1)}%`;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['workload', 'figure', 'ceiling', 'ratio', 'target', 'met?'];
  const cells = rows.map((r) => [
    r.workload,
    r.figure,
    r.ceiling ? `${r.ceiling.name}: ${r.ceiling.figure}` : '',
    percent(r.ratio),
    (r.targets ?? []).map((t) => t.label).join('; '),
    r.targets === undefined || r.targets.length === 0 ? '' : r.targets.every((t) => t.met) ? 'yes' : `NO (${r.targets.filter((t) => !t.met).map((t) => t.label).join('; ')})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string => `| ${c.map((v, i) => v.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The commit measured, and whether the working tree had changes on top of it. */
export function revision(cwd: string): { commit: string; dirty: boolean } | undefined {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src').length > 0 };
  } catch {
    return undefined;
  }
}
