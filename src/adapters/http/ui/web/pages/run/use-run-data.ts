import { useEffect, useState } from 'preact/hooks';
import { api, type MetricSummary, type Run, type RunStatus, type Series } from '../../api.js';
import { toError } from '../../lib/errors.js';

/** What the run page shows that changes while the run is running. */
export interface RunData {
  run: Run;
  children: Run[];
  summaries: MetricSummary[];
  /** One series per metric key, downsampled by the server. */
  series: Map<string, Series>;
}

export interface RunDataState {
  data: RunData | undefined;
  /** The first load failed (nothing to show). */
  error: Error | undefined;
  /** A live refresh failed: the page keeps what it has and tries again. */
  refreshError: Error | undefined;
  /** True while the page polls for changes (the run is unfinished and the tab visible). */
  live: boolean;
  retry: () => void;
}

/** Every ~3 s while a run is unfinished: often enough to watch training, gentle on the server. */
export const POLL_MS = 3000;
/** Points per chart line: about the width of a chart in pixels, more would not show. */
export const MAX_POINTS = 1000;
/** `POST /api/metrics/series` takes at most 20 keys per request. */
const KEYS_PER_REQUEST = 20;

export function isUnfinished(status: RunStatus): boolean {
  return status === 'running' || status === 'scheduled';
}

/**
 * Loads the run, its children, metric summaries and series; while the run is unfinished, loads
 * them again every POLL_MS. The next poll is only scheduled once the previous one has answered,
 * so slow answers never pile up; a hidden tab does not poll (it catches up when shown again), and
 * leaving the page aborts the request in flight and the timer.
 */
export function useRunData(id: string): RunDataState {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<Omit<RunDataState, 'retry'>>({ data: undefined, error: undefined, refreshError: undefined, live: false });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let waitingForVisibility = false;
    let last: RunData | undefined;

    const schedule = () => {
      timer = setTimeout(() => {
        timer = undefined;
        if (document.visibilityState === 'hidden') {
          waitingForVisibility = true;
          setState((s) => ({ ...s, live: false }));
        } else void poll();
      }, POLL_MS);
    };

    const poll = async () => {
      try {
        const data = await loadRunData(id, last, controller.signal);
        if (controller.signal.aborted) return;
        last = data;
        const live = isUnfinished(data.run.status);
        setState({ data, error: undefined, refreshError: undefined, live });
        if (live) schedule();
      } catch (error) {
        if (controller.signal.aborted) return;
        const failure = toError(error);
        if (!last) {
          setState({ data: undefined, error: failure, refreshError: undefined, live: false });
          return;
        }
        setState((s) => ({ ...s, refreshError: failure }));
        schedule();
      }
    };

    const onVisibility = () => {
      if (document.visibilityState !== 'visible' || !waitingForVisibility) return;
      waitingForVisibility = false;
      setState((s) => ({ ...s, live: true }));
      void poll();
    };

    document.addEventListener('visibilitychange', onVisibility);
    void poll();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [id, attempt]);

  return { ...state, retry: () => setAttempt((a) => a + 1) };
}

async function loadRunData(id: string, previous: RunData | undefined, signal: AbortSignal): Promise<RunData> {
  const path = `runs/${encodeURIComponent(id)}`;
  const [run, children, summaries] = await Promise.all([
    api.get<Run>(path, undefined, signal),
    api.get<{ runs: Run[] }>(`${path}/children`, undefined, signal),
    api.get<{ metrics: MetricSummary[] }>(`${path}/metrics`, undefined, signal),
  ]);
  // The summaries are kept up to date on write and cost nothing to read: a key whose summary has
  // not moved since the last poll has the same history, so only the others are asked for again
  // (a run with hundreds of keys would otherwise fetch every history every few seconds).
  const before = new Map(previous?.summaries.map((m) => [m.key, m]));
  const keys = summaries.metrics.filter((m) => !previous?.series.has(m.key) || !sameSummary(before.get(m.key), m)).map((m) => m.key);
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_REQUEST) batches.push(keys.slice(i, i + KEYS_PER_REQUEST));
  const answers = await Promise.all(
    batches.map((batch) => api.post<{ series: Series[] }>('metrics/series', { runIds: [id], keys: batch, maxPoints: MAX_POINTS }, signal)),
  );
  const fetched = new Map<string, Series>();
  for (const answer of answers) for (const s of answer.series) fetched.set(s.key, s);
  const series = new Map<string, Series>();
  for (const { key } of summaries.metrics) {
    const old = previous?.series.get(key);
    const s = fetched.get(key);
    // An unchanged series keeps its identity, so its chart is not redrawn (nor its hover lost) on every poll.
    if (s === undefined) {
      if (old) series.set(key, old);
    } else series.set(key, old && sameSeries(old, s) ? old : s);
  }
  return { run, children: children.runs, summaries: summaries.metrics, series };
}

/** Everything a summary says: new points move count or the last point; a point logged again at an
 * old step moves min, max or mean (unless its value is the same as before). */
function sameSummary(a: MetricSummary | undefined, b: MetricSummary): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** Compared point by point: a point logged again at an old step changes a series without changing its length. */
function sameSeries(a: Series, b: Series): boolean {
  if (a.total !== b.total || a.steps.length !== b.steps.length) return false;
  for (let i = 0; i < a.steps.length; i++) {
    if (a.steps[i] !== b.steps[i] || a.values[i] !== b.values[i] || a.timestamps[i] !== b.timestamps[i]) return false;
  }
  return true;
}
