import { useLayoutEffect, useState } from 'preact/hooks';
import { api, type Run } from '../../api.js';
import { toError } from '../../lib/errors.js';

/** The first page is small so rows are on screen at once; the rest comes in large pages behind it. */
export const FIRST_PAGE = 100;
export const NEXT_PAGE = 2000;

export interface RunPages {
  runs: Run[];
  /** Metric keys seen in the loaded runs, sorted. */
  metricKeys: string[];
  /** Parameter keys seen in the loaded runs, sorted. */
  paramKeys: string[];
  /** No answer yet for this query (the rows on screen, if any, are the previous query's). */
  loading: boolean;
  /** Every page of this query is in. */
  done: boolean;
  error: Error | undefined;
}

const INITIAL: RunPages = { runs: [], metricKeys: [], paramKeys: [], loading: true, done: false, error: undefined };

/**
 * Every run of the experiment matching `filter`, in `orderBy` order, page after page: the table
 * renders after the first page and grows as the others arrive. A new query aborts the old one;
 * its rows stay on screen until the new query's first page replaces them.
 */
export function useRunPages(experimentId: string, filter: string, orderBy: string, generation: number): RunPages {
  const [state, setState] = useState<RunPages>(INITIAL);
  // A layout effect starts the first request right after the first render, not after a frame.
  useLayoutEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setState((s) => ({ ...s, loading: true, done: false, error: undefined }));
    const load = async () => {
      let runs: Run[] = [];
      const metricKeys = new Set<string>();
      const paramKeys = new Set<string>();
      let pageToken: string | undefined;
      let limit = FIRST_PAGE;
      do {
        const page = await api.get<{ runs: Run[]; nextPageToken?: string }>(
          `experiments/${encodeURIComponent(experimentId)}/runs`,
          { filter, orderBy, limit, pageToken },
          signal,
        );
        if (signal.aborted) return;
        // Keys are collected per page, so a 10,000-run table never rescans what it already has.
        for (const run of page.runs) {
          for (const m of run.metrics) metricKeys.add(m.key);
          for (const p of run.parameters) paramKeys.add(p.key);
        }
        runs = runs.length === 0 ? page.runs : runs.concat(page.runs);
        pageToken = page.nextPageToken;
        setState({
          runs,
          metricKeys: [...metricKeys].sort(),
          paramKeys: [...paramKeys].sort(),
          loading: false,
          done: pageToken === undefined,
          error: undefined,
        });
        limit = NEXT_PAGE;
      } while (pageToken !== undefined);
    };
    load().catch((error: unknown) => {
      if (signal.aborted) return;
      const failure = toError(error);
      // A later page failing keeps the rows already shown; a first page failing shows none.
      setState((s) => (s.loading ? { ...INITIAL, loading: false, error: failure } : { ...s, done: false, error: failure }));
    });
    return () => controller.abort();
  }, [experimentId, filter, orderBy, generation]);
  return state;
}
