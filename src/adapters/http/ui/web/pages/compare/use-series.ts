import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Series } from '../../api.js';
import { toError } from '../../lib/errors.js';
import { pointsPerLine, seriesBodies } from './points.js';


export interface SeriesState {
  /** A run's history of a key, once it has arrived. */
  get(runId: string, key: string): Series | undefined;
  loading: boolean;
  error: Error | undefined;
  /** Changes whenever new series arrive. */
  version: number;
  retry: () => void;
}

const pairKey = (runId: string, key: string) => `${runId}\u0000${key}`;

/** A loaded history and the detail it was asked for. */
interface Cached {
  series: Series;
  maxPoints: number;
}

/**
 * The histories of the chosen metrics for the given runs (the charted ones). Series already
 * loaded are kept, so ticking one more metric fetches that key only, and removing a run fetches
 * nothing unless the detail per line changes (pointsPerLine): the same URL then shows the same
 * detail however it was reached, and the coarser line stays on screen until the finer one arrives.
 * What is missing is fetched in as few requests as the API allows (one, up to 100 runs × 20 keys).
 */
export function useSeries(runIds: string[], keys: string[]): SeriesState {
  const cache = useRef(new Map<string, Cached>());
  const [status, setStatus] = useState<{ version: number; loading: boolean; error?: Error }>({ version: 0, loading: false });
  const [attempt, setAttempt] = useState(0);
  const runsKey = runIds.join(',');
  const keysKey = keys.join(',');

  const maxPoints = pointsPerLine(runIds.length);

  useEffect(() => {
    const missing = (id: string, k: string) => cache.current.get(pairKey(id, k))?.maxPoints !== maxPoints;
    const missingRuns = runIds.filter((id) => keys.some((k) => missing(id, k)));
    const missingKeys = keys.filter((k) => runIds.some((id) => missing(id, k)));
    if (missingRuns.length === 0 || missingKeys.length === 0) {
      setStatus((s) => (s.loading || s.error ? { version: s.version, loading: false } : s));
      return;
    }
    const controller = new AbortController();
    setStatus((s) => ({ version: s.version, loading: true }));
    const requests: Promise<{ series: Series[] }>[] = [];
    for (const body of seriesBodies(missingRuns, missingKeys, maxPoints)) {
      requests.push(api.post<{ series: Series[] }>('metrics/series', body, controller.signal));
    }
    Promise.all(requests).then(
      (answers) => {
        if (controller.signal.aborted) return;
        for (const answer of answers) for (const s of answer.series) cache.current.set(pairKey(s.runId, s.key), { series: s, maxPoints });
        setStatus((s) => ({ version: s.version + 1, loading: false }));
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setStatus((s) => ({ version: s.version, loading: false, error: toError(error) }));
      },
    );
    return () => controller.abort();
    // runsKey and keysKey stand for the arrays' contents (maxPoints follows from runsKey).
  }, [runsKey, keysKey, attempt]);

  return { get: (runId, key) => cache.current.get(pairKey(runId, key))?.series, loading: status.loading, error: status.error, version: status.version, retry: () => setAttempt((a) => a + 1) };
}
