import type { Comparison } from '../../api.js';
import { seriesColor } from '../../components/chart.js';
import { runLabel } from '../../lib/format.js';
import { hrefFor } from '../../router.js';

type ComparedRun = Comparison['runs'][number];

/** A run's name as every page shows it (chips, columns, chart lines): lib/format.ts runLabel. */
export function compareLabel(run: ComparedRun): string {
  return runLabel(run.runName, run.runId);
}

/**
 * The title, the way back, and one chip per run in the colour of its chart lines. Chips show
 * the ids until the comparison arrives, so a run can be removed even when the API refused it.
 */
export function CompareHeader({ runIds, comparison, onRemove }: { runIds: string[]; comparison: Comparison | undefined; onRemove: (id: string) => void }) {
  const byId = new Map(comparison?.runs.map((r) => [r.runId, r]));
  const experiments = comparison ? [...new Map(comparison.runs.map((r) => [r.experimentId, r.experimentName])).entries()] : [];
  const [only] = experiments;
  return (
    <div class="page-header compare-header">
      <div>
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
          <a href={hrefFor([])}>Experiments</a>
          {experiments.length === 1 && only && (
            <>
              {' / '}
              <a href={hrefFor(['experiments', only[0]])}>{only[1]}</a>
            </>
          )}
          {experiments.length > 1 && <span> / {experiments.length} experiments</span>}
          {' / Compare'}
        </nav>
        <h1>
          Compare {runIds.length} {runIds.length === 1 ? 'run' : 'runs'}
        </h1>
        <ul class="run-chips" aria-label="Compared runs">
          {runIds.map((id, i) => {
            const run = byId.get(id);
            const name = run ? compareLabel(run) : id;
            return (
              <li key={id} class="chip run-chip">
                <span class="run-swatch" style={{ background: seriesColor(i) }} aria-hidden="true" />
                <a href={hrefFor(['runs', id])} title={run && experiments.length > 1 ? `${name} (${run.experimentName})` : name}>
                  {name}
                </a>
                <button type="button" class="chip-remove" aria-label={`Remove ${name} from the comparison`} title="Remove from the comparison" onClick={() => onRemove(id)}>
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}
