import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aServer, type TestServer } from '../support/fathom.js';
import { field, file, multipart } from './artifact-support.js';
import { ENDPOINTS, NOT_JSON, registeredRoutes, snapshot, type Call, type Seeded } from './hostile/endpoints.js';
import { Entries, hostileSegment, hostileString, hostileValue, jsonText, Raw } from './hostile/json-text.js';

/**
 * Property-based hostile input on every JSON endpoint, native and MLflow: each run starts from a
 * request the endpoint accepts and mutates it (a field dropped, duplicated, added with a
 * prototype key, given a value of the wrong kind, a huge or non-finite-looking number, a long or
 * broken string, deep nesting; the whole body replaced or cut; a path segment or query value
 * replaced). Never a 5xx; every refusal is a 4xx in the route's error shape; and a refused
 * request leaves everything a client can read back exactly as it was.
 *
 * FATHOM_FC_SEED reproduces a failure (fast-check prints the seed and path), FATHOM_FC_RUNS
 * sets the runs per endpoint.
 */
const SEED = Number(process.env.FATHOM_FC_SEED ?? 20_260_115);
const RUNS = Number(process.env.FATHOM_FC_RUNS ?? 12);
/** The /ajax-api/ copies of MLflow's routes share their handlers: fewer runs there keep the file near a minute. */
const runsFor = (route: string): number => (route.includes('/ajax-api/') ? Math.max(1, Math.ceil(RUNS / 3)) : RUNS);

interface Sent {
  method: Call['method'];
  url: string;
  payload?: string;
  contentType?: string;
}

/** A query value as sent: UTF-8 percent-encoded byte by byte (lone surrogates become U+FFFD, as any client's would). */
const encodeQuery = (text: string): string => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function toSent(call: Call, body: unknown = call.body): Sent {
  const query = new URLSearchParams(call.query ?? {}).toString();
  const sent: Sent = { method: call.method, url: query === '' ? call.path : `${call.path}?${query}` };
  if (body !== undefined) return { ...sent, payload: jsonText(body), contentType: 'application/json' };
  return sent;
}

/** Replaces the node at a path of choices (each an index into the keys or items there) with a value. */
function replaceAt(node: unknown, choices: readonly number[], value: unknown): unknown {
  if (choices.length === 0) return value;
  const [choice, ...rest] = choices as [number, ...number[]];
  if (Array.isArray(node) && node.length > 0) {
    const i = choice % node.length;
    return node.map((item, j) => (j === i ? replaceAt(item, rest, value) : item));
  }
  if (node !== null && typeof node === 'object' && !(node instanceof Raw) && !(node instanceof Entries)) {
    const keys = Object.keys(node);
    if (keys.length === 0) return value;
    const key = keys[choice % keys.length] as string;
    return { ...node, [key]: replaceAt((node as Record<string, unknown>)[key], rest, value) };
  }
  return value;
}

type Mutation = (call: Call, seeded: Seeded) => Sent;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // A value of the wrong kind anywhere in the body, nested fields included.
  fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), hostileValue).map(([choices, value]): Mutation => (call) => toSent(call, replaceAt(call.body ?? {}, choices, value))),
  // A field dropped.
  fc.nat().map((choice): Mutation => (call) => {
    const entries = Object.entries(call.body ?? {});
    return toSent(call, Object.fromEntries(entries.filter((_, i) => i !== choice % Math.max(entries.length, 1))));
  }),
  // A field added (prototype keys included) or given twice, the second time wrong.
  fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype'), hostileString), fc.nat(), fc.boolean(), hostileValue).map(
    ([key, choice, duplicate, value]): Mutation =>
      (call) => {
        const entries = Object.entries(call.body ?? {});
        const name = duplicate && entries.length > 0 ? (entries[choice % entries.length] as [string, unknown])[0] : key;
        return toSent(call, new Entries([...entries, [name, value]]));
      },
  ),
  // The whole body replaced.
  hostileValue.map((value): Mutation => (call) => toSent(call, value)),
  // The body cut short, or sent as another type.
  fc.tuple(fc.nat(), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1')).map(
    ([cut, contentType]): Mutation =>
      (call) => {
        const text = jsonText(call.body ?? {});
        return { ...toSent(call), payload: text.slice(0, cut % (text.length + 1)), contentType };
      },
  ),
  // A path segment (an id, a key) replaced.
  hostileSegment.map((segment): Mutation => (call, seeded) => {
    const path = call.path
      .replace(seeded.runId, segment)
      .replace(seeded.experimentId, segment)
      .replace(seeded.userName, segment)
      .replace(seeded.tokenId, segment)
      .replace(/\/loss$/, `/${segment}`);
    return toSent({ ...call, path: path === call.path ? `${call.path}/${segment}` : path });
  }),
  // A query value replaced, or a new one added.
  fc.tuple(fc.nat(), fc.oneof(hostileString.map(encodeQuery), hostileSegment), fc.boolean()).map(([choice, value, fresh]): Mutation => (call) => {
    const keys = Object.keys(call.query ?? {});
    const key = fresh || keys.length === 0 ? ['limit', 'filter', 'orderBy', 'pageToken', 'max_results', '__proto__'][choice % 6] : keys[choice % keys.length];
    const base = toSent({ ...call, query: Object.fromEntries(Object.entries(call.query ?? {}).filter(([k]) => k !== key)) });
    return { ...base, url: `${base.url}${base.url.includes('?') ? '&' : '?'}${key}=${value}` };
  }),
);

async function seed(app: FastifyInstance): Promise<Seeded> {
  const name = `seeded ${Math.random().toString(36).slice(2)}`;
  const experiment = await app.inject({ method: 'POST', url: '/api/experiments', payload: { name, tags: ['a'] } });
  const experimentId = experiment.json<{ id: string }>().id;
  await app.inject({ method: 'PATCH', url: `/api/experiments/${experimentId}`, payload: { properties: { k: 'v' } } });
  const run = await app.inject({ method: 'POST', url: `/api/experiments/${experimentId}/runs`, payload: { name: 'seeded', parameters: [{ key: 'lr', value: 0.1 }], tags: { team: 'nlp' } } });
  const runId = run.json<{ id: string }>().id;
  await app.inject({ method: 'POST', url: `/api/runs/${runId}/metrics`, payload: { metrics: [0, 1, 2, 3].map((step) => ({ key: 'loss', value: 1 / (step + 1), step })) } });
  await app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart([field('type', 'model'), file('weights', 'model.bin')]) });
  const userName = `user-${Math.random().toString(36).slice(2, 10)}`;
  await app.inject({ method: 'POST', url: '/api/admin/users', payload: { name: userName, role: 'writer' } });
  const token = await app.inject({ method: 'POST', url: `/api/admin/users/${userName}/tokens`, payload: { label: 'seeded' } });
  return { experimentId, experimentName: name, runId, userName, tokenId: token.json<{ id: string }>().id };
}

function expectErrorShape(response: LightMyRequestResponse, sent: Sent): void {
  const what = `${sent.method} ${sent.url.slice(0, 300)}`;
  if (/^\/(ajax-)?api\/2\.0\/mlflow/.test(sent.url)) {
    expect(response.headers['content-type'], what).toMatch(/^application\/json/);
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort(), what).toEqual(['error_code', 'message']);
    return;
  }
  expect(response.headers['content-type'], `${what}: ${response.body.slice(0, 300)}`).toMatch(/^application\/problem\+json/);
  expect(response.json(), what).toMatchObject({ status: response.statusCode, code: expect.any(String), detail: expect.any(String) });
}

describe('hostile input on every JSON endpoint', () => {
  let coverage: TestServer;
  beforeAll(async () => {
    coverage = await aServer();
  });
  afterAll(async () => {
    await coverage.close();
  });

  it('has a property test for every registered API route (a new route must join ENDPOINTS or NOT_JSON)', () => {
    const routes = registeredRoutes(coverage.app);
    expect(routes.length).toBeGreaterThan(60);
    const uncovered = routes.filter((route) => !(route in ENDPOINTS) && !NOT_JSON.some((pattern) => pattern.test(route)));
    expect(uncovered).toEqual([]);
    const stale = Object.keys(ENDPOINTS).filter((route) => !routes.includes(route));
    expect(stale).toEqual([]);
  });

  it.each(Object.keys(ENDPOINTS))('%s: mutated requests never get a 5xx, and refused ones change nothing', async (route) => {
    const server = await aServer();
    try {
      const { app } = server;
      const valid = ENDPOINTS[route] as (s: Seeded) => Call;
      let seeded = await seed(app);
      // The unmutated request is accepted: mutations start from a request that works.
      const baseline = toSent(valid(seeded));
      const accepted = await app.inject({ method: baseline.method, url: baseline.url, payload: baseline.payload, headers: baseline.contentType ? { 'content-type': baseline.contentType } : {} });
      expect(accepted.statusCode, accepted.body).toBeLessThan(300);
      let before: unknown;
      let stale = true;
      await fc.assert(
        fc.asyncProperty(mutation, async (mutate) => {
          if (stale) {
            seeded = await seed(app);
            before = await snapshot(app);
            stale = false;
          }
          const sent = mutate(valid(seeded), seeded);
          const response = await app.inject({
            method: sent.method,
            url: sent.url,
            ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
            headers: sent.contentType ? { 'content-type': sent.contentType } : {},
          });
          expect(response.statusCode, `${sent.method} ${sent.url.slice(0, 300)} ${sent.payload?.slice(0, 300) ?? ''}: ${response.body.slice(0, 500)}`).toBeLessThan(500);
          if (response.statusCode < 400) {
            stale = true;
            return;
          }
          expectErrorShape(response, sent);
          expect(await snapshot(app), `${sent.method} ${sent.url.slice(0, 300)} ${sent.payload?.slice(0, 300) ?? ''} changed stored data`).toEqual(before);
        }),
        { numRuns: runsFor(route), seed: SEED, endOnFailure: true },
      );
    } finally {
      await server.close();
    }
  });
});
