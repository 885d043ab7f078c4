import type { RunRepository } from '../../../application/ports/run-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import { compareIds } from '../../../domain/paging.js';
import type { Parameter } from '../../../domain/parameter.js';
import type { LifecycleStage } from '../../../domain/experiment.js';
import { assertExperimentTakesRuns, changedRun, type Run } from '../../../domain/run.js';
import { copy, type MemoryDatabase } from './memory-database.js';

/** Newest first: startedAt descending, then id descending. */
function newestFirst(a: Run, b: Run): number {
  return b.startedAt - a.startedAt || compareIds(b.id, a.id);
}

export class MemoryRunRepository implements RunRepository {
  constructor(private readonly db: MemoryDatabase) {}

  async create(run: Run, parameters: readonly Parameter[]): Promise<void> {
    const experiment = this.db.experiments.get(run.experimentId);
    if (!experiment) throw new NotFoundError('experiment', run.experimentId);
    if (run.lifecycleStage === 'active') assertExperimentTakesRuns(experiment.id, experiment.lifecycleStage);
    if (run.parentRunId !== undefined && !this.db.runs.has(run.parentRunId)) throw new NotFoundError('run', run.parentRunId);
    this.db.runs.set(run.id, copy(run));
    if (parameters.length > 0) this.db.parameters.set(run.id, new Map(parameters.map((p) => [p.key, copy(p)])));
  }

  async get(id: string): Promise<Run> {
    return copy(this.find(id));
  }

  async getMany(ids: readonly string[]): Promise<Run[]> {
    return ids.flatMap((id) => {
      const run = this.db.runs.get(id);
      return run ? [copy(run)] : [];
    });
  }

  async listAllByExperiments(experimentIds: readonly string[]): Promise<Run[]> {
    const order = new Map(experimentIds.map((id, i) => [id, i]));
    return [...this.db.runs.values()]
      .filter((r) => order.has(r.experimentId))
      .sort((a, b) => (order.get(a.experimentId) ?? 0) - (order.get(b.experimentId) ?? 0) || newestFirst(a, b))
      .map(copy);
  }

  async listChildren(parentRunId: string): Promise<Run[]> {
    return [...this.db.runs.values()]
      .filter((r) => r.parentRunId === parentRunId)
      .sort(newestFirst)
      .map(copy);
  }

  async update(id: string, change: (current: Run, experiment: { lifecycleStage: LifecycleStage }) => Run): Promise<Run> {
    const current = this.find(id);
    const lifecycleStage = this.db.experiments.get(current.experimentId)?.lifecycleStage ?? 'deleted';
    const next = changedRun(current, change(copy(current), { lifecycleStage }));
    if (next.parentRunId !== undefined && next.parentRunId !== current.parentRunId && !this.db.runs.has(next.parentRunId)) {
      throw new NotFoundError('run', next.parentRunId);
    }
    this.db.runs.set(id, next);
    return copy(next);
  }

  async delete(id: string): Promise<string[]> {
    this.find(id);
    return this.db.removeRun(id);
  }

  private find(id: string): Run {
    const run = this.db.runs.get(id);
    if (!run) throw new NotFoundError('run', id);
    return run;
  }
}
