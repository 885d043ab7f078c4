import type { MetricColumns, MetricDraft, MetricSummary, StepRange } from '../../domain/metric.js';
import type { RunId } from '../../domain/run.js';

/**
 * Metric histories and the aggregates kept on write. One write primitive: `append`.
 */
export interface MetricRepository {
  /**
   * Appends a batch to a run, all or nothing. Drafts without a step get their key's last step + 1
   * (see `assignSteps`), decided atomically with the write. A point at a step that already holds
   * one replaces it. Aggregates are updated in the same atomic write.
   * @throws NotFoundError when the run does not exist.
   */
  append(runId: RunId, drafts: readonly MetricDraft[]): Promise<number>;
  /**
   * Per key of each run, sorted by key (code point order): latest point and aggregates. NaN values
   * round-trip as NaN. Runs without metrics map to []. Within one batch, the later of two points
   * at the same step wins.
   */
  summaries(runIds: readonly RunId[]): Promise<Map<RunId, MetricSummary[]>>;
  /**
   * One key's points in step order within the inclusive range, as columns (a long series is
   * three typed arrays, not one object per point). Unknown key or run: empty columns.
   */
  history(runId: RunId, key: string, range: StepRange): Promise<MetricColumns>;
}
