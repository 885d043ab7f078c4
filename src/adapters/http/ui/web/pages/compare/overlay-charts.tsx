import { useRef } from 'preact/hooks';
import type { Comparison, Series } from '../../api.js';
import { MetricChart, seriesColor, type ChartSeries } from '../../components/chart.js';
import { ChartControls } from '../../components/chart-controls.js';
import { Empty, ErrorBox } from '../../components/states.js';
import type { ChartSettings } from '../../lib/chart-settings.js';
import { plottable } from '../../lib/values.js';
import { updateQuery } from '../../router.js';
import { compareLabel } from './header.js';
import { MAX_CHART_RUNS, type CompareState } from './state.js';
import type { SeriesState } from './use-series.js';

/** How many metrics get a chart when the URL chooses none. */
const DEFAULT_CHARTS = 2;

export function defaultChartKeys(comparison: Comparison): string[] {
  return comparison.metricComparison.slice(0, DEFAULT_CHARTS).map((m) => m.metricKey);
}

/**
 * One chart per chosen metric, one line per run that logged it, in its chip's colour, for the
 * first MAX_CHART_RUNS runs (more lines would be unreadable and could freeze the tab). The tables
 * above are drawn from the comparison alone; the histories (loaded by the page) never hold them up.
 */
export function OverlayCharts({ state, settings, comparison, metricKeys, series }: { state: CompareState; settings: ChartSettings; comparison: Comparison; metricKeys: string[]; series: SeriesState }) {
  const present = new Set(metricKeys);
  const chosen = (state.metrics ?? defaultChartKeys(comparison)).filter((k) => present.has(k));
  const toChart = useChartSeries(settings.xMode);
  const charted = comparison.runs.slice(0, MAX_CHART_RUNS);
  // A history that failed to arrive is not on its way: its chart must not say "Loading…".
  const failed = series.error !== undefined && !series.loading;

  const choose = (key: string, on: boolean) => {
    const next = on ? metricKeys.filter((k) => k === key || chosen.includes(k)) : chosen.filter((k) => k !== key);
    // An empty choice is kept as such (`metrics=` would read as "the default" again).
    updateQuery({ metrics: next.length > 0 ? next.join(',') : ',' });
  };

  return (
    <section class="compare-section" aria-labelledby="compare-charts">
      <div class="section-head">
        <h2 id="compare-charts">Charts</h2>
        {series.loading && (
          <span class="muted" role="status">
            <span class="spinner inline-spinner" aria-hidden="true" /> Loading histories…
          </span>
        )}
      </div>
      {metricKeys.length === 0 ? (
        <Empty title="No metrics to chart" />
      ) : (
        <>
          <fieldset class="metric-picker">
            <legend>Metrics to chart</legend>
            {metricKeys.map((key) => (
              <label key={key} class="inline-check">
                <input type="checkbox" checked={chosen.includes(key)} onChange={(e) => choose(key, e.currentTarget.checked)} />
                <span class="mono">{key}</span>
              </label>
            ))}
          </fieldset>
          <ChartControls settings={settings} />
          {comparison.runs.length > charted.length && (
            <p class="muted chart-cap" role="note">
              Charts show the first {charted.length} of {comparison.runs.length} runs; the tables above show all of them.
            </p>
          )}
          {failed && series.error && <ErrorBox error={series.error} what="the metric histories" retry={series.retry} />}
          {chosen.length === 0 ? (
            <Empty title="No metric chosen">Tick a metric above to chart it across the runs.</Empty>
          ) : (
            <div class="grid compare-charts">
              {chosen.map((key) => {
                const lines: ChartSeries[] = [];
                let complete = true;
                charted.forEach((run, i) => {
                  const s = series.get(run.runId, key);
                  if (s === undefined) complete = false;
                  else if (s.steps.length > 0) lines.push(toChart(s, compareLabel(run), seriesColor(i)));
                });
                return <CompareChart key={key} metricKey={key} lines={lines} complete={complete} failed={failed} settings={settings} />;
              })}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function CompareChart({ metricKey, lines, complete, failed, settings }: { metricKey: string; lines: ChartSeries[]; complete: boolean; failed: boolean; settings: ChartSettings }) {
  const stable = useStableArray(lines);
  return (
    <div class="compare-chart" data-compare-metric={metricKey}>
      {!complete ? (
        <figure class="chart chart-placeholder" aria-busy={failed ? undefined : 'true'}>
          <figcaption>
            <span class="chart-title">{metricKey}</span>
          </figcaption>
          <div class="chart-loading muted">{failed ? 'Not loaded: the histories could not be loaded (see above).' : 'Loading…'}</div>
        </figure>
      ) : stable.length === 0 ? (
        <Empty title={`No history of ${metricKey}`} />
      ) : (
        <MetricChart title={metricKey} series={stable} xMode={settings.xMode} log={settings.log} smoothing={settings.smoothing} />
      )}
    </div>
  );
}

/**
 * Chart lines made once per history, colour and x mode: MetricChart redraws when its series array
 * changes, so a chart whose lines are the same objects is left alone when another metric loads.
 */
function useChartSeries(xMode: 'step' | 'time'): (s: Series, label: string, color: string) => ChartSeries {
  const made = useRef(new Map<string, { source: Series; line: ChartSeries }>());
  return (s, label, color) => {
    const id = `${s.runId}\u0000${s.key}\u0000${xMode}\u0000${color}\u0000${label}`;
    const known = made.current.get(id);
    if (known && known.source === s) return known.line;
    const line: ChartSeries = { label, color, x: xMode === 'time' ? s.timestamps : s.steps, y: s.values.map(plottable) };
    made.current.set(id, { source: s, line });
    return line;
  };
}

/** The previous array when it holds the same elements, so memoised children see no change. */
function useStableArray<T>(items: T[]): T[] {
  const previous = useRef(items);
  const same = previous.current.length === items.length && previous.current.every((item, i) => item === items[i]);
  if (!same) previous.current = items;
  return previous.current;
}
