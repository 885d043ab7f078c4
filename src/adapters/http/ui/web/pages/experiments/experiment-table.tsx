import type { ExperimentSummary } from '../../api.js';
import { formatDate } from '../../lib/format.js';
import { hrefFor } from '../../router.js';
import { canWrite } from '../../session.js';
import { updateListUrl, type ListQuery, type Sort, type SortField } from './list-query.js';

export interface RowActions {
  edit: (experiment: ExperimentSummary) => void;
  remove: (experiment: ExperimentSummary) => void;
  restore: (experiment: ExperimentSummary) => void;
  /** A restore refused (a name clash), shown under that row's button. */
  restoreErrors: Record<string, string>;
  restoring: string | undefined;
}

/** The experiments as a table; the name and date headers sort through the API. */
export function ExperimentTable({ experiments, query, actions }: { experiments: ExperimentSummary[]; query: ListQuery; actions: RowActions }) {
  const selectTag = (tag: string) => {
    if (!query.tags.includes(tag)) updateListUrl({ tags: [...query.tags, tag] });
  };
  return (
    <div class="table-scroll">
      <table class="data experiments-table">
        <caption class="visually-hidden">{query.trash ? 'Deleted experiments' : 'Experiments'}</caption>
        <thead>
          <tr>
            <SortHeader field="name" label="Name" sort={query.sort} />
            <th scope="col">Description</th>
            <th scope="col">Tags</th>
            <th scope="col" class="num">
              Runs
            </th>
            <SortHeader field="createdAt" label="Created" sort={query.sort} />
            <SortHeader field="updatedAt" label="Updated" sort={query.sort} />
            <th scope="col">Created by</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {experiments.map((experiment) => (
            <tr key={experiment.id}>
              <th scope="row" class="experiment-name">
                <a href={hrefFor(['experiments', experiment.id])}>{experiment.name}</a>
              </th>
              <td class="experiment-description muted" title={experiment.description}>
                {experiment.description}
              </td>
              <td>
                <span class="row-tags">
                  {experiment.tags.map((tag) => (
                    <button
                      key={tag}
                      type="button"
                      class="chip"
                      aria-pressed={query.tags.includes(tag)}
                      title={`Show only experiments tagged “${tag}”`}
                      onClick={() => selectTag(tag)}
                    >
                      {tag}
                    </button>
                  ))}
                </span>
              </td>
              <td class="num">{experiment.runCount}</td>
              <td class="date">
                <time dateTime={experiment.createdAt} title={experiment.createdAt}>
                  {formatDate(experiment.createdAt)}
                </time>
              </td>
              <td class="date">
                <time dateTime={experiment.updatedAt} title={experiment.updatedAt}>
                  {formatDate(experiment.updatedAt)}
                </time>
              </td>
              <td>{experiment.createdBy}</td>
              <td class="row-actions">{experiment.lifecycleStage === 'deleted' ? <RestoreCell experiment={experiment} actions={actions} /> : <ActiveCell experiment={experiment} actions={actions} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ActiveCell({ experiment, actions }: { experiment: ExperimentSummary; actions: RowActions }) {
  if (!canWrite()) return null;
  return (
    <span class="row-buttons">
      <button type="button" aria-label={`Edit ${experiment.name}`} onClick={() => actions.edit(experiment)}>
        Edit
      </button>
      <button type="button" class="danger" aria-label={`Delete ${experiment.name}`} onClick={() => actions.remove(experiment)}>
        Delete
      </button>
    </span>
  );
}

function RestoreCell({ experiment, actions }: { experiment: ExperimentSummary; actions: RowActions }) {
  const error = actions.restoreErrors[experiment.id];
  const errorId = `restore-error-${experiment.id}`;
  if (!canWrite()) return null;
  return (
    <span class="row-buttons">
      <button
        type="button"
        aria-label={`Restore ${experiment.name}`}
        aria-describedby={error ? errorId : undefined}
        disabled={actions.restoring === experiment.id}
        onClick={() => actions.restore(experiment)}
      >
        {actions.restoring === experiment.id ? 'Restoring…' : 'Restore'}
      </button>
      {error && (
        <span class="field-error restore-error" id={errorId} role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

/** Names start A→Z and dates newest first on a first click; a second click turns the order. */
function SortHeader({ field, label, sort }: { field: SortField; label: string; sort: Sort }) {
  const active = sort.field === field;
  const next: Sort = active ? { field, descending: !sort.descending } : { field, descending: field !== 'name' };
  return (
    <th scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort-button" onClick={() => updateListUrl({ sort: next })}>
        {label}
        <span class="sort-mark" aria-hidden="true">
          {active ? (sort.descending ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </th>
  );
}
