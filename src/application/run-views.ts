import { inject, injectable } from 'tsyringe';
import type { Artifact } from '../domain/artifact.js';
import { latestPoint, type MetricPoint } from '../domain/metric.js';
import type { Parameter } from '../domain/parameter.js';
import { runDuration, type Run } from '../domain/run.js';
import type { ArtifactRepository } from './ports/artifact-repository.js';
import type { MetricRepository } from './ports/metric-repository.js';
import type { ParameterRepository } from './ports/parameter-repository.js';
import type { RunInputRepository } from './ports/run-input-repository.js';
import type { DatasetInput } from '../domain/run-input.js';
import { TOKENS } from './tokens.js';

/** A run as users see it: with its parameters, the latest point of each metric, its artifacts and the datasets it used. */
export interface RunView extends Run {
  parameters: Parameter[];
  metrics: MetricPoint[];
  artifacts: Artifact[];
  inputs: DatasetInput[];
  duration?: number;
}

/** Assembles run views in one query per port, however many runs: no N+1 on run tables. */
@injectable()
export class RunViews {
  constructor(
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.RunInputs) private readonly inputs: RunInputRepository,
  ) {}

  async of(runs: readonly Run[]): Promise<RunView[]> {
    if (runs.length === 0) return [];
    const ids = runs.map((r) => r.id);
    const [parameters, summaries, artifacts, inputs] = await Promise.all([
      this.parameters.listForRuns(ids),
      this.metrics.summaries(ids),
      this.artifacts.listForRuns(ids),
      this.inputs.listForRuns(ids),
    ]);
    return runs.map((run) => {
      const view: RunView = {
        ...run,
        parameters: parameters.get(run.id) ?? [],
        metrics: (summaries.get(run.id) ?? []).map(latestPoint),
        artifacts: artifacts.get(run.id) ?? [],
        inputs: inputs.get(run.id) ?? [],
      };
      const duration = runDuration(run);
      if (duration !== undefined) view.duration = duration;
      return view;
    });
  }

  async one(run: Run): Promise<RunView> {
    const [view] = await this.of([run]);
    return view as RunView;
  }
}
