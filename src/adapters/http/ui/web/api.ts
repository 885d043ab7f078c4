import { session, signIn, unauthenticated, type Identity } from './session.js';

/**
 * The UI's only way to the data: the public REST API (docs/api.md), by relative URL so the UI
 * works wherever the server is mounted. Errors arrive as problem+json and become ApiError, whose
 * `errors` name the fields (a filter error says at which character). When signed in, every
 * request carries the session's token; a 401 sends the person to the sign-in form (session.ts).
 */

export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';
export type ParamValue = string | number | boolean;
export type RunStatus = 'running' | 'scheduled' | 'completed' | 'failed' | 'killed';
export type Lifecycle = 'active' | 'deleted';

export interface ExperimentSummary {
  id: string;
  name: string;
  description?: string;
  tags: string[];
  properties: Record<string, string>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  lifecycleStage: Lifecycle;
  runCount: number;
}

export interface Experiment extends Omit<ExperimentSummary, 'runCount'> {
  runs: Run[];
}

export interface Parameter {
  key: string;
  value: ParamValue;
  type: 'string' | 'number' | 'boolean';
}

export interface Metric {
  key: string;
  value: MetricValue;
  step: number;
  timestamp: string;
}

export interface Artifact {
  id: string;
  runId: string;
  experimentId: string;
  name: string;
  type: 'model' | 'dataset' | 'figure' | 'other';
  path: string;
  size: number;
  sha256: string;
  version: string;
  tags: string[];
  contentType: string;
  metadata: Record<string, unknown>;
  uploadedAt: string;
}

export interface Run {
  id: string;
  experimentId: string;
  name?: string;
  status: RunStatus;
  lifecycleStage: Lifecycle;
  parameters: Parameter[];
  metrics: Metric[];
  artifacts: Artifact[];
  tags: Record<string, string>;
  parentRunId?: string;
  createdBy: string;
  startedAt: string;
  completedAt?: string;
  duration?: number;
}

export interface MetricSummary {
  key: string;
  last: { value: MetricValue; step: number; timestamp: string };
  min: MetricValue;
  max: MetricValue;
  mean: MetricValue;
  count: number;
  firstStep: number;
  lastStep: number;
}

export interface Series {
  runId: string;
  key: string;
  steps: number[];
  values: MetricValue[];
  timestamps: number[];
  total: number;
  returned: number;
  method: string;
}

export interface ParameterSpaceEntry {
  key: string;
  type: 'string' | 'number' | 'boolean' | 'mixed';
  runs: number;
  distinct: number;
  values?: { value: ParamValue; runs: number }[];
  truncated?: boolean;
  min?: number;
  max?: number;
}

export interface Comparison {
  experimentIds: string[];
  runs: {
    runId: string;
    runName?: string;
    experimentId: string;
    experimentName: string;
    status: RunStatus;
    parameters: Record<string, ParamValue>;
    metrics: Record<string, MetricValue>;
  }[];
  parameterDiff: { key: string; values: Record<string, ParamValue | null>; isDifferent: boolean }[];
  metricComparison: {
    metricKey: string;
    goal: 'min' | 'max';
    values: Record<string, MetricValue>;
    best: { runId: string; experimentId: string; value: MetricValue } | null;
    worst: { runId: string; experimentId: string; value: MetricValue } | null;
  }[];
}

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }

  /** The message for one field (`/filter`), if the server named it. */
  forField(path: string): string | undefined {
    return this.errors.find((e) => e.path === path || e.path.startsWith(`${path}/`))?.message;
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return `api/${path}${search ? `?${search}` : ''}`;
}

/**
 * Answers asked for before the page that needs them was loaded (see prefetch.ts): the page's own
 * identical request takes it instead of asking again. Taken once, and only while fresh.
 */
const prefetched = new Map<string, { at: number; token: string | undefined; answer: Promise<unknown> }>();
const PREFETCH_FRESH_MS = 10_000;

function requestKey(method: string, path: string, options: { query?: Query; body?: unknown }): string {
  return `${method} ${url(path, options.query)} ${options.body === undefined ? '' : JSON.stringify(options.body)}`;
}

/** Starts a request now, for the page about to load; errors are left for that page to show. */
export function prefetch(method: 'GET' | 'POST', path: string, options: { query?: Query; body?: unknown } = {}): void {
  const answer = send(method, path, options);
  answer.catch(() => undefined);
  prefetched.set(requestKey(method, path, options), { at: Date.now(), token: session().token, answer });
}

async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const key = requestKey(method, path, options);
  const early = prefetched.get(key);
  if (early) {
    prefetched.delete(key);
    // An answer asked for before a sign-in (a 401) is not the answer for the person signed in now.
    if (Date.now() - early.at < PREFETCH_FRESH_MS && early.token === session().token) return early.answer as Promise<T>;
  }
  return send<T>(method, path, options);
}

async function send<T>(method: string, path: string, options: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const token = session().token;
  const headers: Record<string, string> = { accept: 'application/json', ...authorization(token) };
  const init: RequestInit = { method, headers };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url(path, options.query), init);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!response.ok) throw refusal(response, text, token);
  const body = parseJson(text);
  if (body === NOT_JSON) throw new ApiError(response.status, 'NOT_JSON', `${statusLine(response)}, but the answer is not JSON`);
  return body as T;
}

/**
 * The API's refusal as an ApiError (problem+json: its code, detail and fields). A 401 to the
 * session's own token signs the session out; one to another token (a late answer to a request
 * sent before a sign-in, or a token the sign-in form is checking) does not.
 */
export function refusal(response: Response, text: string, token: string | undefined): ApiError {
  const body = parseJson(text);
  const problem = (typeof body === 'object' && body !== null ? body : {}) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
  const detail = problem.detail ?? problem.title ?? statusLine(response);
  if (response.status === 401 && token === session().token) unauthenticated(detail);
  return new ApiError(response.status, problem.code ?? 'UNKNOWN', detail, problem.errors ?? []);
}

/** `HTTP 502 Bad Gateway`: what is left to say when the answer is not the API's (a proxy's HTML page). */
function statusLine(response: Response): string {
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

function authorization(token = session().token): { authorization?: string } {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Who a token belongs to (`GET /api/auth/me`): how the sign-in form checks one before keeping it.
 * @throws ApiError (401 for an unknown or revoked token)
 */
export async function identify(token: string): Promise<Identity> {
  const response = await fetch(url('auth/me'), { headers: { accept: 'application/json', ...authorization(token) } });
  const text = await response.text();
  if (!response.ok) throw refusal(response, text, token);
  return parseJson(text) as Identity;
}

/**
 * Asks the server again who the kept token belongs to, once per page load: an admin may have
 * changed the user's role (or revoked the token) since the sign-in, and the UI must not go on
 * offering what the server will refuse.
 */
export function refreshIdentity(): void {
  const token = session().token;
  if (!token) return;
  // A 401 signs the session out inside identify (refusal); other failures leave it as it is.
  identify(token).then(
    (identity) => {
      if (session().token === token) signIn(token, identity);
    },
    () => undefined,
  );
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) }),
  post: <T>(path: string, body?: unknown, signal?: AbortSignal) => request<T>('POST', path, { body: body ?? {}, ...(signal ? { signal } : {}) }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: (path: string, query?: Query) => request<void>('DELETE', path, query ? { query } : {}),
  /** A URL for a link (artifact downloads), relative like every other. */
  href: (path: string, query?: Query) => url(path, query),
};

/** `encodeURIComponent` per segment, keeping the `/` between them (artifact names, metric keys). */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
