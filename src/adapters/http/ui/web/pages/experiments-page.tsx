import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type Experiment, type ExperimentSummary } from '../api.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { hrefFor, navigate, type Route } from '../router.js';
import { ConfirmDeleteDialog } from './experiments/confirm-delete.js';
import { ExperimentFormDialog, type ExperimentFields } from './experiments/experiment-form.js';
import { ExperimentTable, type RowActions } from './experiments/experiment-table.js';
import { FilterBar } from './experiments/filter-bar.js';
import { GettingStarted } from './experiments/getting-started.js';
import { readListQuery, updateListUrl } from './experiments/list-query.js';
import { useExperimentList } from './experiments/use-experiment-list.js';
import { canWrite } from '../session.js';
import { useSession } from '../use-session.js';
import './experiments/experiments.css';

type Dialog = { kind: 'create' } | { kind: 'edit'; experiment: ExperimentSummary } | { kind: 'delete'; experiment: ExperimentSummary };

/** A line saying what just happened, with a way back for a deletion. */
interface Notice {
  text: string;
  undo?: ExperimentSummary;
  link?: { href: string; label: string };
  error?: boolean;
}

/** `#/`: every experiment, searchable by name and tags; create, edit, delete and restore them. */
export function ExperimentsPage({ route }: { route: Route }) {
  const auth = useSession();
  const search = route.query.toString();
  const query = useMemo(() => readListQuery(route), [search]);
  const list = useExperimentList(query);
  const [dialog, setDialog] = useState<Dialog | undefined>(undefined);
  const [notice, setNotice] = useState<Notice | undefined>(undefined);
  const [restoreErrors, setRestoreErrors] = useState<Record<string, string>>({});
  const [restoring, setRestoring] = useState<string | undefined>(undefined);
  useEffect(() => setRestoreErrors({}), [search]);

  const filtered = query.q.trim() !== '' || query.tags.length > 0;
  const experiments = list.experiments;
  // Every tag on the listed experiments is a chip; a selected one stays even when nothing matches.
  const tags = useMemo(() => [...new Set([...(experiments ?? []).flatMap((e) => e.tags), ...query.tags])].sort(), [experiments, query.tags]);

  const restore = async (experiment: ExperimentSummary, fromUndo = false) => {
    setRestoring(experiment.id);
    try {
      await api.post<Experiment>(`experiments/${encodeURIComponent(experiment.id)}/restore`);
      setRestoreErrors(({ [experiment.id]: _, ...rest }) => rest);
      setNotice({ text: `Restored “${experiment.name}”.`, link: { href: hrefFor(['experiments', experiment.id]), label: 'Open it' } });
      list.reload();
    } catch (error) {
      const message =
        error instanceof ApiError && error.status === 409
          ? `Cannot restore: an active experiment is already named “${experiment.name}”. Rename that one first.`
          : `Cannot restore: ${error instanceof ApiError ? error.detail : String(error)}`;
      if (fromUndo) setNotice({ text: message, error: true });
      else setRestoreErrors((errors) => ({ ...errors, [experiment.id]: message }));
    } finally {
      setRestoring(undefined);
    }
  };

  const actions: RowActions = {
    edit: (experiment) => setDialog({ kind: 'edit', experiment }),
    remove: (experiment) => setDialog({ kind: 'delete', experiment }),
    restore: (experiment) => void restore(experiment),
    restoreErrors,
    restoring,
  };

  const create = async (fields: ExperimentFields) => {
    const created = await api.post<Experiment>('experiments', { name: fields.name, tags: fields.tags, ...(fields.description.trim() ? { description: fields.description } : {}) });
    navigate(hrefFor(['experiments', created.id]));
  };

  const edit = (experiment: ExperimentSummary) => async (fields: ExperimentFields) => {
    const patch = changes(experiment, fields);
    if (Object.keys(patch).length > 0) {
      const saved = await api.patch<Experiment>(`experiments/${encodeURIComponent(experiment.id)}`, patch);
      setNotice({ text: `Saved “${saved.name}”.` });
      list.reload();
    }
    setDialog(undefined);
  };

  const clearFilters = () => updateListUrl({ q: '', tags: [] });

  return (
    <section class="experiments-page" aria-labelledby="experiments-title">
      <div class="page-header">
        <div>
          <h1 id="experiments-title">{query.trash ? 'Deleted experiments' : 'Experiments'}</h1>
          <p class="muted page-subtitle" aria-live="polite">
            {experiments && experiments.length > 0 ? countText(experiments.length, list.hasMore, query.trash) : ' '}
          </p>
        </div>
        {canWrite(auth) && (
          <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })}>
            New experiment
          </button>
        )}
      </div>

      <FilterBar query={query} tags={tags} />

      {query.trash && (
        <p class="trash-note">
          The trash: deleted experiments keep their runs and stay readable. Restore one to use it again.{' '}
          <button type="button" class="link" onClick={() => updateListUrl({ trash: false }, { replace: false })}>
            Back to the active experiments
          </button>
        </p>
      )}

      {notice && (
        <div class={notice.error ? 'notice notice-error' : 'notice'} role={notice.error ? 'alert' : 'status'}>
          <span>{notice.text}</span>
          {notice.undo && (
            <button type="button" onClick={() => notice.undo && void restore(notice.undo, true)}>
              Undo
            </button>
          )}
          {notice.link && <a href={notice.link.href}>{notice.link.label}</a>}
          <button type="button" class="link" aria-label="Dismiss" onClick={() => setNotice(undefined)}>
            ×
          </button>
        </div>
      )}

      {list.error && !list.loading ? (
        <ErrorBox error={list.error} what="experiments" retry={list.reload} />
      ) : !experiments ? (
        <Loading what="experiments" />
      ) : experiments.length === 0 ? (
        <EmptyList trash={query.trash} filtered={filtered} clearFilters={clearFilters} create={() => setDialog({ kind: 'create' })} />
      ) : (
        <div aria-busy={list.loading}>
          <ExperimentTable experiments={experiments} query={query} actions={actions} />
          {list.hasMore && (
            <div class="load-more">
              <button type="button" disabled={list.loadingMore} onClick={list.loadMore}>
                {list.loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          )}
          {list.moreError && <ErrorBox error={list.moreError} what="more experiments" retry={list.loadMore} />}
          {!query.trash && !filtered && !list.hasMore && experiments.every((e) => e.runCount === 0) && (
            <div class="card no-runs">
              <strong>No runs logged yet</strong>
              <GettingStarted />
            </div>
          )}
        </div>
      )}

      {dialog?.kind === 'create' && (
        <ExperimentFormDialog title="New experiment" submitLabel="Create" initial={{ name: '', description: '', tags: [] }} submit={create} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'edit' && (
        <ExperimentFormDialog
          title={`Edit “${dialog.experiment.name}”`}
          submitLabel="Save"
          initial={{ name: dialog.experiment.name, description: dialog.experiment.description ?? '', tags: dialog.experiment.tags }}
          submit={edit(dialog.experiment)}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDeleteDialog
          experiment={dialog.experiment}
          onClose={() => setDialog(undefined)}
          onDeleted={() => {
            setDialog(undefined);
            setNotice({ text: `Moved “${dialog.experiment.name}” to the trash.`, undo: dialog.experiment });
            list.reload();
          }}
        />
      )}
    </section>
  );
}

function EmptyList({ trash, filtered, clearFilters, create }: { trash: boolean; filtered: boolean; clearFilters: () => void; create: () => void }) {
  if (filtered) {
    return (
      <Empty title={trash ? 'No deleted experiment matches' : 'No experiment matches'}>
        <p>Nothing has this name and all the selected tags.</p>
        <button type="button" onClick={clearFilters}>
          Clear filters
        </button>
      </Empty>
    );
  }
  if (trash) return <Empty title="The trash is empty">Deleted experiments show here until they are restored.</Empty>;
  return (
    <Empty title="Create your first experiment">
      <p>An experiment groups the runs of one question: their parameters, metrics and artifacts.</p>
      {canWrite() && (
        <button type="button" class="primary" onClick={create}>
          New experiment
        </button>
      )}
      <GettingStarted />
    </Empty>
  );
}

/** Only what the person changed: `tags` replace the whole set, so unchanged ones are not sent. */
function changes(experiment: ExperimentSummary, fields: ExperimentFields): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (fields.name !== experiment.name) patch.name = fields.name;
  if (fields.description !== (experiment.description ?? '')) patch.description = fields.description;
  if ([...fields.tags].sort().join(',') !== [...experiment.tags].sort().join(',')) patch.tags = fields.tags;
  return patch;
}

function countText(count: number, more: boolean, trash: boolean): string {
  const noun = count === 1 ? 'experiment' : 'experiments';
  if (more) return `Showing the first ${count} ${trash ? 'deleted ' : ''}${noun}`;
  return `${count} ${trash ? 'deleted ' : ''}${noun}`;
}
