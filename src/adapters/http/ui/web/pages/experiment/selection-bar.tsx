import { formatCount } from '../../lib/format.js';
/** What `POST /api/runs/compare` takes; the overlay charts (`POST /api/metrics/series`) take 100. */
export const MAX_SELECTION = 1000;
const MAX_CHARTED = 100;

interface Props {
  selected: string[];
  onClear: () => void;
  onCompare: (ids: string[]) => void;
}

/** The selection's count and the way to compare it. */
export function SelectionBar({ selected, onClear, onCompare }: Props) {
  const count = selected.length;
  return (
    <span class="selection-bar">
      {count > 0 && (
        <>
          <span class="muted">{formatCount(count)} selected</span>
          <button type="button" class="link" onClick={onClear}>
            Clear selection
          </button>
        </>
      )}
      {count > MAX_CHARTED && (
        <span class="muted" title={`Charts compare at most ${MAX_CHARTED} runs`}>
          (charts show the first {MAX_CHARTED})
        </span>
      )}
      <button
        type="button"
        class="primary"
        disabled={count < 2}
        title={count < 2 ? 'Select at least two runs to compare them' : undefined}
        onClick={() => onCompare(selected.slice(0, MAX_SELECTION))}
      >
        Compare {count >= 2 ? `${formatCount(count)} ` : ''}runs
      </button>
    </span>
  );
}
