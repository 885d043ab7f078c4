import { useMemo } from 'preact/hooks';
import type { MetricSummary, Series } from '../../api.js';
import { MetricChart, type ChartSeries } from '../../components/chart.js';
import { ChartControls } from '../../components/chart-controls.js';
import { Empty } from '../../components/states.js';
import type { ChartSettings } from '../../lib/chart-settings.js';
import { formatCount, formatValue } from '../../lib/format.js';
import { plottable } from '../../lib/values.js';

export function MetricsSection({ settings, summaries, series, unfinished }: { settings: ChartSettings; summaries: MetricSummary[]; series: Map<string, Series>; unfinished: boolean }) {
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
          <ChartControls settings={settings} />
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
            <td class="num">{formatCount(m.count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
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
          {formatCount(series.returned)} of {formatCount(series.total)} points shown (downsampled, extremes kept)
        </p>
      )}
    </div>
  );
}
