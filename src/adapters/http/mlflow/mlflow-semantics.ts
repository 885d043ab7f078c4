import type { RunStatus } from '../../../domain/run.js';

/**
 * MLflow's names for what Fathom holds, and MLflow's limits: written once here, so the routes,
 * the presenters and the search translation cannot drift apart.
 */

/**
 * MLflow's system tags that are Fathom attributes. MLflow keeps the run name in a tag too; Fathom
 * keeps it as the run's name only. The parent of a nested run is Fathom's lineage attribute, which
 * runs made through either API have. The user is who created the run.
 */
export const RUN_NAME_TAG = 'mlflow.runName';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const USER_TAG = 'mlflow.user';

export type MlflowStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** Fathom's run statuses in MLflow's words (upper case, which MLflow compares case-sensitively). */
export const MLFLOW_STATUSES: Readonly<Record<RunStatus, MlflowStatus>> = {
  running: 'RUNNING',
  scheduled: 'SCHEDULED',
  completed: 'FINISHED',
  failed: 'FAILED',
  killed: 'KILLED',
};

/** MLflow's max_results for search-runs and search-experiments: its limit, and its default. */
export const SEARCH_MAX_RESULTS = 50_000;
export const SEARCH_DEFAULT_RESULTS = 1_000;
