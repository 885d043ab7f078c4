import type { Artifact } from '../../../domain/artifact.js';
import type { Experiment } from '../../../domain/experiment.js';
import type { MetricAccumulator, MetricPoint } from '../../../domain/metric.js';
import type { Parameter } from '../../../domain/parameter.js';
import type { Run } from '../../../domain/run.js';
import type { DatasetInput } from '../../../domain/run-input.js';

/** One key's history: points by step, steps kept sorted so reads need no sort. */
export interface MetricSeries {
  byStep: Map<number, MetricPoint>;
  steps: number[];
  acc: MetricAccumulator;
}

/**
 * The state every memory repository shares, so cascades (a run's metrics going with it) work as
 * they would under foreign keys. Each repository method runs synchronously between awaits,
 * which makes every method atomic: the memory store's "transaction".
 */
export class MemoryDatabase {
  readonly experiments = new Map<string, Experiment>();
  readonly runs = new Map<string, Run>();
  readonly parameters = new Map<string, Map<string, Parameter>>();
  readonly metrics = new Map<string, Map<string, MetricSeries>>();
  readonly artifacts = new Map<string, Artifact>();
  /** Per experiment, per artifact name, the highest whole-number version ever recorded. */
  readonly artifactVersions = new Map<string, Map<string, string>>();
  readonly inputs = new Map<string, DatasetInput[]>();

  /** Removes a run and what belongs to it; detaches its children. Returns its artifacts' blob keys. */
  removeRun(runId: string): string[] {
    this.runs.delete(runId);
    this.parameters.delete(runId);
    this.metrics.delete(runId);
    this.inputs.delete(runId);
    const blobKeys: string[] = [];
    for (const [id, artifact] of this.artifacts) {
      if (artifact.runId === runId) {
        blobKeys.push(artifact.path);
        this.artifacts.delete(id);
      }
    }
    for (const run of this.runs.values()) {
      if (run.parentRunId === runId) delete run.parentRunId;
    }
    return blobKeys;
  }
}

/** Stored objects never leak: callers get copies, so they cannot change the store by accident. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
