import type { ExperimentListQuery, ExperimentRepository } from '../../../application/ports/experiment-repository.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import type { Experiment, ExperimentFilter, ExperimentSummary } from '../../../domain/experiment.js';
import { compareIds, compareSortValues } from '../../../domain/paging.js';
import { deletedByOfMovedRuns } from '../../../domain/run.js';
import { copy, type MemoryDatabase } from './memory-database.js';

export class MemoryExperimentRepository implements ExperimentRepository {
  constructor(private readonly db: MemoryDatabase) {}

  async create(experiment: Experiment): Promise<void> {
    this.assertNameFree(experiment);
    if (this.db.experiments.has(experiment.id)) throw new AlreadyExistsError(`an experiment with id '${experiment.id}' already exists`);
    this.db.experiments.set(experiment.id, copy(experiment));
  }

  async get(id: string): Promise<Experiment> {
    return copy(this.find(id));
  }

  async findByName(name: string): Promise<Experiment | undefined> {
    const named = [...this.db.experiments.values()].filter((e) => e.name === name);
    const rank = (e: Experiment): number => (e.lifecycleStage === 'active' ? 1 : 0);
    named.sort((a, b) => rank(b) - rank(a) || b.updatedAt - a.updatedAt || compareIds(b.id, a.id));
    return named[0] && copy(named[0]);
  }

  async getMany(ids: readonly string[]): Promise<Experiment[]> {
    return ids.flatMap((id) => {
      const e = this.db.experiments.get(id);
      return e ? [copy(e)] : [];
    });
  }

  async list({ filter, order, page }: ExperimentListQuery): Promise<ExperimentSummary[]> {
    const direction = order.descending ? -1 : 1;
    const compare = (a: Experiment, b: Experiment): number =>
      direction * (compareSortValues(a[order.field], b[order.field]) || compareIds(a.id, b.id));
    const after = page.after;
    const rows = [...this.db.experiments.values()]
      .filter((e) => matches(e, filter))
      .filter((e) => {
        if (!after) return true;
        const key = { ...e, [order.field]: after.value, id: after.id } as Experiment;
        return compare(e, key) > 0;
      })
      .sort(compare)
      .slice(0, page.limit);
    const counts = new Map<string, number>();
    for (const run of this.db.runs.values()) counts.set(run.experimentId, (counts.get(run.experimentId) ?? 0) + 1);
    return rows.map((e) => ({ ...copy(e), runCount: counts.get(e.id) ?? 0 }));
  }

  async update(id: string, change: (current: Experiment) => Experiment): Promise<Experiment> {
    const current = this.find(id);
    const experiment = { ...change(copy(current)), id };
    this.assertNameFree(experiment);
    this.db.experiments.set(id, copy(experiment));
    if (current.lifecycleStage !== experiment.lifecycleStage) {
      const deletedBy = deletedByOfMovedRuns(experiment);
      for (const run of this.db.runs.values()) {
        if (run.experimentId !== id || run.lifecycleStage === experiment.lifecycleStage) continue;
        run.lifecycleStage = experiment.lifecycleStage;
        if (deletedBy === undefined) delete run.deletedBy;
        else run.deletedBy = deletedBy;
      }
    }
    return copy(experiment);
  }

  async purge(id: string): Promise<string[]> {
    this.find(id);
    const blobKeys: string[] = [];
    for (const run of [...this.db.runs.values()]) {
      if (run.experimentId === id) blobKeys.push(...this.db.removeRun(run.id));
    }
    this.db.experiments.delete(id);
    this.db.artifactVersions.delete(id);
    return blobKeys;
  }

  private find(id: string): Experiment {
    const experiment = this.db.experiments.get(id);
    if (!experiment) throw new NotFoundError('experiment', id);
    return experiment;
  }

  private assertNameFree(experiment: Experiment): void {
    if (experiment.lifecycleStage !== 'active') return;
    for (const other of this.db.experiments.values()) {
      if (other.id !== experiment.id && other.lifecycleStage === 'active' && other.name === experiment.name) {
        throw new AlreadyExistsError(`an active experiment is already named '${experiment.name}'`);
      }
    }
  }
}

function matches(e: Experiment, f: ExperimentFilter): boolean {
  if (f.ids && !f.ids.includes(e.id)) return false;
  if (f.lifecycle !== 'all' && e.lifecycleStage !== f.lifecycle) return false;
  if (f.allTags?.length && !f.allTags.every((t) => e.tags.includes(t))) return false;
  if (f.anyTags?.length && !f.anyTags.some((t) => e.tags.includes(t))) return false;
  if (f.nameContains && !e.name.toLowerCase().includes(f.nameContains.toLowerCase())) return false;
  if (f.createdBy !== undefined && e.createdBy !== f.createdBy) return false;
  if (f.createdAfter !== undefined && !(e.createdAt > f.createdAfter)) return false;
  if (f.createdBefore !== undefined && !(e.createdAt < f.createdBefore)) return false;
  if (f.updatedAfter !== undefined && !(e.updatedAt > f.updatedAfter)) return false;
  if (f.updatedBefore !== undefined && !(e.updatedAt < f.updatedBefore)) return false;
  return true;
}
