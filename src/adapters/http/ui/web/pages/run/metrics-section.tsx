import { useMemo } from 'preact/hooks';
import type { MetricSummary, Series } from '../../api.js';
import { MetricChart, type ChartSeries } from '../../components/chart.js';
import { Empty } from '../../components/states.js';
import { formatValue } from '../../lib/format.js';
import { plottable } from '../../lib/values.js';
import { setQuery, type Route } from '../../router.js';

export interface ChartSettings {
  xMode: 'step' | 'time';
  log: boolean;
  smoothing: number;
}

/** The chart settings the URL keeps: `x=time`, `log=1`, `smooth=0.6`. */
export function chartSettings(route: Route): ChartSettings {
  const smooth = Number(route.query.get('smooth') ?? '0');
  return {
    xMode: route.query.get('x') === 'time' ? 'time' : 'step',
    log: route.query.get('log') === '1',
    smoothing: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), 0.99) : 0,
  };
}

export function MetricsSection({ route, summaries, series, unfinished }: { route: Route; summaries: MetricSummary[]; series: Map<string, Series>; unfinished: boolean }) {
  const settings = chartSettings(route);
  return (
    <section aria-labelledby="metrics-heading">
      <h2 id="metrics-heading">
        Metrics <span class="muted">({summaries.length})</span>
      </h2>
      {summaries.length === 0 ? (
        <Empty title="No metrics yet">{unfinished ? 'They appear here as the run logs them.' : 'This run logged no metrics.'}</Empty>
      ) : (
        <>
          <SummaryTable summaries={summaries} />
          <ChartControls route={route} settings={settings} />
          <div class="grid run-charts">
            {summaries.map((summary) => (
              <KeyChart key={summary.key} metricKey={summary.key} series={series.get(summary.key)} settings={settings} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function SummaryTable({ summaries }: { summaries: MetricSummary[] }) {
  return (
    <table class="data metric-summary" aria-label="Metric summary">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col" class="num">Last value</th>
          <th scope="col" class="num">Step</th>
          <th scope="col" class="num">Min</th>
          <th scope="col" class="num">Max</th>
          <th scope="col" class="num">Mean</th>
          <th scope="col" class="num">Count</th>
        </tr>
      </thead>
      <tbody>
        {summaries.map((m) => (
          <tr key={m.key}>
            <th scope="row" class="kv-key">{m.key}</th>
            <td class="num">{formatValue(m.last.value)}</td>
            <td class="num">{m.last.step}</td>
            <td class="num">{formatValue(m.min)}</td>
            <td class="num">{formatValue(m.max)}</td>
            <td class="num">{formatValue(m.mean)}</td>
            <td class="num">{m.count.toLocaleString('en-US')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One set of controls for every chart of the run; each lands in the URL. */
function ChartControls({ route, settings }: { route: Route; settings: ChartSettings }) {
  return (
    <div class="toolbar chart-controls">
      <label class="smoothing">
        Smoothing
        <input
          type="range"
          min="0"
          max="0.99"
          step="0.01"
          value={settings.smoothing}
          onInput={(event) => {
            const value = Number(event.currentTarget.value);
            setQuery(route, { smooth: value > 0 ? String(value) : undefined });
          }}
        />
        <output class="mono">{settings.smoothing.toFixed(2)}</output>
      </label>
      <label>
        <input type="checkbox" checked={settings.log} onChange={(event) => setQuery(route, { log: event.currentTarget.checked ? '1' : undefined })} />
        Log scale
      </label>
      <fieldset class="x-axis">
        <legend>X-axis</legend>
        {(['step', 'time'] as const).map((mode) => (
          <label key={mode}>
            <input type="radio" name="x-axis" value={mode} checked={settings.xMode === mode} onChange={() => setQuery(route, { x: mode === 'time' ? 'time' : undefined })} />
            {mode === 'step' ? 'Step' : 'Time'}
          </label>
        ))}
      </fieldset>
    </div>
  );
}

function KeyChart({ metricKey, series, settings }: { metricKey: string; series: Series | undefined; settings: ChartSettings }) {
  const lines = useMemo<ChartSeries[]>(
    () => (series ? [{ label: metricKey, x: settings.xMode === 'time' ? series.timestamps : series.steps, y: series.values.map(plottable) }] : []),
    [series, settings.xMode, metricKey],
  );
  return (
    <div class="run-chart">
      <MetricChart title={metricKey} series={lines} xMode={settings.xMode} log={settings.log} smoothing={settings.smoothing} />
      {series && series.returned < series.total && (
        <p class="muted chart-note">
          {series.returned.toLocaleString('en-US')} of {series.total.toLocaleString('en-US')} points shown (downsampled, extremes kept)
        </p>
      )}
    </div>
  );
}
