import type { Comparison } from '../../api.js';
import { Empty } from '../../components/states.js';
import { formatValue } from '../../lib/format.js';
import { updateQuery } from '../../router.js';
import { compareLabel } from './header.js';
import { formatGoals, type Goal } from './state.js';

/**
 * Rows are metric keys (latest values), columns runs. The API picks best and worst by each
 * metric's goal; a goal the person flips here goes back to the API in `goals` and the URL.
 */
export function MetricTable({ comparison, goals }: { comparison: Comparison; goals: Record<string, Goal> }) {
  const { runs, metricComparison } = comparison;
  const flip = (key: string, goal: Goal) => updateQuery({ goals: formatGoals({ ...goals, [key]: goal === 'min' ? 'max' : 'min' }) });
  return (
    <section class="compare-section" aria-labelledby="compare-metrics">
      <div class="section-head">
        <h2 id="compare-metrics">Metrics</h2>
        <span class="muted">latest values; best and worst by each metric's goal</span>
      </div>
      {metricComparison.length === 0 ? (
        <Empty title="These runs have logged no metrics" />
      ) : (
        <div class="table-scroll">
          <table class="data compare-table" aria-label="Metrics by run">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Goal</th>
                {runs.map((r) => (
                  <th scope="col" class="num" key={r.runId}>
                    {compareLabel(r)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {metricComparison.map((m) => {
                // One value alone is neither best nor worst of anything.
                const ranked = m.best !== null && m.worst !== null && m.best.runId !== m.worst.runId;
                return (
                  <tr key={m.metricKey}>
                    <th scope="row" class="mono">
                      {m.metricKey}
                    </th>
                    <td>
                      <button
                        type="button"
                        class="goal-toggle"
                        aria-label={`Goal of ${m.metricKey}: ${m.goal === 'min' ? 'minimise' : 'maximise'}. Switch to ${m.goal === 'min' ? 'maximise' : 'minimise'}`}
                        title={m.goal === 'min' ? 'Lower is better (click to switch)' : 'Higher is better (click to switch)'}
                        onClick={() => flip(m.metricKey, m.goal)}
                      >
                        <span aria-hidden="true">{m.goal === 'min' ? '↓' : '↑'}</span> {m.goal}
                      </button>
                    </td>
                    {runs.map((r) => {
                      const value = m.values[r.runId];
                      const mark = ranked && m.best?.runId === r.runId ? 'best' : ranked && m.worst?.runId === r.runId ? 'worst' : undefined;
                      return (
                        <td key={r.runId} class={`num mono${mark ? ` ${mark}` : ''}`}>
                          {value === undefined ? <span class="muted">—</span> : formatValue(value)}
                          {mark && <span class="rank-mark">{mark}</span>}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
