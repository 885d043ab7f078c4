/**
 * Test data for the UI, put in through the public API of a running server (as a training script
 * would), so the UI shows exactly what real clients leave behind.
 */

export interface Seeded {
  id: string;
}

export interface RunSeed {
  name?: string;
  parameters?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  parentRunId?: string;
  startedAt?: string;
}

export class Seeder {
  /** With a token, every request carries it (a server with FATHOM_AUTH=token). */
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private get authorization(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(`api/${path}`, this.baseUrl), {
      method,
      headers: { ...this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  experiment(name: string, options: { tags?: string[]; description?: string } = {}): Promise<Seeded> {
    return this.request('POST', 'experiments', { name, ...options });
  }

  run(experimentId: string, seed: RunSeed = {}): Promise<Seeded> {
    const { parameters, ...rest } = seed;
    return this.request('POST', `experiments/${experimentId}/runs`, {
      ...rest,
      ...(parameters ? { parameters: Object.entries(parameters).map(([key, value]) => ({ key, value })) } : {}),
    });
  }

  /** Logs `values` at steps 0, 1, 2, … (in batches of 10,000), a second apart from `start`. */
  async metric(runId: string, key: string, values: (number | 'NaN')[], start = Date.parse('2026-01-15T10:00:00Z')): Promise<void> {
    for (let offset = 0; offset < values.length; offset += 10_000) {
      const metrics = values.slice(offset, offset + 10_000).map((value, i) => ({
        key,
        value,
        step: offset + i,
        timestamp: new Date(start + (offset + i) * 1000).toISOString(),
      }));
      await this.request('POST', `runs/${runId}/metrics`, { metrics });
    }
  }

  finish(runId: string, status: 'completed' | 'failed' | 'killed' = 'completed', completedAt?: string): Promise<unknown> {
    return this.request('PATCH', `runs/${runId}`, { status, ...(completedAt ? { completedAt } : {}) });
  }

  async artifact(runId: string, name: string, content: string, fields: { type?: string; version?: string } = {}): Promise<{ sha256: string; version: string }> {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.set(key, value);
    form.set('name', name);
    form.set('file', new Blob([content], { type: 'application/octet-stream' }), name.split('/').pop());
    const response = await fetch(new URL(`api/runs/${runId}/artifacts`, this.baseUrl), { method: 'POST', body: form, headers: this.authorization });
    if (!response.ok) throw new Error(`upload ${name}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { sha256: string; version: string };
  }
}
