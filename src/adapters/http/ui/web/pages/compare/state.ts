import type { Route } from '../../router.js';

export type Goal = 'min' | 'max';

/** Everything the compare page keeps in its URL, read once per render. */
export interface CompareState {
  runIds: string[];
  /** Chosen overlay metrics; undefined = the page's default (the first keys). */
  metrics: string[] | undefined;
  onlyDiff: boolean;
  pc: string | undefined;
  smoothing: number;
  log: boolean;
  xMode: 'step' | 'time';
  /** Goals the person set by hand (`goals=loss:max`); the API infers the rest from the names. */
  goals: Record<string, Goal>;
}

export function list(value: string | null): string[] {
  if (value === null) return [];
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
}

export function readState(route: Route): CompareState {
  const q = route.query;
  const smoothing = Number(q.get('smooth') ?? 0);
  const metrics = q.get('metrics');
  return {
    runIds: list(q.get('runs')),
    metrics: metrics === null ? undefined : list(metrics),
    onlyDiff: q.get('only') === 'diff',
    pc: q.get('pc') ?? undefined,
    smoothing: Number.isFinite(smoothing) ? Math.min(Math.max(smoothing, 0), 0.99) : 0,
    log: q.get('log') === '1',
    xMode: q.get('x') === 'time' ? 'time' : 'step',
    goals: parseGoals(q.get('goals')),
  };
}

function parseGoals(value: string | null): Record<string, Goal> {
  const goals: Record<string, Goal> = {};
  for (const term of list(value)) {
    // Metric keys may hold ':', so the goal is whatever follows the last one.
    const at = term.lastIndexOf(':');
    const goal = term.slice(at + 1);
    if (at > 0 && (goal === 'min' || goal === 'max')) goals[term.slice(0, at)] = goal;
  }
  return goals;
}

export function formatGoals(goals: Record<string, Goal>): string | undefined {
  const terms = Object.entries(goals).map(([key, goal]) => `${key}:${goal}`);
  return terms.length > 0 ? terms.join(',') : undefined;
}
