import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect } from 'vitest';
import { aServer, type TestServer } from '../support/fathom.js';

/** Shared by the native-API HTTP tests: a fresh server per test and terse request helpers. */

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface Api {
  server: TestServer;
  request(method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  del(url: string): Promise<LightMyRequestResponse>;
}

/** Builds a fresh Fathom before each test of the calling file and closes it after. */
export function useApi(): Api {
  let server: TestServer | undefined;
  beforeEach(async () => {
    server = await aServer();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const current = (): TestServer => {
    if (!server) throw new Error('the server is only available inside a test');
    return server;
  };
  const request = (method: Method, url: string, body?: unknown) =>
    current().app.inject(body === undefined ? { method, url } : { method, url, payload: body as object });
  return {
    get server() {
      return current();
    },
    request,
    get: (url) => request('GET', url),
    post: (url, body) => request('POST', url, body),
    patch: (url, body) => request('PATCH', url, body),
    del: (url) => request('DELETE', url),
  };
}

// Loose JSON views of response bodies: tests assert the exact shape with toEqual / toStrictEqual.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export function body(response: LightMyRequestResponse): Json {
  return response.json();
}

/** Asserts a status and returns the parsed body, showing the body when the status is wrong. */
export function expectStatus(response: LightMyRequestResponse, status: number): Json {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  return response.body === '' ? undefined : response.json();
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

/** Asserts an RFC 9457 problem with this status and code; returns it for further checks. */
export function expectProblem(response: LightMyRequestResponse, status: number, code: string): ProblemBody {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json<ProblemBody>();
  expect(problem).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(problem)).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return problem;
}

/** The paths of a validation problem's field issues. */
export function issuePaths(problem: ProblemBody): string[] {
  return (problem.errors ?? []).map((e) => e.path);
}

/** ISO-8601 UTC with milliseconds, e.g. 2026-01-15T10:00:00.000Z. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export async function createExperiment(api: Api, input: Record<string, unknown> = {}): Promise<Json> {
  experimentCounter += 1;
  return expectStatus(await api.post('/api/experiments', { name: `experiment ${experimentCounter}`, ...input }), 201);
}
let experimentCounter = 0;

/**
 * Every experiment the server holds, deleted ones too (the default experiment "0" included): take
 * it before and after a refused request to show that the request stored nothing.
 */
export async function allExperiments(api: Api): Promise<Json[]> {
  return expectStatus(await api.get('/api/experiments?lifecycle=all&limit=1000'), 200).experiments;
}

export async function createRun(api: Api, experimentId?: string, input: Record<string, unknown> = {}): Promise<Json> {
  const experiment = experimentId ?? (await createExperiment(api)).id;
  return expectStatus(await api.post(`/api/experiments/${experiment}/runs`, input), 201);
}

export async function logMetrics(api: Api, runId: string, metrics: Record<string, unknown>[]): Promise<void> {
  expectStatus(await api.post(`/api/runs/${runId}/metrics`, { metrics }), 201);
}

export async function logParams(api: Api, runId: string, params: Record<string, unknown>): Promise<void> {
  const parameters = Object.entries(params).map(([key, value]) => ({ key, value }));
  expectStatus(await api.post(`/api/runs/${runId}/params`, { parameters }), 201);
}
