import { useEffect, useRef, useState } from 'preact/hooks';
import { errorPosition } from '../../lib/search.js';

interface Props {
  /** The filter the table shows (the URL's). */
  applied: string;
  onApply: (filter: string) => void;
  /** The server's message for `/filter`, when it refused the applied filter. */
  error: string | undefined;
}

const EXAMPLE = "params.lr < 0.01 and metrics.acc >= 0.9";

/**
 * The search-language box (docs/search.md). A filter is applied on Enter, not while typing: a
 * half-typed filter is an error, and each would cost a search of every run. When the server
 * refuses a filter, its message shows under the box and the character it names is marked.
 */
export function FilterBox({ applied, onApply, error }: Props) {
  const [text, setText] = useState(applied);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(applied), [applied]);

  const position = error === undefined ? undefined : errorPosition(error);
  // Puts the cursor on the character the server named, so the fix starts where the problem is;
  // only while the box still holds the refused filter: the position means nothing in text typed
  // since, and moving the cursor under someone typing would scramble their words.
  useEffect(() => {
    const box = input.current;
    if (position === undefined || !box || document.activeElement !== box || box.value !== applied) return;
    const offset = codeUnitOffset(applied, position - 1);
    box.setSelectionRange(offset, Math.min(applied.length, codeUnitOffset(applied, position)));
  }, [error, applied]);

  return (
    <form
      class="filter-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(text.trim());
      }}
    >
      <label for="run-filter">Filter runs</label>
      <div class="filter-row">
        <input
          id="run-filter"
          ref={input}
          type="search"
          class="mono"
          value={text}
          placeholder={`e.g. ${EXAMPLE}`}
          spellcheck={false}
          autocomplete="off"
          aria-invalid={error !== undefined}
          aria-describedby={error !== undefined ? 'run-filter-error' : 'run-filter-help'}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={(e) => {
            // A search input clears itself on Escape: keep the filter in force in the box instead.
            if (e.key === 'Escape') {
              e.preventDefault();
              setText(applied);
            }
          }}
        />
        <button type="submit">Apply</button>
        {applied !== '' && (
          <button type="button" onClick={() => onApply('')}>
            Clear
          </button>
        )}
      </div>
      {error === undefined ? (
        <div id="run-filter-help" class="muted filter-help">
          Press Enter to apply. Fields: <code>params.&lt;key&gt;</code>, <code>metrics.&lt;key&gt;</code>, <code>tags.&lt;key&gt;</code>, <code>status</code>,{' '}
          <code>startedAt</code>, <code>duration</code>; operators <code>= != &lt; &lt;= &gt; &gt;= in like ilike and or not</code>.
        </div>
      ) : (
        <div id="run-filter-error" class="field-error filter-error" role="alert">
          {position !== undefined && <ErrorPointer filter={applied} position={position} />}
          <span>{error}</span>
        </div>
      )}
    </form>
  );
}

/** The filter again, in the box's font, with the named character marked and a caret under it. */
function ErrorPointer({ filter, position }: { filter: string; position: number }) {
  // The server counts characters as people do (an emoji is one): code points, not UTF-16 units.
  const chars = Array.from(filter);
  const before = chars.slice(0, position - 1).join('');
  const at = chars[position - 1] ?? ' ';
  const after = chars.slice(position).join('');
  return (
    <pre class="filter-pointer" aria-hidden="true">
      {before}
      <mark>{at}</mark>
      {after}
      {'\n'}
      {' '.repeat(Array.from(before).length)}^
    </pre>
  );
}

function codeUnitOffset(text: string, codePoints: number): number {
  return Array.from(text).slice(0, Math.max(0, codePoints)).join('').length;
}
