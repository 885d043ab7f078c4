import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDate, formatValue } from '../lib/format.js';
import { chartData, describeCursor, facetedOptions, isFaceted, isolatedPoints, MAX_JOINED_LINES } from './chart-plot.js';

export interface ChartSeries {
  label: string;
  /** Steps, or epoch milliseconds when the chart's x-axis is time. In any order: the chart sorts. */
  x: number[];
  /** null is a gap (NaN, infinities). */
  y: (number | null)[];
  /** The line's colour; default seriesColor(index). A page that leaves out some lines keeps each line's colour with it. */
  color?: string;
}

export interface MetricChartProps {
  title: string;
  series: ChartSeries[];
  xMode: 'step' | 'time';
  log?: boolean;
  /** 0 (none) to 0.99: see lib/smoothing.ts. */
  smoothing?: number;
  height?: number;
  /** Called after the chart has drawn its data (the benchmark marks the time). */
  onDrawn?: () => void;
}

/**
 * The x range is the data's; one instant or one step (a history logged in one batch shares its
 * timestamp) gets a minute or a step either side, where uPlot would stretch it over years.
 */
function xRange(xMode: 'step' | 'time') {
  const pad = xMode === 'time' ? 60 : 1;
  return (_u: uPlot, min: number | null, max: number | null): [number, number] => {
    if (min == null || max == null) return [0, pad];
    return min === max ? [min - pad, max + pad] : [min, max];
  };
}

/** Steps are whole numbers: tick at 1, 2, 5, 10, 20, 50, … apart, never at 0.5. */
const STEP_INCREMENTS = Array.from({ length: 16 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/** Distinct, readable colours for any number of lines: hues a golden angle apart. */
export function seriesColor(index: number): string {
  const hue = (index * 137.508 + 220) % 360;
  return `hsl(${hue.toFixed(1)} 70% ${index % 2 === 0 ? 42 : 34}%)`;
}

/**
 * One uPlot chart. A few series with different x values are aligned with uPlot.join (gaps where a
 * series has no point); many are drawn each on its own x (chart-plot.ts). Hovering shows the x
 * value and the nearest line's value in a read-out above the chart; with few series, uPlot's
 * legend also lists every value at the cursor.
 */
export function MetricChart({ title, series, xMode, log = false, smoothing = 0, height = 260, onDrawn }: MetricChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const [readout, setReadout] = useState('');
  const [drawnSeries, setDrawnSeries] = useState(0);

  const data = useMemo(() => chartData(series, xMode, log, smoothing), [series, xMode, log, smoothing]);
  // What the plot is built from besides its data: new lines, axes or scales need a new uPlot;
  // new data alone (smoothing, a live poll) is handed to the existing one, which keeps the hover.
  const shape = series.map((s, i) => `${s.label}\u0000${s.color ?? seriesColor(i)}`).join('\u0001');
  const plot = useRef<{ plot: uPlot; data: AlignedData } | undefined>(undefined);

  // A layout effect: the plot is drawn before the browser paints, not one frame later (for a
  // large chart on a busy page that frame alone is tens of milliseconds).
  useLayoutEffect(() => {
    const element = holder.current;
    if (!element) return;
    const faceted = isFaceted(series.length);
    const facets = faceted ? facetedOptions() : undefined;
    const options: Options = {
      ...(facets && { mode: facets.mode }),
      width: Math.max(element.clientWidth, 200),
      height,
      legend: { show: series.length <= MAX_JOINED_LINES, live: true },
      cursor: { focus: { prox: 24 }, drag: { x: true, y: false }, ...(facets && { dataIdx: facets.dataIdx }) },
      focus: { alpha: 0.35 },
      scales: { x: { time: xMode === 'time', range: xRange(xMode) }, y: log ? { distr: 3 } : {} },
      axes: [xMode === 'time' ? { label: 'time' } : { label: 'step', incrs: STEP_INCREMENTS }, { size: 64 }],
      series: [
        { label: xMode === 'time' ? 'time' : 'step', value: (_u, v) => (v == null ? '—' : xMode === 'time' ? formatDate(new Date(v * 1000).toISOString()) : String(v)) },
        ...series.map((s, i) => ({
          ...(facets && { facets: facets.facets }),
          label: s.label,
          stroke: s.color ?? seriesColor(i),
          width: series.length > 20 ? 1 : 1.5,
          spanGaps: false,
          // Lines only, except a point with gaps on both sides, which a line cannot show.
          points: { show: false, size: 5, filter: isolatedPoints(faceted) },
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : formatValue(v)),
        })),
      ],
      hooks: {
        setCursor: [(u) => setReadout(describeCursor(u, xMode, faceted))],
        draw: [
          (u) => {
            setDrawnSeries(u.series.length - 1);
            onDrawn?.();
          },
        ],
      },
    };
    const built = new uPlot(options, data, element);
    plot.current = { plot: built, data };
    // The observer also fires once right after observe(): a redraw at the same size would double
    // the first paint of a large chart (100 lines of 1,000 points), so only a new width redraws.
    const resize = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      if (width !== built.width) built.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      built.destroy();
      plot.current = undefined;
    };
    // The data is read when the plot is built and handed over by the effect below afterwards;
    // onDrawn is a notification only: a new function identity must not redraw the chart.
  }, [shape, xMode, log, height]);

  useEffect(() => {
    const current = plot.current;
    if (!current || current.data === data) return;
    current.data = data;
    current.plot.setData(data);
  }, [data]);

  const points = series.reduce((sum, s) => sum + s.x.length, 0);
  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-readout" aria-live="off">
          {readout}
        </span>
      </figcaption>
      <div
        ref={holder}
        class="chart-canvas"
        role="img"
        aria-label={`${title}: ${series.length} ${series.length === 1 ? 'line' : 'lines'}, ${points} points`}
        data-series-count={drawnSeries}
      />
    </figure>
  );
}
