import { useId, useMemo } from 'preact/hooks';
import { chartSettingsKey, chartSettingsQuery, MAX_SMOOTHING, readChartSettings, type ChartSettings } from '../lib/chart-settings.js';
import { updateQuery } from '../router.js';
import './chart-controls.css';

/**
 * The chart settings of the current URL, the same object until one of them changes: charts and
 * memoised parts of a page are not redrawn when another query value (a filter, a chosen metric) moves.
 */
export function useChartSettings(query: URLSearchParams): ChartSettings {
  const key = chartSettingsKey(query);
  // key stands for the three query values the settings are read from.
  return useMemo(() => readChartSettings(query), [key]);
}

/** Writes settings to the URL as it is when the control is used, whatever render drew the control. */
export function writeChartSettings(changes: Partial<ChartSettings>): void {
  updateQuery(chartSettingsQuery(changes));
}

/** Smoothing, log scale and x-axis for every chart of a page; each lands in the URL. */
export function ChartControls({ settings }: { settings: ChartSettings }) {
  const id = useId();
  return (
    <div class="toolbar chart-controls">
      <span class="chart-control">
        <label for={`${id}-smoothing`}>Smoothing</label>
        <input
          id={`${id}-smoothing`}
          type="range"
          min="0"
          max={String(MAX_SMOOTHING)}
          step="0.01"
          value={settings.smoothing}
          onInput={(event) => writeChartSettings({ smoothing: Number(event.currentTarget.value) })}
        />
        <output class="mono" for={`${id}-smoothing`}>
          {settings.smoothing.toFixed(2)}
        </output>
      </span>
      <label class="chart-control">
        <input type="checkbox" checked={settings.log} onChange={(event) => writeChartSettings({ log: event.currentTarget.checked })} />
        Log scale
      </label>
      <fieldset class="chart-control chart-x-axis">
        <legend>X-axis</legend>
        {(['step', 'time'] as const).map((mode) => (
          <label key={mode}>
            <input type="radio" name={`${id}-x-axis`} value={mode} checked={settings.xMode === mode} onChange={() => writeChartSettings({ xMode: mode })} />
            {mode === 'step' ? 'Step' : 'Time'}
          </label>
        ))}
      </fieldset>
    </div>
  );
}
