
export type Goal = 'min' | 'max';

/** Overlay charts draw at most this many runs (the first ones): the tables show every run. */
export const MAX_CHART_RUNS = 100;

/** What the compare page keeps in its URL besides the chart settings (lib/chart-settings.ts). */
export interface CompareState {
  runIds: string[];
  /** Chosen overlay metrics; undefined = the page's default (the first keys). */
  metrics: string[] | undefined;
  onlyDiff: boolean;
  pc: string | undefined;
  /** Goals the person set by hand (`goals=loss:max`); the API infers the rest from the names. */
  goals: Record<string, Goal>;
}

export function list(value: string | null): string[] {
  if (value === null) return [];
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
}

export function readState(q: URLSearchParams): CompareState {
  const metrics = q.get('metrics');
  return {
    runIds: list(q.get('runs')),
    metrics: metrics === null ? undefined : list(metrics),
    onlyDiff: q.get('only') === 'diff',
    pc: q.get('pc') ?? undefined,
    goals: parseGoals(q.get('goals')),
  };
}

/** A key that changes exactly when a value readState reads changes. */
export function stateKey(q: URLSearchParams): string {
  // An absent `metrics` (the default charts) differs from an empty one (no charts).
  return ['runs', 'metrics', 'only', 'pc', 'goals'].map((name) => q.get(name) ?? '\u0001').join('\u0000');
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


/** The body of `POST /api/runs/compare` for a state (the page and the prefetch send the same). */
export function compareBody(state: CompareState): { runIds: string[]; goals?: Record<string, 'min' | 'max'> } {
  return { runIds: state.runIds, ...(Object.keys(state.goals).length > 0 ? { goals: state.goals } : {}) };
}
