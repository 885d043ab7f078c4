import { useEffect, useState } from 'preact/hooks';
import { api, type ExperimentSummary, type Run } from '../../api.js';
import { useAsync } from '../../components/states.js';
import { formatDate, formatDuration } from '../../lib/format.js';
import { hrefFor } from '../../router.js';
import { CopyButton } from './copy-button.js';
import { isUnfinished } from './use-run-data.js';

export function RunHeader({ run, live, refreshError }: { run: Run; live: boolean; refreshError: Error | undefined }) {
  const experimentName = useExperimentName(run.experimentId);
  const unfinished = isUnfinished(run.status);
  const now = useNow(unfinished);
  const duration = run.duration ?? (unfinished ? Math.max(0, (now - Date.parse(run.startedAt)) / 1000) : undefined);
  const title = run.name ?? run.id;
  return (
    <header class="run-header">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={hrefFor([])}>Experiments</a>
        {' › '}
        <a href={hrefFor(['experiments', run.experimentId])}>{experimentName ?? 'Experiment'}</a>
        {' › '}
        <span aria-current="page">{title}</span>
      </nav>
      <div class="run-title">
        <h1 class={run.name ? undefined : 'mono'}>{title}</h1>
        <span class={`status status-${run.status}`} data-testid="run-status">
          {run.status}
        </span>
        {live && (
          <span class="live-indicator" role="status" title="This page updates while the run is running">
            <span class="live-dot" aria-hidden="true" />
            Live
          </span>
        )}
        {run.lifecycleStage === 'deleted' && <span class="chip">in the trash</span>}
      </div>
      {refreshError && (
        <p class="field-error" role="alert">
          Could not refresh ({refreshError.message}); trying again.
        </p>
      )}
      <dl class="run-facts">
        <div>
          <dt>Started</dt>
          <dd>
            <time dateTime={run.startedAt} title={run.startedAt}>
              {formatDate(run.startedAt)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Completed</dt>
          <dd>
            {run.completedAt ? (
              <time dateTime={run.completedAt} title={run.completedAt}>
                {formatDate(run.completedAt)}
              </time>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd data-testid="run-duration">
            {formatDuration(duration)}
            {unfinished && <span class="muted"> so far</span>}
          </dd>
        </div>
        <div>
          <dt>Created by</dt>
          <dd>{run.createdBy}</dd>
        </div>
        <div>
          <dt>Run ID</dt>
          <dd class="run-id">
            <code>{run.id}</code> <CopyButton value={run.id} label="Copy the run ID" />
          </dd>
        </div>
      </dl>
    </header>
  );
}

/**
 * The run's experiment name for the breadcrumbs, from the experiment's summary: a small answer
 * however many runs the experiment holds (`GET /api/experiments/:id` would carry them all). Read
 * once per experiment, not on every poll of a live run.
 */
function useExperimentName(experimentId: string): string | undefined {
  const { data } = useAsync(
    (signal) => api.get<ExperimentSummary>(`experiments/${encodeURIComponent(experimentId)}/summary`, undefined, signal),
    [experimentId],
  );
  return data?.name;
}

/** The clock, ticking each second while `active` (a running run's duration). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
