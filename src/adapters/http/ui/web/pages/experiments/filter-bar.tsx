import { useEffect, useState } from 'preact/hooks';
import { updateListUrl, type ListQuery } from './list-query.js';

/** Typing waits this long before the list (and the URL) follows. */
const DEBOUNCE_MS = 200;

/** The name search, the tag chips and the trash toggle; all of it lives in the URL. */
export function FilterBar({ query, tags }: { query: ListQuery; tags: string[] }) {
  const [text, setText] = useState(query.q);
  // The URL can change under the box (Clear filters, back button): the box follows it.
  useEffect(() => setText(query.q), [query.q]);
  useEffect(() => {
    if (text === query.q) return;
    const timer = setTimeout(() => updateListUrl({ q: text }), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const toggle = (tag: string) => updateListUrl({ tags: query.tags.includes(tag) ? query.tags.filter((t) => t !== tag) : [...query.tags, tag] });

  return (
    <div class="experiments-filters">
      <div class="toolbar">
        <input
          type="search"
          class="experiments-search"
          aria-label="Search experiments by name"
          placeholder="Search by name…"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') updateListUrl({ q: text });
          }}
        />
        <label class="trash-toggle">
          <input type="checkbox" checked={query.trash} onChange={(e) => updateListUrl({ trash: e.currentTarget.checked }, { replace: false })} />
          Show deleted
        </label>
      </div>
      {tags.length > 0 && (
        <div class="toolbar tag-filter" role="group" aria-label="Filter by tag">
          <span class="muted" aria-hidden="true">
            Tags:
          </span>
          {tags.map((tag) => (
            <button key={tag} type="button" class="chip" aria-pressed={query.tags.includes(tag)} onClick={() => toggle(tag)}>
              {tag}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
