import type { RunView } from '../../../application/run-views.js';
import type { Experiment } from '../../../domain/experiment.js';
import type { MetricPoint } from '../../../domain/metric.js';
import type { Parameter } from '../../../domain/parameter.js';
import type { Run, RunStatus } from '../../../domain/run.js';
import type { DatasetInput } from '../../../domain/run-input.js';
import { textView } from '../../../domain/search/values.js';
import { invalid } from './errors.js';
import { MLFLOW_STATUSES, PARENT_RUN_TAG, RUN_NAME_TAG, type MlflowStatus } from './mlflow-semantics.js';

const STATUS_IN = Object.fromEntries(Object.entries(MLFLOW_STATUSES).map(([fathom, mlflow]) => [mlflow, fathom])) as Record<MlflowStatus, RunStatus>;

export function statusFromMlflow(status: string, name = 'status'): RunStatus {
  const found = Object.hasOwn(STATUS_IN, status) ? STATUS_IN[status as MlflowStatus] : undefined;
  if (!found) throw invalid(`Invalid value "${status}" for parameter '${name}' supplied: must be one of ${Object.keys(STATUS_IN).join(', ')}`);
  return found;
}

export function statusToMlflow(status: RunStatus): MlflowStatus {
  return MLFLOW_STATUSES[status];
}

export function experimentArtifactLocation(experimentId: string): string {
  return `mlflow-artifacts:/${experimentId}`;
}

export function runArtifactUri(run: Pick<Run, 'id' | 'experimentId'>): string {
  return `mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts`;
}

/** MLflow writes NaN and the infinities as strings in JSON (protobuf's JSON mapping). */
export function metricValue(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function keyValues(record: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

export function presentExperiment(e: Experiment) {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: experimentArtifactLocation(e.id),
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.updatedAt,
    creation_time: e.createdAt,
    tags: keyValues(e.properties),
  };
}

export function presentRunInfo(run: Run) {
  const info: Record<string, unknown> = {
    run_id: run.id,
    run_uuid: run.id,
    experiment_id: run.experimentId,
    run_name: run.name ?? '',
    user_id: run.createdBy,
    status: statusToMlflow(run.status),
    start_time: run.startedAt,
    artifact_uri: runArtifactUri(run),
    lifecycle_stage: run.lifecycleStage,
  };
  if (run.completedAt !== undefined) info.end_time = run.completedAt;
  return info;
}

/** A parameter as MLflow holds it: text. Strings come back exactly as they were sent. */
export function parameterText(parameter: Parameter): string {
  return typeof parameter.value === 'string' ? parameter.value : textView(parameter.value);
}

export function presentMetric(point: MetricPoint) {
  return { key: point.key, value: metricValue(point.value), timestamp: point.timestamp, step: point.step };
}

/**
 * The run's tags as MLflow clients expect them: the stored ones, with the name and parent as system
 * tags. The name is the run's name only: a stored mlflow.runName tag (which a native client may
 * set) is not shown, or a client would read two, and the search by that tag finds the name. The
 * same holds for the parent: a run that has one shows it, and a stored mlflow.parentRunId tag
 * (a native client's, or one naming a run Fathom does not hold) only shows on a run without one.
 */
export function runTags(run: Run): { key: string; value: string }[] {
  const shadowed = (key: string) => key === RUN_NAME_TAG || (key === PARENT_RUN_TAG && run.parentRunId !== undefined);
  const tags = keyValues(run.tags).filter(({ key }) => !shadowed(key));
  if (run.name !== undefined) tags.push({ key: RUN_NAME_TAG, value: run.name });
  if (run.parentRunId !== undefined) tags.push({ key: PARENT_RUN_TAG, value: run.parentRunId });
  return tags;
}

function presentDatasetInput(input: DatasetInput) {
  const dataset: Record<string, string> = { name: input.name, digest: input.digest, source_type: input.sourceType, source: input.source };
  if (input.schema !== undefined) dataset.schema = input.schema;
  if (input.profile !== undefined) dataset.profile = input.profile;
  return { tags: keyValues(input.tags), dataset };
}

export function presentRun(view: RunView) {
  return {
    info: presentRunInfo(view),
    data: {
      metrics: view.metrics.map(presentMetric),
      params: view.parameters.map((p) => ({ key: p.key, value: parameterText(p) })),
      tags: runTags(view),
    },
    inputs: view.inputs.length > 0 ? { dataset_inputs: view.inputs.map(presentDatasetInput) } : {},
  };
}
