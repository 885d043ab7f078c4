import type { ParameterRepository } from '../../../application/ports/parameter-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import { countsInExperimentView } from '../../../domain/experiment-view.js';
import { newParametersOnly, type Parameter } from '../../../domain/parameter.js';
import type { ParameterValueCount } from '../../../domain/parameter-space.js';
import { copy, type MemoryDatabase } from './memory-database.js';

export class MemoryParameterRepository implements ParameterRepository {
  constructor(private readonly db: MemoryDatabase) {}

  async add(runId: string, parameters: readonly Parameter[]): Promise<number> {
    if (!this.db.runs.has(runId)) throw new NotFoundError('run', runId);
    const held = this.db.parameters.get(runId) ?? new Map<string, Parameter>();
    const fresh = newParametersOnly(held, parameters);
    for (const p of fresh) held.set(p.key, copy(p));
    this.db.parameters.set(runId, held);
    return fresh.length;
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Parameter[]>> {
    const result = new Map<string, Parameter[]>();
    for (const runId of runIds) {
      const held = [...(this.db.parameters.get(runId)?.values() ?? [])];
      result.set(runId, held.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(copy));
    }
    return result;
  }

  async valueCounts(experimentId: string): Promise<ParameterValueCount[]> {
    const counts = new Map<string, ParameterValueCount>();
    const experiment = this.db.experiments.get(experimentId);
    if (experiment === undefined) return [];
    for (const run of this.db.runs.values()) {
      if (!countsInExperimentView(run, experiment)) continue;
      for (const { key, value } of this.db.parameters.get(run.id)?.values() ?? []) {
        const id = JSON.stringify([key, typeof value, value]);
        const count = counts.get(id);
        if (count) count.runs++;
        else counts.set(id, { key, value, runs: 1 });
      }
    }
    return [...counts.values()];
  }
}
