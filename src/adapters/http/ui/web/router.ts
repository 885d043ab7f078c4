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

/** Replaces some query values of the current view, keeping the rest (and the path). */
export function setQuery(route: Route, changes: Record<string, string | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const query: Record<string, string | undefined> = Object.fromEntries(route.query.entries());
  Object.assign(query, changes);
  navigate(hrefFor(route.segments, query), options);
}
