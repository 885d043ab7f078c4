import { api, type Run } from '../../api.js';
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
              <RunLink id={run.parentRunId} run={parent.data} />
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
