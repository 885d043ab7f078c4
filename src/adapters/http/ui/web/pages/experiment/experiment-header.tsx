import type { ExperimentSummary } from '../../api.js';
import { formatCount, formatDate } from '../../lib/format.js';
import { hrefFor } from '../../router.js';

/**
 * The experiment's name, description, tags and run count, with the way back to the list. When
 * its summary failed to load (`failed`: the page shows the error beside it), the title is the id.
 */
export function ExperimentHeader({ experiment, id, failed }: { experiment: ExperimentSummary | undefined; id: string; failed: boolean }) {
  return (
    <header class="page-header experiment-header">
      <div>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
          <a href={hrefFor([])}>Experiments</a> / <span aria-current="page">{experiment?.name ?? id}</span>
        </nav>
        <h1>
          {experiment ? experiment.name : failed ? <span class="mono">{id}</span> : <span class="muted">Loading experiment…</span>}
          {experiment?.lifecycleStage === 'deleted' && <span class="chip trash-chip">in the trash</span>}
        </h1>
        {experiment?.description && <p class="experiment-description">{experiment.description}</p>}
        {experiment && experiment.tags.length > 0 && (
          <ul class="tag-list" aria-label="Tags">
            {experiment.tags.map((t) => (
              <li key={t}>
                <a class="chip" href={hrefFor([], { tags: t })}>
                  {t}
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
      {experiment && (
        <dl class="experiment-meta">
          <div>
            <dt>Runs</dt>
            <dd data-testid="run-count">{formatCount(experiment.runCount)}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>
              {formatDate(experiment.createdAt)} by {experiment.createdBy}
            </dd>
          </div>
          <div>
            <dt>ID</dt>
            <dd class="mono">{experiment.id}</dd>
          </div>
        </dl>
      )}
    </header>
  );
}
