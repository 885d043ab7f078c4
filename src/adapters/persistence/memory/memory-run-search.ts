import type { RunSearch, RunSearchQuery } from '../../../application/ports/run-search.js';
import { toSummary, type MetricSummary } from '../../../domain/metric.js';
import type { ParameterValue } from '../../../domain/parameter.js';
import { comparePositions, matches, sortKeysOf, type RunFacts, type SortPosition } from '../../../domain/search/evaluate.js';
import type { MemoryDatabase } from './memory-database.js';

/** Searches by evaluating the domain's definition of a filter and an order on every run. */
export class MemoryRunSearch implements RunSearch {
  constructor(private readonly db: MemoryDatabase) {}

  async search(query: RunSearchQuery): Promise<SortPosition[]> {
    const experiments = query.experimentIds ? new Set(query.experimentIds) : undefined;
    const found: SortPosition[] = [];
    for (const run of this.db.runs.values()) {
      if (experiments ? !experiments.has(run.experimentId) : run.lifecycleStage !== 'active') continue;
      const facts = this.factsOf(run.id, run);
      if (!matches(query.filter, facts)) continue;
      const position = { keys: sortKeysOf(query.orderBy, facts), id: run.id };
      if (query.after && comparePositions(query.orderBy, position, query.after) <= 0) continue;
      found.push(position);
    }
    return found.sort((a, b) => comparePositions(query.orderBy, a, b)).slice(0, query.limit);
  }

  private factsOf(runId: string, run: RunFacts['run']): RunFacts {
    const parameters = new Map<string, ParameterValue>();
    for (const [key, parameter] of this.db.parameters.get(runId) ?? []) parameters.set(key, parameter.value);
    const metrics = new Map<string, MetricSummary>();
    for (const [key, series] of this.db.metrics.get(runId) ?? []) metrics.set(key, toSummary(key, series.acc));
    return { run, parameters, metrics };
  }
}
