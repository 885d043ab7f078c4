import type { ParameterSpaceEntry } from '../../api.js';
import { formatCount, formatValue } from '../../lib/format.js';
import { condition } from '../../lib/search.js';

/** How many of a key's most common values the panel lists. */
const TOP_VALUES = 5;

interface Props {
  parameters: ParameterSpaceEntry[];
  /** Adds a condition to the filter (a click on a value). */
  onPick: (condition: string) => void;
}

/** The experiment's parameter space (GET /api/experiments/:id/params): one line per key. */
export function ParamSpace({ parameters, onPick }: Props) {
  if (parameters.length === 0) return null;
  return (
    <details class="card param-space" open={parameters.length <= 12}>
      <summary>
        <h2>Parameter space</h2>
        <span class="muted">
          {parameters.length} {parameters.length === 1 ? 'parameter' : 'parameters'}
        </span>
      </summary>
      <table class="data param-space-table" aria-label="Parameter space">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Type</th>
            <th scope="col" class="num">
              Runs
            </th>
            <th scope="col" class="num">
              Distinct
            </th>
            <th scope="col">Values</th>
          </tr>
        </thead>
        <tbody>
          {parameters.map((p) => (
            <tr key={p.key}>
              <th scope="row" class="mono">
                {p.key}
              </th>
              <td>{p.type}</td>
              <td class="num">{formatCount(p.runs)}</td>
              <td class="num">{formatCount(p.distinct)}</td>
              <td>
                <Values entry={p} onPick={onPick} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted param-space-hint">Click a value to add it to the filter.</p>
    </details>
  );
}

function Values({ entry, onPick }: { entry: ParameterSpaceEntry; onPick: (condition: string) => void }) {
  const range = entry.min !== undefined && entry.max !== undefined;
  const values = entry.values ?? [];
  // A numeric key with many values reads best as its range; a few values are worth listing.
  const list = range && values.length > TOP_VALUES ? [] : values.slice(0, TOP_VALUES);
  const more = entry.distinct - list.length;
  return (
    <div class="param-values">
      {range && (
        <span class="param-range">
          {formatValue(entry.min)} – {formatValue(entry.max)}
        </span>
      )}
      {list.map((v) => (
        <button
          // `1` and `"1"` are two values (docs/api.md): the type is part of the key.
          key={`${typeof v.value}:${String(v.value)}`}
          type="button"
          class="chip"
          title={`Filter: ${condition(entry.key, v.value)}`}
          onClick={() => onPick(condition(entry.key, v.value))}
        >
          <span class="mono">{formatValue(v.value)}</span>
          <span class="muted">×{v.runs}</span>
        </button>
      ))}
      {list.length > 0 && more > 0 && <span class="muted">+{formatCount(more)} more</span>}
    </div>
  );
}
