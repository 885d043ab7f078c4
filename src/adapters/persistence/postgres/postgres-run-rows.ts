import type { Run } from '../../../domain/run.js';
import { entries, runFromRow, type RunRow } from '../shared/rows.js';

/**
 * How PostgreSQL reads a run with its tags in one row: shared by the queries that give runs out,
 * so every one gives them alike. The row maps to a run as in every SQL store (shared/rows.ts).
 */

/**
 * The columns of a run (alias `r`, joined with RUN_TAGS) with its tags, in one row: the tags come
 * as two arrays in key order, so a page of runs is one statement whatever its size, and a run
 * and its tags are read in one snapshot.
 */
export const RUN_COLUMNS = `r.id, r.experiment_id, r.name, r.status, r.parent_run_id, r.created_by, r.started_at, r.completed_at, r.lifecycle_stage, r.deleted_by,
  rt.keys AS tag_keys, rt.values AS tag_values`;

/**
 * The tags of run `r`, for RUN_COLUMNS: one pass over its tag rows (two ARRAY(SELECT …) columns
 * would make two, measured about 1.3x slower for 2,000 runs of 5 tags).
 */
export const RUN_TAGS = `CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(t.key ORDER BY t.key), '{}') AS keys, coalesce(array_agg(t.value ORDER BY t.key), '{}') AS values
  FROM run_tags t WHERE t.run_id = r.id
) rt`;

/** A run's row as RUN_COLUMNS read it: with its tags. */
export interface RunWithTagsRow extends RunRow {
  tag_keys: string[];
  tag_values: string[];
}

export function runWithTagsFromRow(row: RunWithTagsRow): Run {
  return runFromRow(row, entries(row.tag_keys, row.tag_values));
}
