import type { Comparison } from '../../api.js';
import { Empty } from '../../components/states.js';
import { formatValue } from '../../lib/format.js';
import { compareLabel } from './header.js';

/** Rows are parameter keys, columns runs; a differing row is tinted and marked with a sign and text. */
export function ParameterDiff({ comparison, onlyDiff, onOnlyDiff }: { comparison: Comparison; onlyDiff: boolean; onOnlyDiff: (on: boolean) => void }) {
  const { runs, parameterDiff } = comparison;
  const differing = parameterDiff.filter((p) => p.isDifferent).length;
  const rows = onlyDiff ? parameterDiff.filter((p) => p.isDifferent) : parameterDiff;
  return (
    <section class="compare-section" aria-labelledby="compare-params">
      <div class="section-head">
        <h2 id="compare-params">Parameters</h2>
        <span class="muted">
          {differing} of {parameterDiff.length} differ
        </span>
        <label class="inline-check">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => onOnlyDiff(e.currentTarget.checked)} />
          Only differences
        </label>
      </div>
      {parameterDiff.length === 0 ? (
        <Empty title="These runs have no parameters" />
      ) : rows.length === 0 ? (
        <Empty title="Every parameter is the same in these runs">
          <button type="button" class="link" onClick={() => onOnlyDiff(false)}>
            Show all {parameterDiff.length} parameters
          </button>
        </Empty>
      ) : (
        <div class="table-scroll">
          <table class="data compare-table" aria-label="Parameters by run">
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                {runs.map((r) => (
                  <th scope="col" key={r.runId}>
                    {compareLabel(r)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.key} class={p.isDifferent ? 'different' : undefined}>
                  <th scope="row" class="mono">
                    {p.isDifferent && (
                      <span class="diff-marker" title="Differs between the runs">
                        <span aria-hidden="true">≠</span>
                        <span class="visually-hidden">differs: </span>
                      </span>
                    )}
                    {p.key}
                  </th>
                  {runs.map((r) => {
                    const value = p.values[r.runId] ?? null;
                    return (
                      <td key={r.runId} class="mono">
                        {value === null ? <span class="muted" title="Not logged by this run">—</span> : formatValue(value)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
