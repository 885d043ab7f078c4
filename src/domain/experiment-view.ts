import type { Experiment } from './experiment.js';
import type { Run } from './run.js';

/**
 * Whether a view of an experiment (its comparison, its parameter space) counts this run: a view
 * counts the experiment's runs in the experiment's own lifecycle stage. An active experiment's
 * views count its active runs and leave out those moved to the trash one at a time (MLflow's run
 * delete) until they are restored; a deleted experiment's runs were all deleted with it, and its
 * views count them all. The memory store evaluates this function; SQL stores compile the same
 * rule (`runs.lifecycle_stage = experiments.lifecycle_stage`), and the repository contract holds
 * them to it.
 */
export function countsInExperimentView(
  run: Pick<Run, 'experimentId' | 'lifecycleStage'>,
  experiment: Pick<Experiment, 'id' | 'lifecycleStage'>,
): boolean {
  return run.experimentId === experiment.id && run.lifecycleStage === experiment.lifecycleStage;
}
