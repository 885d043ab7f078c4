/**
 * Hash routing: `#/experiments/<id>?filter=…&sort=…`. Everything a page shows that a person may
 * want to share (filter, sort, selection, chosen metric) lives in the query of the hash, so a
 * copied URL opens the same view. The server only serves `/`.
 */
export interface Route {
  /** Path segments after `#/`, decoded: `['experiments', 'abc']`. */
  segments: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const at = text.indexOf('?');
  const path = at === -1 ? text : text.slice(0, at);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query: new URLSearchParams(at === -1 ? '' : text.slice(at + 1)) };
}

/** The hash for a path and query; empty query values are left out. */
export function hrefFor(segments: string[], query: Record<string, string | undefined> = {}): string {
  const path = segments.map(encodeURIComponent).join('/');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
  const search = params.toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

