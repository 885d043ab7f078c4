/** About a chart's width in pixels, twice over: more points per line would not show. */
const MAX_POINTS = 1000;
/**
 * Points for all the lines of one chart together. A hundred overlaid lines cannot show 1,000
 * points each on a chart ~1,200 px wide: fewer per line (never under 200; the server's minmax
 * downsampling keeps every spike) make the answer, the alignment and the drawing 2.5× lighter.
 */
const POINTS_PER_CHART = 40_000;
const MIN_POINTS = 200;

export function pointsPerLine(lines: number): number {
  return Math.max(MIN_POINTS, Math.min(MAX_POINTS, Math.round(POINTS_PER_CHART / Math.max(lines, 1))));
}

/** The API's bounds for one `POST /api/metrics/series`. */
export const MAX_SERIES_RUNS = 100;
export const MAX_SERIES_KEYS = 20;

/** The series requests for these runs and keys, as few as the API allows. */
export function seriesBodies(runIds: string[], keys: string[], maxPoints: number): { runIds: string[]; keys: string[]; maxPoints: number }[] {
  const bodies = [];
  for (let r = 0; r < runIds.length; r += MAX_SERIES_RUNS) {
    for (let k = 0; k < keys.length; k += MAX_SERIES_KEYS) {
      bodies.push({ runIds: runIds.slice(r, r + MAX_SERIES_RUNS), keys: keys.slice(k, k + MAX_SERIES_KEYS), maxPoints });
    }
  }
  return bodies;
}
