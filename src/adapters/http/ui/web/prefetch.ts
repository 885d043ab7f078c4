import { prefetch } from './api.js';
import type { Route } from './lib/route.js';
import { pointsPerLine, seriesBodies } from './pages/compare/points.js';
import { compareBody, MAX_CHART_RUNS, readState } from './pages/compare/state.js';
import { FIRST_PAGE } from './pages/experiment/use-runs.js';

/**
 * On a cold start the data a page needs is asked for at once, while the page's own code is still
 * loading: a shared link to a 10,000-run table or a 100-run comparison then waits for the slower
 * of the two, not for both in turn. The pages send the very same requests, which take these
 * answers (api.ts); anything not asked for here they ask for themselves.
 */
export function prefetchFor(route: Route): void {
  const [view, id] = route.segments;
  if (view === 'experiments' && id !== undefined) {
    const path = `experiments/${encodeURIComponent(id)}`;
    prefetch('GET', `${path}/runs`, { query: { filter: route.query.get('filter') ?? '', orderBy: route.query.get('sort') ?? '', limit: FIRST_PAGE } });
    prefetch('GET', `${path}/summary`);
  }
  if (view === 'compare') {
    const state = readState(route.query);
    if (state.runIds.length === 0) return;
    prefetch('POST', 'runs/compare', { body: compareBody(state) });
    if (state.metrics === undefined || state.metrics.length === 0) return;
    const charted = state.runIds.slice(0, MAX_CHART_RUNS);
    for (const body of seriesBodies(charted, state.metrics, pointsPerLine(charted.length))) prefetch('POST', 'metrics/series', { body });
  }
}
