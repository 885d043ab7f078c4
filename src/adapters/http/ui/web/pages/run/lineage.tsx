import { api, ApiError, type Run } from '../../api.js';
import { useAsync } from '../../components/states.js';
import { hrefFor } from '../../router.js';

/** The run's parent (named once it has loaded) and its child runs, as links with their status. */
export function Lineage({ run, children }: { run: Run; children: Run[] }) {
  const parent = useAsync(
    (signal) => (run.parentRunId ? api.get<Run>(`runs/${encodeURIComponent(run.parentRunId)}`, undefined, signal) : Promise.resolve(undefined)),
    [run.parentRunId],
  );
  if (!run.parentRunId && children.length === 0) return null;
  return (
    <section class="card lineage" aria-labelledby="lineage-heading">
      <h2 id="lineage-heading">Lineage</h2>
      <dl>
        <div>
          <dt>Parent run</dt>
          <dd>
            {run.parentRunId ? (
              <>
                <RunLink id={run.parentRunId} run={parent.data} />
                {parent.error && <ParentError error={parent.error} retry={parent.reload} />}
              </>
            ) : (
              <span class="muted">none</span>
            )}
          </dd>
        </div>
        <div>
          <dt>
            Child runs <span class="muted">({children.length})</span>
          </dt>
          <dd>
            {children.length === 0 ? (
              <span class="muted">none</span>
            ) : (
              <ul class="child-runs">
                {children.map((child) => (
                  <li key={child.id}>
                    <RunLink id={child.id} run={child} />
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function RunLink({ id, run }: { id: string; run: Run | undefined }) {
  return (
    <span class="run-link">
      <a href={hrefFor(['runs', id])} class={run?.name ? undefined : 'mono'}>
        {run?.name ?? id}
      </a>
      {run && <span class={`status status-${run.status}`}>{run.status}</span>}
    </span>
  );
}

/** The parent's link still works without its name; this says why the name and status are missing. */
function ParentError({ error, retry }: { error: Error; retry: () => void }) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <span class="field-error lineage-error" role="alert">
      {notFound ? 'The parent run was not found' : `Could not load the parent run: ${error instanceof ApiError ? error.detail : error.message}`}
      {!notFound && (
        <>
          {' '}
          <button type="button" class="link" onClick={retry}>
            Try again
          </button>
        </>
      )}
    </span>
  );
}
