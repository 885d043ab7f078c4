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
