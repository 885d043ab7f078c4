import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type ExperimentSummary } from '../../api.js';
import { useAsync } from '../../components/states.js';
import { toError } from '../../lib/errors.js';
import { apiQuery, type ListQuery } from './list-query.js';

/** One page of `GET /api/experiments`. */
interface ExperimentPage {
  experiments: ExperimentSummary[];
  nextPageToken?: string;
}

/** Rows per request; the API allows up to 1,000. */
export const PAGE_SIZE = 100;

export interface ExperimentList {
  experiments: ExperimentSummary[] | undefined;
  error: Error | undefined;
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: Error | undefined;
  loadMore: () => void;
  /** Loads the first page again (after a change), dropping the pages loaded with "Load more". */
  reload: () => void;
}

interface More {
  experiments: ExperimentSummary[];
  nextPageToken: string | undefined;
}

/**
 * The experiments of a view, a page at a time. The first page follows the query (useAsync drops
 * stale answers); further pages are appended on request and forgotten when the first page is
 * loaded again, since a page token only works with the query (and the data) it came from.
 */
export function useExperimentList(query: ListQuery): ExperimentList {
  const key = JSON.stringify(query);
  const first = useAsync((signal) => api.get<ExperimentPage>('experiments', apiQuery(query, PAGE_SIZE), signal), [key]);
  const [more, setMore] = useState<More | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error | undefined>(undefined);
  // Which first page the appended pages belong to: an answer for an older one is dropped.
  const base = useRef<ExperimentPage | undefined>(undefined);

  useEffect(() => {
    base.current = first.data;
    setMore(undefined);
    setMoreError(undefined);
    setLoadingMore(false);
  }, [first.data]);

  const nextPageToken = more ? more.nextPageToken : first.data?.nextPageToken;

  const loadMore = useCallback(() => {
    const from = base.current;
    if (!nextPageToken || !from) return;
    setLoadingMore(true);
    setMoreError(undefined);
    api.get<ExperimentPage>('experiments', { ...apiQuery(query, PAGE_SIZE), pageToken: nextPageToken }).then(
      (page) => {
        if (base.current !== from) return;
        setMore((m) => ({ experiments: [...(m?.experiments ?? []), ...page.experiments], nextPageToken: page.nextPageToken }));
        setLoadingMore(false);
      },
      (error: unknown) => {
        if (base.current !== from) return;
        setMoreError(toError(error));
        setLoadingMore(false);
      },
    );
    // The query is part of `key`; the token changes with every page.
  }, [key, nextPageToken]);

  const experiments = first.data ? [...first.data.experiments, ...(more?.experiments ?? [])] : undefined;
  return {
    experiments,
    error: first.error,
    loading: first.loading,
    hasMore: nextPageToken !== undefined,
    loadingMore,
    moreError,
    loadMore,
    reload: first.reload,
  };
}
