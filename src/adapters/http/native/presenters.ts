import type { Artifact } from '../../../domain/artifact.js';
import type { Comparison } from '../../../domain/comparison.js';
import type { Experiment, ExperimentSummary } from '../../../domain/experiment.js';
import type { MetricPoint, MetricSummary } from '../../../domain/metric.js';
import { toIso } from '../../../domain/time.js';
import type { ExperimentView } from '../../../application/experiment-views.js';
import type { RunView } from '../../../application/run-views.js';

/** Domain objects to JSON: ISO timestamps, and the non-finite numbers JSON cannot carry as strings. */

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function jsonNumber(value: number): JsonNumber {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function presentArtifact(a: Artifact) {
  return { ...a, uploadedAt: toIso(a.uploadedAt) };
}

export function presentMetric(m: MetricPoint) {
  return { key: m.key, value: jsonNumber(m.value), step: m.step, timestamp: toIso(m.timestamp) };
}

export function presentRun(run: RunView) {
  const { startedAt, completedAt, metrics, artifacts, ...rest } = run;
  return {
    ...rest,
    metrics: metrics.map(presentMetric),
    artifacts: artifacts.map(presentArtifact),
    startedAt: toIso(startedAt),
    ...(completedAt !== undefined ? { completedAt: toIso(completedAt) } : {}),
  };
}

function presentExperimentFields(e: Experiment) {
  return { ...e, createdAt: toIso(e.createdAt), updatedAt: toIso(e.updatedAt) };
}

export function presentExperiment(e: ExperimentView | Experiment) {
  const runs = 'runs' in e ? e.runs.map(presentRun) : [];
  return { ...presentExperimentFields(e), runs };
}

export function presentExperimentSummary(e: ExperimentSummary) {
  return presentExperimentFields(e);
}

export function presentMetricSummary(s: MetricSummary) {
  return {
    key: s.key,
    last: { value: jsonNumber(s.last.value), step: s.last.step, timestamp: toIso(s.last.timestamp) },
    min: jsonNumber(s.min),
    max: jsonNumber(s.max),
    mean: jsonNumber(s.mean),
    count: s.count,
    firstStep: s.firstStep,
    lastStep: s.lastStep,
  };
}

function mapValues<V, W>(record: Record<string, V>, f: (v: V) => W): Record<string, W> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

export function presentComparison(c: Comparison) {
  return {
    ...c,
    runs: c.runs.map((r) => ({ ...r, metrics: mapValues(r.metrics, jsonNumber) })),
    metricComparison: c.metricComparison.map((m) => ({
      ...m,
      values: mapValues(m.values, jsonNumber),
      best: m.best && { ...m.best, value: jsonNumber(m.best.value) },
      worst: m.worst && { ...m.worst, value: jsonNumber(m.worst.value) },
    })),
  };
}
