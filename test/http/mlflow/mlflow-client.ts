import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';
import { aServer, type TestServer } from '../../support/fathom.js';

/**
 * Shared by the MLflow adapter tests: a Fathom listening on a real socket (127.0.0.1, a free
 * port), and requests shaped as MLflow's Python client shapes them. RestStore sends reads (get,
 * get-by-name, get-history, get-history-bulk-interval, artifact listings) as GET with the fields
 * in the query string (a list repeats its parameter), everything else as POST with a JSON body;
 * int64 fields are JSON numbers, NaN and the infinities are strings. Artifacts go up as PUT of
 * the raw bytes with the Content-Type guessed from the file name.
 */

// Loose JSON views of response bodies: tests assert their exact shape with toEqual.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: Json;
  text: string;
}

export type Query = Record<string, string | number | readonly (string | number)[] | undefined>;

export interface MlflowServer {
  fathom: TestServer;
  /** http://127.0.0.1:<port> */
  base: string;
  /** GET /api/2.0/mlflow/<endpoint>?<query> */
  get(endpoint: string, query?: Query): Promise<Answer>;
  /** POST /api/2.0/mlflow/<endpoint> with a JSON body */
  post(endpoint: string, body?: unknown): Promise<Answer>;
  /** Any request to any path of the server (the native API, the artifact endpoints, odd methods). */
  fetch(path: string, init?: RequestInit): Promise<Answer>;
  /** Fathom's own API, for checking what a native client sees. */
  native: {
    get(path: string): Promise<Answer>;
    post(path: string, body: unknown): Promise<Answer>;
  };
}

export const TRACKING = '/api/2.0/mlflow';
export const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: response.status, headers: response.headers, body: json ? (JSON.parse(text) as Json) : text, text };
}

/** Starts a listening Fathom for the server's lifetime; close() stops it and removes its data. */
export async function startMlflowServer(options: { auth?: 'none' | 'token' } = {}): Promise<MlflowServer> {
  const fathom = await aServer(options);
  await fathom.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = fathom.app.server.address() as AddressInfo;
  return clientOf(fathom, `http://127.0.0.1:${port}`, {});
}

/**
 * The same server as a client configured with credentials sees it: every request carries these
 * headers (MLFLOW_TRACKING_TOKEN makes the Python client send `Authorization: Bearer …`;
 * MLFLOW_TRACKING_USERNAME and _PASSWORD make it send Basic).
 */
export function withHeaders(server: MlflowServer, headers: Record<string, string>): MlflowServer {
  return clientOf(server.fathom, server.base, headers);
}

function clientOf(fathom: TestServer, base: string, headers: Record<string, string>): MlflowServer {
  const request = async (path: string, init: RequestInit = {}) =>
    answer(await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } }));
  const json = (method: string, path: string, body: unknown) =>
    request(path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return {
    fathom,
    base,
    get: (endpoint, query) => request(`${TRACKING}/${endpoint}${queryString(query)}`),
    post: (endpoint, body = {}) => json('POST', `${TRACKING}/${endpoint}`, body),
    fetch: request,
    native: {
      get: (path) => request(path),
      post: (path, body) => json('POST', path, body),
    },
  };
}

/** A fresh listening Fathom for each test of the calling file. */
export function useMlflowServer(): () => MlflowServer {
  let server: MlflowServer | undefined;
  beforeEach(async () => {
    server = await startMlflowServer();
  });
  afterEach(async () => {
    await server?.fathom.close();
    server = undefined;
  });
  return () => {
    if (!server) throw new Error('the server is only available inside a test');
    return server;
  };
}

/** Asserts the status (showing the body when it is wrong) and returns the body. */
export function ok(response: Answer, status = 200): Json {
  expect(response.status, `${response.status} ${response.text}`).toBe(status);
  return response.body;
}

/** Asserts an MLflow error: this status, this error_code, a message, nothing else (no stack). */
export function expectMlflowError(response: Answer, status: number, code: string): string {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { error_code: code } });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(response.body as object).sort()).toEqual(['error_code', 'message']);
  const message = (response.body as { message: unknown }).message;
  expect(typeof message).toBe('string');
  expect(message as string).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return message as string;
}

export const sha256 = (content: string | Buffer | Uint8Array): string => createHash('sha256').update(content).digest('hex');

let experimentCounter = 0;

/** What MlflowClient().create_experiment(name, tags=…) sends; the new id. */
export async function createExperiment(server: MlflowServer, name?: string, tags: Record<string, string> = {}): Promise<string> {
  experimentCounter += 1;
  const entries = Object.entries(tags).map(([key, value]) => ({ key, value }));
  const body = ok(await server.post('experiments/create', { name: name ?? `mlflow experiment ${experimentCounter}`, ...(entries.length > 0 ? { tags: entries } : {}) }));
  return (body as { experiment_id: string }).experiment_id;
}

/** The tags mlflow.start_run() adds on its own (context providers) to those the user gave. */
export function startRunTags(runName: string | undefined, extra: Record<string, string> = {}): { key: string; value: string }[] {
  const tags: Record<string, string> = {
    'mlflow.user': 'alice',
    'mlflow.source.name': 'train.py',
    'mlflow.source.type': 'LOCAL',
    'mlflow.source.git.commit': '3f1c2a9e0b7d4c65a8f9e1d2c3b4a5f6e7d8c9b0',
    ...(runName !== undefined ? { 'mlflow.runName': runName } : {}),
    ...extra,
  };
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** What mlflow.start_run(run_name=…, tags=…) sends as runs/create; the run it answers. */
export async function createRun(
  server: MlflowServer,
  experimentId: string | undefined,
  options: { runName?: string; tags?: Record<string, string>; startTime?: number | string; userId?: string } = {},
): Promise<Json> {
  const body = {
    ...(experimentId !== undefined ? { experiment_id: experimentId } : {}),
    user_id: options.userId ?? 'alice',
    start_time: options.startTime ?? Date.parse('2026-01-15T10:00:00.000Z'),
    tags: startRunTags(options.runName, options.tags),
    ...(options.runName !== undefined ? { run_name: options.runName } : {}),
  };
  return ok(await server.post('runs/create', body)).run;
}

/** Tags as a record, for asserting on the tags a client reads. */
export function tagRecord(tags: readonly { key: string; value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map(({ key, value }) => [key, value]));
}

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A run with its metrics, params and tags sorted by key: their order means nothing to MLflow clients. */
export function sortedRun(run: Json): Json {
  const { metrics = [], params = [], tags = [] } = run.data as { metrics?: Json[]; params?: Json[]; tags?: Json[] };
  return { ...run, data: { metrics: [...metrics].sort(byKey), params: [...params].sort(byKey), tags: [...tags].sort(byKey) } };
}

/** A run as MlflowClient().get_run() reads it. */
export async function getRun(server: MlflowServer, runId: string): Promise<Json> {
  return ok(await server.get('runs/get', { run_uuid: runId, run_id: runId })).run;
}

/** The artifact endpoint of a run's file: PUT, GET, DELETE there. */
export function artifactUrl(experimentId: string, runId: string, path = ''): string {
  const encoded = path === '' ? '' : `/${path.split('/').map(encodeURIComponent).join('/')}`;
  return `${ARTIFACTS}/${experimentId}/${runId}/artifacts${encoded}`;
}

/** What log_artifact sends: PUT of the raw bytes, with the Content-Type guessed from the name. */
export function putArtifact(server: MlflowServer, experimentId: string, runId: string, path: string, content: string | Buffer, contentType = 'application/octet-stream'): Promise<Answer> {
  return server.fetch(artifactUrl(experimentId, runId, path), { method: 'PUT', headers: { 'content-type': contentType }, body: content });
}

/** What list_artifacts sends: GET with path=<experiment>/<run>/artifacts[/dir]. */
export async function listArtifacts(server: MlflowServer, experimentId: string, runId: string, directory = ''): Promise<Json> {
  const path = `${experimentId}/${runId}/artifacts${directory === '' ? '' : `/${directory}`}`;
  return ok(await server.fetch(`${ARTIFACTS}${queryString({ path })}`));
}

/** Downloads a file as bytes. */
export async function downloadArtifact(server: MlflowServer, experimentId: string, runId: string, path: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(`${server.base}${artifactUrl(experimentId, runId, path)}`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}
