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
 * Replaces some query values of the view, keeping the rest (and the path). It reads the URL as it
 * is now, not as `route` was at the last render, so two quick changes (a debounced search and a
 * click) both land; a write arriving after the person left the view is dropped.
 */
export function setQuery(route: Route, changes: Record<string, string | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const current = parseHash(location.hash);
  if (current.segments.join('/') !== route.segments.join('/')) return;
  const query: Record<string, string | undefined> = Object.fromEntries(current.query.entries());
  Object.assign(query, changes);
  navigate(hrefFor(route.segments, query), options);
}
