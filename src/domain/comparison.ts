import { Issues } from './errors.js';
import type { ExperimentId } from './experiment.js';
import type { ParameterValue } from './parameter.js';
import type { RunId, RunStatus } from './run.js';

export type Goal = 'min' | 'max';

/** What a compared run contributes: its identity, its parameters and its latest metric values. */
export interface RunComparison {
  runId: RunId;
  runName?: string;
  experimentId: ExperimentId;
  experimentName: string;
  status: RunStatus;
  parameters: Record<string, ParameterValue>;
  metrics: Record<string, number>;
}

export interface ParameterDiff {
  key: string;
  values: Record<RunId, ParameterValue | null>;
  isDifferent: boolean;
}

export interface RankedValue {
  runId: RunId;
  experimentId: ExperimentId;
  value: number;
}

export interface MetricComparison {
  metricKey: string;
  goal: Goal;
  values: Record<RunId, number>;
  /** Null only when every value is NaN: NaN is never best. */
  best: RankedValue | null;
  worst: RankedValue | null;
}

export interface Comparison {
  experimentIds: ExperimentId[];
  runs: RunComparison[];
  parameterDiff: ParameterDiff[];
  metricComparison: MetricComparison[];
}

/** Metric names users minimise; everything else (accuracy, f1, reward, ...) is maximised. */
const MINIMISED = ['loss', 'error', 'err', 'mse', 'mae', 'rmse', 'perplexity', 'ppl', 'wer', 'cer', 'latency', 'time'];

export function inferGoal(metricKey: string): Goal {
  const key = metricKey.toLowerCase();
  return MINIMISED.some((word) => key.includes(word)) ? 'min' : 'max';
}

/** Parses `loss:min,acc:max`. */
export function parseGoals(text: string, path = '/goals'): Record<string, Goal> {
  const goals: Record<string, Goal> = {};
  const issues = new Issues();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.lastIndexOf(':');
    const key = part.slice(0, at);
    const goal = part.slice(at + 1);
    if (at <= 0 || (goal !== 'min' && goal !== 'max')) {
      issues.add(path, `'${part}' must look like key:min or key:max`);
    } else {
      goals[key] = goal;
    }
  }
  issues.throwIfAny();
  return goals;
}

function sameValue(a: ParameterValue | null, b: ParameterValue | null): boolean {
  return a === b;
}

export function diffParameters(runs: readonly RunComparison[]): ParameterDiff[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.parameters)) keys.add(key);
  const diffs = [...keys].map((key) => {
    const values: Record<RunId, ParameterValue | null> = {};
    for (const run of runs) values[run.runId] = Object.hasOwn(run.parameters, key) ? (run.parameters[key] ?? null) : null;
    const all = runs.map((run) => values[run.runId] ?? null);
    const isDifferent = all.some((v) => !sameValue(v, all[0] ?? null));
    return { key, values, isDifferent };
  });
  return diffs.sort((a, b) => Number(b.isDifferent) - Number(a.isDifferent) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Ranks one metric across runs. NaN ranks below every number, so it is never best and is the
 * worst whenever present; ties go to the earlier run in the comparison's order.
 */
export function compareMetric(metricKey: string, goal: Goal, runs: readonly RunComparison[]): MetricComparison {
  const values: Record<RunId, number> = {};
  let best: RankedValue | null = null;
  let worst: RankedValue | null = null;
  const better = (a: number, b: number): boolean => (goal === 'min' ? a < b : a > b);
  for (const run of runs) {
    const value = run.metrics[metricKey];
    if (value === undefined) continue;
    values[run.runId] = value;
    const ranked = { runId: run.runId, experimentId: run.experimentId, value };
    if (!Number.isNaN(value) && (best === null || better(value, best.value))) best = ranked;
    if (worst === null || (!Number.isNaN(worst.value) && (Number.isNaN(value) || better(worst.value, value)))) {
      worst = ranked;
    }
  }
  return { metricKey, goal, values, best, worst };
}

export function compareRuns(
  experimentIds: ExperimentId[],
  runs: RunComparison[],
  goals: Record<string, Goal> = {},
): Comparison {
  const metricKeys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.metrics)) metricKeys.add(key);
  const metricComparison = [...metricKeys]
    .sort()
    .map((key) => compareMetric(key, goals[key] ?? inferGoal(key), runs));
  return { experimentIds, runs, parameterDiff: diffParameters(runs), metricComparison };
}
