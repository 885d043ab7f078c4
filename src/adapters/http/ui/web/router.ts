import { useEffect, useState } from 'preact/hooks';
import { hrefFor, parseHash, type Route } from './lib/route.js';

export { hrefFor, type Route };

/** Goes to a view; `replace` changes the URL without a new history entry (typing in a filter box). */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) {
    history.replaceState(history.state, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = href.slice(1);
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/**
 * Replaces some query values of the view shown now, keeping the rest (and the path). The URL is
 * read when the write happens, not taken from a render's route: a debounced search, or a callback
 * kept by a memoised part of a page, would otherwise undo a change made since.
 */
export function updateQuery(changes: Record<string, string | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const current = parseHash(location.hash);
  const query: Record<string, string | undefined> = Object.fromEntries(current.query.entries());
  Object.assign(query, changes);
  navigate(hrefFor(current.segments, query), options);
}

/** updateQuery, but only while `route`'s view is still shown: a late write never drags a person back. */
export function setQuery(route: Route, changes: Record<string, string | undefined>, options?: { replace?: boolean }): void {
  if (parseHash(location.hash).segments.join('/') !== route.segments.join('/')) return;
  updateQuery(changes, options);
}
