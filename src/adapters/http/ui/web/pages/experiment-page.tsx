import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type ExperimentSummary, type ParameterSpaceEntry } from '../api.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/states.js';
import { formatCount } from '../lib/format.js';
import { addCondition, sortTerm } from '../lib/search.js';
import { hrefFor, navigate, setQuery, type Route } from '../router.js';
import { ColumnChooser } from './experiment/column-chooser.js';
import { allColumns, DEFAULT_SORT, parseSort, visibleColumns, type Column } from './experiment/columns.js';
import { ExperimentHeader } from './experiment/experiment-header.js';
import { FilterBox } from './experiment/filter-box.js';
import { ParamSpace } from './experiment/param-space.js';
import { RunTable } from './experiment/run-table.js';
import { SelectionBar, MAX_SELECTION } from './experiment/selection-bar.js';
import { useRunPages } from './experiment/use-runs.js';
import './experiment/experiment.css';

/**
 * `#/experiments/<id>`: the run table. The table reads `GET /api/experiments/:id/runs` a page at a
 * time (the first page small, so rows show at once). The header is the experiment's summary
 * (`GET /api/experiments/:id/summary`: no runs, whatever their number), read at once beside the
 * table's first page; its `runCount` is the "of M" while the unfiltered table loads. The
 * parameter space is read after the first page, so the table never waits behind it.
 */
export function ExperimentPage({ id, route }: { id: string; route: Route }) {
  const filter = route.query.get('filter') ?? '';
  const sortParam = route.query.get('sort');
  const sort = parseSort(sortParam);
  const [generation, setGeneration] = useState(0);
  const pages = useRunPages(id, filter, sortParam ?? '', generation);

  const header = useAsync<ExperimentSummary>((signal) => api.get<ExperimentSummary>(`experiments/${encodeURIComponent(id)}/summary`, undefined, signal), [id], {
    early: true,
  });
  // The parameter space counts values over every run: only once the table's first page is in.
  const [started, setStarted] = useState(false);
  useEffect(() => {
    if (!pages.loading) setStarted(true);
  }, [pages.loading]);
  const space = useAsync<ParameterSpaceEntry[] | undefined>(
    (signal) => (started ? api.get<{ parameters: ParameterSpaceEntry[] }>(`experiments/${encodeURIComponent(id)}/params`, undefined, signal).then((r) => r.parameters) : Promise.resolve(undefined)),
    [id, started],
  );

  const paramKeys = useMemo(() => mergeKeys(space.data?.map((p) => p.key) ?? [], pages.paramKeys), [space.data, pages.paramKeys]);
  const columns = useMemo(() => allColumns(paramKeys, pages.metricKeys), [paramKeys, pages.metricKeys]);
  const cols = route.query.get('cols');
  const shown = useMemo(() => visibleColumns(columns, cols, paramKeys, pages.metricKeys), [columns, cols, paramKeys, pages.metricKeys]);
  const selected = useMemo(() => new Set((route.query.get('sel') ?? '').split(',').filter((s) => s !== '')), [route.query.get('sel')]);
  const [chooserOpen, setChooserOpen] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();

  const notFound = [pages.error, header.error].find((e) => e instanceof ApiError && e.status === 404);
  if (notFound) return <ErrorBox error={notFound} what="Experiment" />;

  const filterError = pages.error instanceof ApiError ? pages.error.forField('/filter') : undefined;
  const sortError = pages.error instanceof ApiError ? pages.error.forField('/orderBy') : undefined;
  const otherError = pages.error && filterError === undefined && sortError === undefined ? pages.error : undefined;

  const applyFilter = (next: string) => setQuery(route, { filter: next || undefined, sel: route.query.get('sel') ?? undefined });
  const onSort = (column: Column) => {
    const direction = sort.field === column.id && sort.direction === 'asc' ? 'desc' : 'asc';
    const next = { field: column.id, direction } as const;
    const isDefault = next.field === DEFAULT_SORT.field && next.direction === DEFAULT_SORT.direction;
    setQuery(route, { sort: isDefault ? undefined : sortTerm(next) });
  };
  const onSelect = (ids: string[], on: boolean) => {
    const next = new Set(selected);
    let capped = false;
    for (const runId of ids) {
      if (!on) next.delete(runId);
      else if (next.size < MAX_SELECTION) next.add(runId);
      else capped = !next.has(runId) || capped;
    }
    setNotice(capped ? `Selected the first ${formatCount(MAX_SELECTION)} runs: a comparison takes at most ${formatCount(MAX_SELECTION)}.` : undefined);
    setQuery(route, { sel: [...next].join(',') || undefined });
  };

  const total = header.data?.runCount;
  return (
    <div class="experiment-page">
      <ExperimentHeader experiment={header.data} id={id} failed={header.error !== undefined && !header.loading} />
      {header.error && <ErrorBox error={header.error} what="the experiment's details" retry={header.reload} />}
      {space.data && (
        <ParamSpace parameters={space.data} onPick={(condition) => applyFilter(addCondition(filter, condition))} />
      )}
      <FilterBox applied={filter} onApply={applyFilter} error={filterError} />
      <div class="toolbar table-toolbar">
        <LoadStatus failed={pages.error !== undefined} loading={pages.loading} done={pages.done} loaded={pages.runs.length} total={filter === '' ? total : undefined} filtered={filter !== ''} />
        <span class="spacer" />
        <button type="button" onClick={() => setChooserOpen(true)} aria-haspopup="dialog">
          Columns ({shown.length} of {columns.length})
        </button>
        <SelectionBar selected={[...selected]} onClear={() => onSelect([...selected], false)} onCompare={(ids) => navigate(hrefFor(['compare'], { runs: ids.join(',') }))} />
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {sortError && (
        <div class="field-error sort-error" role="alert">
          Cannot sort by <code>{sortParam}</code>: {sortError}{' '}
          <button type="button" class="link" onClick={() => setQuery(route, { sort: undefined })}>
            Sort by start instead
          </button>
        </div>
      )}
      {otherError && <ErrorBox error={otherError} what="runs" retry={() => setGeneration((g) => g + 1)} />}
      <TableArea pages={pages} filter={filter} experimentId={id} error={pages.error !== undefined} onClearFilter={() => applyFilter('')}>
        <RunTable runs={pages.runs} columns={shown} sort={sort} onSort={onSort} selected={selected} onSelect={onSelect} stale={pages.loading} query={`${filter}\n${sortParam ?? ''}`} />
      </TableArea>
      {chooserOpen && (
        <ColumnChooser
          onClose={() => setChooserOpen(false)}
          columns={columns}
          visible={new Set(shown.map((c) => c.id))}
          onChange={(ids) => setQuery(route, { cols: ids === undefined ? undefined : ids.join(',') })}
        />
      )}
    </div>
  );
}

function TableArea(props: { pages: ReturnType<typeof useRunPages>; filter: string; experimentId: string; error: boolean; onClearFilter: () => void; children: ComponentChildren }) {
  const { pages, filter } = props;
  if (pages.loading && pages.runs.length === 0) return props.error ? null : <Loading what="runs" />;
  if (props.error && pages.runs.length === 0) return null;
  if (pages.done && pages.runs.length === 0) {
    return filter !== '' ? (
      <Empty title="No runs match the filter">
        <button type="button" onClick={props.onClearFilter}>
          Clear the filter
        </button>
      </Empty>
    ) : (
      <Empty title="No runs yet">
        Runs appear here as training scripts log them: <code>POST /api/experiments/{props.experimentId}/runs</code>, or an MLflow client with{' '}
        <code>mlflow.set_experiment(experiment_id="{props.experimentId}")</code>.
      </Empty>
    );
  }
  return <>{props.children}</>;
}

function LoadStatus({ failed, loading, done, loaded, total, filtered }: { failed: boolean; loading: boolean; done: boolean; loaded: number; total: number | undefined; filtered: boolean }) {
  const n = formatCount;
  let text: string;
  if (failed) text = loaded > 0 ? `${n(loaded)} runs loaded (the rest failed)` : 'No runs shown';
  else if (loading) text = loaded > 0 ? 'Updating…' : 'Loading runs…';
  else if (done) text = filtered ? `${n(loaded)} ${loaded === 1 ? 'run matches' : 'runs match'}` : `${n(loaded)} ${loaded === 1 ? 'run' : 'runs'}`;
  // The count was read beside the first page: runs logged since may outnumber it, and then it says nothing.
  else text = `Loaded ${n(loaded)}${total !== undefined && total >= loaded ? ` of ${n(total)}` : ''} runs, loading more…`;
  return (
    <span class="load-status" role="status" aria-live="polite" data-done={done}>
      {!done && !failed && <span class="spinner small" aria-hidden="true" />}
      {text}
    </span>
  );
}

function mergeKeys(a: string[], b: string[]): string[] {
  return a.length === 0 ? b : [...new Set([...a, ...b])].sort();
}
