import { inject, injectable } from 'tsyringe';
import { Issues } from '../../../domain/errors.js';
import { toMetricDrafts, type MetricDraft, type MetricInput } from '../../../domain/metric.js';
import { toParameters, withoutTextualRepeats, type Parameter, type ParameterInput } from '../../../domain/parameter.js';
import { applyRunChanges, assertWritable, type RunChanges, type RunId } from '../../../domain/run.js';
import type { Clock } from '../../ports/clock.js';
import type { MetricRepository } from '../../ports/metric-repository.js';
import type { ParameterRepository } from '../../ports/parameter-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';
import { checkNewParent } from './update-run.js';

export interface RunBatch {
  parameters?: readonly ParameterInput[];
  /** Merged into the run's tags; a null value removes that tag. */
  tags?: Readonly<Record<string, string | null>>;
  metrics?: readonly MetricInput[];
  /** A new name for the run ('' removes it). */
  name?: string;
  /** A new parent for the run (null removes it): an existing run, not the run or a descendant. */
  parentRunId?: RunId | null;
  /** Parameters come as text (MLflow): a string repeating the text of a held number or boolean is a repeat. */
  parametersAsText?: boolean;
}

@injectable()
export class LogRunBatch {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Parameters) private readonly parameters: ParameterRepository,
    @inject(TOKENS.Metrics) private readonly metrics: MetricRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Logs parameters, tags (and a new name or parent) and metrics to a run in one call (MLflow's log-batch). Everything is
   * validated first, so a bad field anywhere refuses the whole batch with every problem named.
   * Then parameters (write-once: a conflict refuses the batch before anything else is written),
   * tags and metrics are written, each part atomically. A new parent is checked as UpdateRun
   * checks it (before the write, with the same limitation).
   * @throws NotFoundError, InvalidArgumentError, ConflictError (parameter conflict, deleted run)
   */
  async execute(runId: RunId, batch: RunBatch): Promise<void> {
    const now = this.clock.now();
    const issues = new Issues();
    const parameters = batch.parameters?.length ? issues.collect(() => toParameters(batch.parameters ?? [])) : [];
    const metrics = batch.metrics?.length ? issues.collect(() => toMetricDrafts(batch.metrics ?? [], now)) : [];
    const run = await this.runs.get(runId);
    assertWritable(run);
    const changes: RunChanges = {};
    if (batch.tags && Object.keys(batch.tags).length > 0) changes.tags = batch.tags;
    if (batch.name !== undefined) changes.name = batch.name;
    if (batch.parentRunId !== undefined) changes.parentRunId = batch.parentRunId;
    const changing = changes.tags !== undefined || changes.name !== undefined || changes.parentRunId !== undefined;
    // Validates the tags (and the run's tag count), the name and the parent now, before anything is written.
    if (changing) issues.collect(() => applyRunChanges(run, changes, now));
    if (typeof changes.parentRunId === 'string') await checkNewParent(this.runs, run.id, changes.parentRunId, issues);
    issues.throwIfAny();
    let fresh = parameters as Parameter[];
    if (batch.parametersAsText && fresh.length > 0) fresh = withoutTextualRepeats((await this.parameters.listForRuns([run.id])).get(run.id) ?? [], fresh);
    if (fresh.length > 0) await this.parameters.add(run.id, fresh);
    if (changing) {
      await this.runs.update(run.id, (current) => {
        assertWritable(current);
        return applyRunChanges(current, changes, now);
      });
    }
    if ((metrics as MetricDraft[]).length > 0) await this.metrics.append(run.id, metrics as MetricDraft[]);
  }
}
