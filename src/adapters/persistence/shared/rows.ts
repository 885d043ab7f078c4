import type { ExperimentListQuery } from '../../../application/ports/experiment-repository.js';
import type { Artifact } from '../../../domain/artifact.js';
import type { Experiment } from '../../../domain/experiment.js';
import type { Parameter } from '../../../domain/parameter.js';
import type { Run } from '../../../domain/run.js';

/**
 * How records are read back from the rows of the SQL stores, whose tables have the same columns
 * in SQLite and PostgreSQL: one mapping per table, so both stores give every record alike. How
 * the rows are selected, and how tags and properties are gathered, is each store's own.
 */

/** An object of these keys and values (in this order). */
export function entries(keys: readonly string[], values: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  keys.forEach((key, i) => defineEntry(object, key, values[i] as string));
  return object;
}

/** Defined, not assigned: a key (a tag's, a property's) may be __proto__, and assigning would set the prototype. */
export function defineEntry(object: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A row of `experiments`. */
export interface ExperimentRow {
  id: string;
  name: string;
  description: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  lifecycle_stage: Experiment['lifecycleStage'];
  deleted_by: string | null;
}

/** The column of `experiments` each order of an experiment list sorts by (then by id). */
export const EXPERIMENT_ORDER_COLUMNS: Record<ExperimentListQuery['order']['field'], string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  name: 'name',
};

export function experimentFromRow(row: ExperimentRow, tags: string[], properties: Record<string, string>): Experiment {
  const experiment: Experiment = {
    id: row.id,
    name: row.name,
    tags,
    properties,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lifecycleStage: row.lifecycle_stage,
  };
  if (row.description !== null) experiment.description = row.description;
  if (row.deleted_by !== null) experiment.deletedBy = row.deleted_by;
  return experiment;
}

/** A row of `runs`. */
export interface RunRow {
  id: string;
  experiment_id: string;
  name: string | null;
  status: Run['status'];
  parent_run_id: string | null;
  created_by: string;
  started_at: number;
  completed_at: number | null;
  lifecycle_stage: Run['lifecycleStage'];
  deleted_by: string | null;
}

export function runFromRow(row: RunRow, tags: Record<string, string>): Run {
  const run: Run = {
    id: row.id,
    experimentId: row.experiment_id,
    status: row.status,
    tags,
    createdBy: row.created_by,
    startedAt: row.started_at,
    lifecycleStage: row.lifecycle_stage,
  };
  if (row.name !== null) run.name = row.name;
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  if (row.completed_at !== null) run.completedAt = row.completed_at;
  if (row.deleted_by !== null) run.deletedBy = row.deleted_by;
  return run;
}

/**
 * A parameter from its row: `value` is its text view, `number_value` its numeric view (see the
 * parameters table), so a number comes back from the double it was stored as.
 */
export function parameterFromRow(key: string, type: Parameter['type'], value: string, numberValue: number | null): Parameter {
  switch (type) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'boolean', value: value === 'true' };
    default:
      return { key, type: 'number', value: numberValue as number };
  }
}

/** A row of `artifacts`: tags and metadata are JSON text. */
export interface ArtifactRow {
  id: string;
  run_id: string;
  experiment_id: string;
  name: string;
  type: Artifact['type'];
  blob_key: string;
  size: number;
  sha256: string;
  version: string;
  tags: string;
  content_type: string;
  metadata: string;
  uploaded_at: number;
}

export function artifactFromRow(row: ArtifactRow): Artifact {
  return {
    id: row.id,
    runId: row.run_id,
    experimentId: row.experiment_id,
    name: row.name,
    type: row.type,
    path: row.blob_key,
    size: row.size,
    sha256: row.sha256,
    version: row.version,
    tags: JSON.parse(row.tags) as string[],
    contentType: row.content_type,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    uploadedAt: row.uploaded_at,
  };
}
