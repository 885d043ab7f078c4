import type { RunView } from '../../src/application/run-views.js';
import { CreateExperiment } from '../../src/application/use-cases/experiments/create-experiment.js';
import { LogMetrics } from '../../src/application/use-cases/metrics/log-metrics.js';
import { CreateRun, type CreateRunInput } from '../../src/application/use-cases/runs/create-run.js';
import type { Experiment, NewExperimentInput } from '../../src/domain/experiment.js';
import type { MetricInput } from '../../src/domain/metric.js';
import type { TestFathom } from './fathom.js';
import { ANONYMOUS } from '../../src/domain/access.js';

let counter = 0;

/** An experiment with a unique name unless one is given. */
export async function anExperiment(fathom: TestFathom, input: Partial<NewExperimentInput> = {}): Promise<Experiment> {
  counter += 1;
  return fathom.use(CreateExperiment).execute({ name: `experiment ${counter}`, ...input }, ANONYMOUS);
}

/** A run in the given experiment (or a new one), with optional parameters and metric points. */
export async function aRun(
  fathom: TestFathom,
  options: CreateRunInput & { experimentId?: string; metrics?: MetricInput[]; params?: Record<string, string | number | boolean> } = {},
): Promise<RunView> {
  const { experimentId, metrics, params, ...input } = options;
  const experiment = experimentId ?? (await anExperiment(fathom)).id;
  const parameters = [...(input.parameters ?? []), ...Object.entries(params ?? {}).map(([key, value]) => ({ key, value }))];
  const run = await fathom.use(CreateRun).execute(experiment, { ...input, parameters }, ANONYMOUS);
  if (metrics && metrics.length > 0) await fathom.use(LogMetrics).execute(run.id, metrics);
  return run;
}
