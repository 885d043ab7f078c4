import { ApiError } from '../api.js';
import { useChartSettings } from '../components/chart-controls.js';
import { ErrorBox, Loading } from '../components/states.js';
import type { Route } from '../router.js';
import { ArtifactsSection } from './run/artifacts-section.js';
import { KeyValueTables } from './run/key-value-tables.js';
import { Lineage } from './run/lineage.js';
import { MetricsSection } from './run/metrics-section.js';
import { RunHeader } from './run/run-header.js';
import { isUnfinished, useRunData } from './run/use-run-data.js';
import './run/run.css';

/** `#/runs/<id>`: one run, its metrics as charts (live while it runs), its artifacts and lineage. */
export function RunPage({ id, route }: { id: string; route: Route }) {
  const { data, error, refreshError, live, retry } = useRunData(id);
  const settings = useChartSettings(route.query);
  // ErrorBox says "<what> not found" for a 404, "Could not load <what>" otherwise.
  if (error) return <ErrorBox error={error} what={error instanceof ApiError && error.status === 404 ? 'Run' : 'the run'} retry={retry} />;
  if (!data) return <Loading what="the run" />;
  const { run, children, summaries, series } = data;
  return (
    <div class="run-page">
      <RunHeader run={run} live={live} refreshError={refreshError} />
      <Lineage run={run} children={children} />
      <KeyValueTables run={run} />
      <MetricsSection settings={settings} summaries={summaries} series={series} unfinished={isUnfinished(run.status)} />
      <ArtifactsSection run={run} />
    </div>
  );
}
