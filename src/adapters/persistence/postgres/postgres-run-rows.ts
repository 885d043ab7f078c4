import type { Parameter } from '../../../domain/parameter.js';
import type { Run } from '../../../domain/run.js';

/**
 * How runs and parameters are read back from their rows: shared by the queries that give them
 * out, so every one gives them alike.
 */

/**
 * The columns of a run (alias `r`, joined with RUN_TAGS) with its tags, in one row: the tags come
 * as two arrays in key order, so a page of runs is one statement whatever its size, and a run
 * and its tags are read in one snapshot.
 */
export const RUN_COLUMNS = `r.id, r.experiment_id, r.name, r.status, r.parent_run_id, r.created_by, r.started_at, r.completed_at, r.lifecycle_stage,
  rt.keys AS tag_keys, rt.values AS tag_values`;

/**
 * The tags of run `r`, for RUN_COLUMNS: one pass over its tag rows (two ARRAY(SELECT …) columns
 * would make two, measured about 1.3x slower for 2,000 runs of 5 tags).
 */
export const RUN_TAGS = `CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(t.key ORDER BY t.key), '{}') AS keys, coalesce(array_agg(t.value ORDER BY t.key), '{}') AS values
  FROM run_tags t WHERE t.run_id = r.id
) rt`;

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
  tag_keys: string[];
  tag_values: string[];
}

export function runFromRow(row: RunRow): Run {
  const run: Run = {
    id: row.id,
    experimentId: row.experiment_id,
    status: row.status,
    tags: entries(row.tag_keys, row.tag_values),
    createdBy: row.created_by,
    startedAt: row.started_at,
    lifecycleStage: row.lifecycle_stage,
  };
  if (row.name !== null) run.name = row.name;
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  if (row.completed_at !== null) run.completedAt = row.completed_at;
  return run;
}

/** An object of these keys and values, each defined rather than assigned: a key may be __proto__. */
export function entries(keys: readonly string[], values: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  keys.forEach((key, i) => Object.defineProperty(object, key, { value: values[i], enumerable: true, writable: true, configurable: true }));
  return object;
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
