import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { toError } from '../lib/errors.js';

export interface Async<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again (after a change the page made), keeping the current data on screen meanwhile. */
  reload: () => void;
}

/**
 * Loads data for a view and reloads when `deps` change; an older answer arriving after a newer
 * request is dropped (typing in a filter box sends many). With `early`, the request leaves in a
 * layout effect, right after the first render rather than a frame later: beside another request
 * that does so (the run table's first page), both are in flight at once. Both hooks are always
 * called (hooks must be the same on every render); `early` only decides which one starts it.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], { early = false }: { early?: boolean } = {}): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const start = () => {
    const id = ++latest.current;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (id === latest.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (id !== latest.current || controller.signal.aborted) return;
        setState((s) => ({ ...s, error: toError(error), loading: false }));
      },
    );
    return () => controller.abort();
  };
  // The caller lists what the load depends on, as with useEffect.
  useLayoutEffect(() => (early ? start() : undefined), [...deps, generation, early]);
  useEffect(() => (early ? undefined : start()), [...deps, generation, early]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Loading({ what }: { what: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" role="status">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

/** An error as a person should read it: what failed, the server's reason, and a way to retry. */
export function ErrorBox({ error, what, retry }: { error: Error; what: string; retry?: () => void }) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div class="state state-error" role="alert">
      <strong>{notFound ? `${what} not found` : `Could not load ${what}`}</strong>
      <div>{error instanceof ApiError ? error.detail : error.message}</div>
      {retry && !notFound && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
