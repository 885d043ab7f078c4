/** Untimed calls to the Fathom API (set-up and checks around the timed parts), failing loudly on anything but 2xx. */

export async function api<T>(base: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as T;
}

export async function createExperiment(base: string, name: string, tags: string[] = ['bench']): Promise<string> {
  return (await api<{ id: string }>(base, 'POST', '/api/experiments', { name, tags })).id;
}

export async function createRun(base: string, experimentId: string, name: string, parameters: { key: string; value: string | number | boolean }[] = []): Promise<string> {
  return (await api<{ id: string }>(base, 'POST', `/api/experiments/${experimentId}/runs`, { name, parameters })).id;
}

/** The number of metric points stored for a run, summed over its keys. */
export async function storedPoints(base: string, runId: string): Promise<number> {
  const { metrics } = await api<{ metrics: { key: string; count: number }[] }>(base, 'GET', `/api/runs/${runId}/metrics`);
  return metrics.reduce((sum, m) => sum + m.count, 0);
}
