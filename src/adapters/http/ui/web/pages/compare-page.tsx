import { useMemo } from 'preact/hooks';
import { api, ApiError, type Comparison } from '../api.js';
import { useChartSettings } from '../components/chart-controls.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/states.js';
import type { ChartSettings } from '../lib/chart-settings.js';
import { hrefFor, updateQuery, type Route } from '../router.js';
import { CompareHeader } from './compare/header.js';
import { MetricTable } from './compare/metric-table.js';
import { defaultChartKeys, OverlayCharts } from './compare/overlay-charts.js';
import { ParallelCoordinates } from './compare/parallel-coordinates.js';
import { ParameterDiff } from './compare/parameter-diff.js';
import { compareBody, MAX_CHART_RUNS, readState, stateKey, type CompareState } from './compare/state.js';
import { useSeries, type SeriesState } from './compare/use-series.js';
import './compare/compare.css';

/** `#/compare?runs=a,b,c`: hand-picked runs side by side (docs/ui.md, "Compare"). */
export function ComparePage({ route }: { route: Route }) {
  const queryKey = stateKey(route.query);
  // The same object until one of its query values changes (the chart settings are read apart).
  const state = useMemo(() => readState(route.query), [queryKey]);
  const settings = useChartSettings(route.query);
  const { runIds, goals } = state;
  const runsKey = runIds.join(',');
  const goalsKey = JSON.stringify(goals);
  const comparison = useAsync<Comparison | undefined>(
    (signal) => (runIds.length === 0 ? Promise.resolve(undefined) : api.post<Comparison>('runs/compare', compareBody(state), signal)),
    [runsKey, goalsKey],
  );
  const data = comparison.data;
  // The data on screen may be of the previous URL while the new answer is on its way.
  const current = data !== undefined && data.runs.length === runIds.length && data.runs.every((r, i) => r.runId === runIds[i]);
  // The histories are asked for alongside the comparison when the URL names the metrics (a shared
  // link, a reload): the charts then wait for the slower answer only, not for both in turn.
  const chartKeys = state.metrics ?? (current && data ? defaultChartKeys(data) : []);
  const series = useSeries(runIds.slice(0, MAX_CHART_RUNS), chartKeys);
  const removeRun = (id: string) => updateQuery({ runs: runIds.filter((r) => r !== id).join(',') }, { replace: false });

  if (runIds.length === 0) return <NoRuns />;

  return (
    <div class="compare-page">
      <CompareHeader runIds={runIds} comparison={current ? data : undefined} onRemove={removeRun} />
      {comparison.error && !comparison.loading ? (
        <CompareError error={comparison.error} runIds={runIds} onRemove={removeRun} retry={comparison.reload} />
      ) : !current || !data ? (
        <Loading what="the comparison" />
      ) : (
        <CompareBody state={state} settings={settings} comparison={data} series={series} />
      )}
    </div>
  );
}

function CompareBody({ state, settings, comparison, series }: { state: CompareState; settings: ChartSettings; comparison: Comparison; series: SeriesState }) {
  const goalsKey = JSON.stringify(state.goals);
  const metricKeys = useMemo(() => comparison.metricComparison.map((m) => m.metricKey), [comparison]);
  // With 100 runs the tables and the plot are thousands of elements: arriving histories and the
  // chart controls re-render the page, and must not make Preact walk them again. They depend on
  // their own query values only (their callbacks write to the URL as it is when used).
  const tables = useMemo(
    () => (
      <>
        <ParameterDiff comparison={comparison} onlyDiff={state.onlyDiff} onOnlyDiff={(on) => updateQuery({ only: on ? 'diff' : undefined })} />
        <MetricTable comparison={comparison} goals={state.goals} />
      </>
    ),
    [comparison, state.onlyDiff, goalsKey],
  );
  const plot = useMemo(() => <ParallelCoordinates comparison={comparison} metricKey={state.pc} onMetric={(key) => updateQuery({ pc: key })} />, [comparison, state.pc]);
  return (
    <>
      {comparison.runs.length === 1 && (
        <p class="compare-note" role="note">
          A comparison needs two or more runs: these are this run's values alone. Pick more runs on an experiment's page and choose Compare.
        </p>
      )}
      {tables}
      <OverlayCharts state={state} settings={settings} comparison={comparison} metricKeys={metricKeys} series={series} />
      {plot}
    </>
  );
}

function NoRuns() {
  return (
    <div class="compare-page">
      <div class="page-header">
        <div>
          <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href={hrefFor([])}>Experiments</a> / Compare
          </nav>
          <h1>Compare runs</h1>
        </div>
      </div>
      <Empty title="No runs to compare">
        Open an experiment, tick two or more runs in its run table and choose <strong>Compare</strong>.{' '}
        <a href={hrefFor([])}>Go to the experiments</a>
      </Empty>
    </div>
  );
}

/** The API's 404 names the first unknown run; offering to drop it from the URL fixes a stale link. */
function CompareError({ error, runIds, onRemove, retry }: { error: Error; runIds: string[]; onRemove: (id: string) => void; retry: () => void }) {
  const notFound = error instanceof ApiError && error.status === 404;
  const missing = notFound ? runIds.find((id) => error.detail.includes(`'${id}'`)) : undefined;
  return (
    <div class="compare-error">
      <ErrorBox error={error} what={notFound ? 'Run' : 'the comparison'} retry={retry} />
      {missing !== undefined && (
        <p>
          <button type="button" class="link" onClick={() => onRemove(missing)}>
            Remove run {missing} from the comparison
          </button>
        </p>
      )}
    </div>
  );
}
