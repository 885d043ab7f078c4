import { useState } from 'preact/hooks';
import type { Comparison } from '../../api.js';
import { seriesColor } from '../../components/chart.js';
import { Empty } from '../../components/states.js';
import { formatValue } from '../../lib/format.js';
import { compareLabel } from './header.js';
import { parallelAxes, SEQUENTIAL_GRADIENT, sequentialColor, type Axis } from './parallel-layout.js';

const TOP = 44;
const BOTTOM = 284;
const MISSING = 312;
const HEIGHT = 330;
const SIDE = 70;

/**
 * Parameters to a metric: one vertical axis per parameter and a last one for the chosen metric,
 * one line per run. Lines are coloured by the metric (a sequential scale, dark = low) or by run.
 * A run lacking a value sits at the "missing" tick below that axis.
 */
export function ParallelCoordinates({ comparison, metricKey, onMetric }: { comparison: Comparison; metricKey: string | undefined; onMetric: (key: string) => void }) {
  const [colourBy, setColourBy] = useState<'metric' | 'run'>('metric');
  const keys = comparison.metricComparison.map((m) => m.metricKey);
  const metric = metricKey !== undefined && keys.includes(metricKey) ? metricKey : keys[0];
  const axes = parallelAxes(comparison, metric);
  const metricAxis = metric === undefined ? undefined : axes[axes.length - 1];
  const byMetric = colourBy === 'metric' && metricAxis !== undefined;

  return (
    <section class="compare-section" aria-labelledby="compare-pc">
      <div class="section-head">
        <h2 id="compare-pc">Parameters to metric</h2>
      </div>
      {comparison.parameterDiff.length === 0 ? (
        <Empty title="No parameters to plot" />
      ) : (
        <>
          <div class="toolbar">
            {metric !== undefined && (
              <span class="inline-field">
                <label for="pc-metric">Metric</label>
                <select id="pc-metric" value={metric} onChange={(e) => onMetric(e.currentTarget.value)}>
                  {keys.map((k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </select>
              </span>
            )}
            <span class="inline-field">
              <label for="pc-colour">Colour lines by</label>
              <select id="pc-colour" value={colourBy} onChange={(e) => setColourBy(e.currentTarget.value === 'run' ? 'run' : 'metric')}>
                <option value="metric" disabled={metric === undefined}>
                  metric value
                </option>
                <option value="run">run</option>
              </select>
            </span>
            {byMetric && metric !== undefined && <ColourLegend comparison={comparison} metric={metric} />}
          </div>
          <Plot comparison={comparison} axes={axes} metricAxis={metricAxis} byMetric={byMetric} metric={metric} />
        </>
      )}
    </section>
  );
}

function Plot({ comparison, axes, metricAxis, byMetric, metric }: { comparison: Comparison; axes: Axis[]; metricAxis: Axis | undefined; byMetric: boolean; metric: string | undefined }) {
  const gap = Math.min(Math.max(1140 / Math.max(axes.length - 1, 1), 110), 220);
  const width = SIDE * 2 + gap * Math.max(axes.length - 1, 1);
  const xOf = (i: number) => SIDE + (axes.length === 1 ? gap / 2 : i * gap);
  const yOf = (p: number | null) => (p === null ? MISSING : BOTTOM - p * (BOTTOM - TOP));
  const anyMissing = axes.some((a) => a.hasMissing);
  const paramCount = metricAxis ? axes.length - 1 : axes.length;
  return (
    <div class="pc-scroll">
      <svg
        class="pc-plot"
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={`Parallel coordinates: ${comparison.runs.length} runs across ${paramCount} parameters${metric ? ` to ${metric}` : ''}`}
      >
        {axes.map((axis, i) => (
          // A parameter and the metric may share a name (`epochs`): keyed by name alone, Preact would mix them up.
          <g key={`${axis.kind === 'metric' ? 'metric' : 'param'}:${axis.key}`} class={`pc-axis pc-axis-${axis.kind}`} transform={`translate(${xOf(i)} 0)`}>
            <title>{axis.key}</title>
            <line y1={TOP} y2={BOTTOM} />
            <text class="pc-axis-label" y={TOP - 22} text-anchor="middle">
              {shorten(axis.key)}
            </text>
            {axis.ticks.map((t) => (
              <g key={`${t.at}:${t.label}`} transform={`translate(0 ${yOf(t.at)})`}>
                <line x1={-4} x2={4} />
                <text class="pc-tick" x={7} dy="0.32em">
                  {shorten(t.label, 14)}
                </text>
              </g>
            ))}
            {anyMissing && axis.hasMissing && (
              <g transform={`translate(0 ${MISSING})`}>
                <circle r={2.5} />
                <text class="pc-tick pc-missing" x={7} dy="0.32em">
                  missing
                </text>
              </g>
            )}
          </g>
        ))}
        <g class="pc-lines">
          {comparison.runs.map((run, r) => {
            const d = axes.map((axis, i) => `${i === 0 ? 'M' : 'L'}${xOf(i).toFixed(1)},${yOf(axis.positions[r] ?? null).toFixed(1)}`).join('');
            const position = metricAxis?.positions[r] ?? null;
            const stroke = byMetric ? (position === null ? '#9ca3af' : sequentialColor(position)) : seriesColor(r);
            const value = metric === undefined ? undefined : comparison.metricComparison.find((m) => m.metricKey === metric)?.values[run.runId];
            return (
              <path key={run.runId} class="pc-line" data-run-id={run.runId} d={axes.length === 1 ? `${d}h1` : d} stroke={stroke}>
                <title>{`${compareLabel(run)}${metric ? ` · ${metric}: ${value === undefined ? '—' : formatValue(value)}` : ''}`}</title>
              </path>
            );
          })}
        </g>
      </svg>
    </div>
  );
}

function ColourLegend({ comparison, metric }: { comparison: Comparison; metric: string }) {
  const ticks = parallelAxes({ ...comparison, parameterDiff: [] }, metric)[0]?.ticks ?? [];
  const [low, high] = [ticks[0], ticks[ticks.length - 1]];
  // One value (or none) makes no scale to explain.
  if (!low || !high || ticks.length < 2) return null;
  return (
    <span class="pc-legend" aria-label={`Line colour: ${metric} from ${low.label} (dark) to ${high.label} (light)`}>
      <span class="mono">{low.label}</span>
      <span class="pc-gradient" style={{ background: `linear-gradient(to right, ${SEQUENTIAL_GRADIENT.map((s) => `${s.color} ${s.offset * 100}%`).join(', ')})` }} />
      <span class="mono">{high.label}</span>
    </span>
  );
}

function shorten(text: string, max = 22): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
