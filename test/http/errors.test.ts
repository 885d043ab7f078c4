import { connect } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExperimentRepository } from '../../src/application/ports/experiment-repository.js';
import type { Readiness } from '../../src/application/ports/readiness.js';
import { TOKENS } from '../../src/application/tokens.js';
import { buildServer, type ServerOptions } from '../../src/adapters/http/server.js';
import { UnavailableError } from '../../src/domain/errors.js';
import { aFathom } from '../support/fathom.js';
import { allExperiments, createExperiment, createRun, expectProblem, expectStatus, issuePaths, useApi } from './api.js';
import { answersToUnstorableText, UNSTORABLE_TEXT_ANSWERS } from './unstorable-text.js';

const api = useApi();

/** A server built by hand, for what the shared one cannot do: a logger, a small body limit, an extra route. */
const custom: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(custom.splice(0).map((c) => c.close()));
});

async function customServer(options: Partial<ServerOptions> = {}, setup: (app: FastifyInstance) => void = () => undefined) {
  const fathom = await aFathom();
  const app = await buildServer({ container: fathom.container, ...options });
  setup(app);
  await app.ready();
  const server = {
    app,
    fathom,
    close: async () => {
      await app.close();
      await fathom.close();
    },
  };
  custom.push(server);
  return server;
}

/** A logger that keeps what it writes, one parsed JSON record per line. */
function capturingLogger() {
  const records: Record<string, unknown>[] = [];
  const logger = { level: 'error', stream: { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) } };
  return { logger, records };
}

const SECRET = 'connection string postgres://admin:hunter2@db';

function expectNoLeak(response: LightMyRequestResponse): void {
  expect(response.body).not.toContain('hunter2');
  expect(response.body).not.toContain('stack');
  expect(response.body).not.toMatch(/\.(ts|js):\d+/);
  expect(response.body).not.toMatch(/\n\s+at /);
}

describe('problem details (RFC 9457)', () => {
  it.each<[string, () => Promise<LightMyRequestResponse>, number, string]>([
    ['a validation failure', () => api.post('/api/experiments', { name: '' }), 400, 'INVALID_ARGUMENT'],
    ['an unknown experiment', () => api.get('/api/experiments/missing'), 404, 'NOT_FOUND'],
    ['an unknown run', () => api.get('/api/runs/missing'), 404, 'NOT_FOUND'],
    ['an unknown route', () => api.get('/api/nothing-here'), 404, 'NOT_FOUND'],
    ['an unknown method on a known path', () => api.request('PUT', '/api/experiments', { name: 'x' }), 404, 'NOT_FOUND'],
    ['a path id that is too long', () => api.get(`/api/runs/${'x'.repeat(200)}`), 400, 'INVALID_ARGUMENT'],
  ])('%s is application/problem+json with type, title, status, detail and code', async (_label, send, status, code) => {
    const response = await send();
    const problem = expectProblem(response, status, code);
    expect(Object.keys(problem).filter((k) => k !== 'errors').sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
    expect(problem.type.length).toBeGreaterThan(0);
    expect(problem.title.length).toBeGreaterThan(0);
    expect(problem.detail.length).toBeGreaterThan(0);
  });

  it('a conflict (409) is a problem without field errors', async () => {
    await createExperiment(api, { name: 'dup' });
    const problem = expectProblem(await api.post('/api/experiments', { name: 'dup' }), 409, 'ALREADY_EXISTS');
    expect(problem).not.toHaveProperty('errors');
    expect(problem.title).not.toBe('');
  });

  it('distinct codes get distinct types', async () => {
    const notFound = expectProblem(await api.get('/api/experiments/missing'), 404, 'NOT_FOUND');
    const invalid = expectProblem(await api.post('/api/experiments', {}), 400, 'INVALID_ARGUMENT');
    expect(notFound.type).not.toBe(invalid.type);
  });

  it('an unknown route names the method and path', async () => {
    const problem = expectProblem(await api.del('/api/nowhere?x=1'), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('DELETE');
    expect(problem.detail).toContain('/api/nowhere');
  });
});

describe('validation errors list every bad field', () => {
  it('lists a bad page size, order and date filter of a list together', async () => {
    const problem = expectProblem(await api.get('/api/experiments?limit=0&orderBy=foo&createdAfter=yesterday'), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem).sort()).toEqual(['/createdAfter', '/limit', '/orderBy']);
  });

  it('lists a bad start time, a bad parameter and an unknown parent of a new run together', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(
      await api.post(`/api/experiments/${experiment.id}/runs`, {
        startedAt: 'nope',
        parameters: [{ key: 'a!', value: 1 }],
        parentRunId: 'no-such-run',
      }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/parameters/0/key', '/parentRunId', '/startedAt']);
  });

  it('names each wrong-typed and unknown field of a body', async () => {
    const problem = expectProblem(
      await api.post('/api/experiments', { name: 5, tags: 'x', createdBy: 3, owner: 'ada', color: 'red' }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/color', '/createdBy', '/name', '/owner', '/tags']);
    for (const issue of problem.errors ?? []) expect(issue.message.length).toBeGreaterThan(0);
    expect(problem.detail).toContain('/owner');
  });

  it('names a missing required field', async () => {
    const problem = expectProblem(await api.post('/api/experiments', { description: 'no name' }), 400, 'INVALID_ARGUMENT');
    expect(problem.errors).toEqual([{ path: '/name', message: expect.stringContaining('required') }]);
  });

  it('names each field that breaks a rule of the domain', async () => {
    const problem = expectProblem(
      await api.post('/api/experiments', { name: ' ', tags: ['ok', '', 't'.repeat(65)], createdBy: 'c'.repeat(257) }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(issuePaths(problem).sort()).toEqual(['/createdBy', '/name', '/tags/1', '/tags/2']);
  });

  it('names an unknown body field on every endpoint that takes JSON', async () => {
    const run = await createRun(api);
    const cases: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/experiments', { name: 'x', colour: 1 }],
      ['PATCH', `/api/experiments/${run.experimentId}`, { name: 'x', colour: 1 }],
      ['POST', `/api/experiments/${run.experimentId}/runs`, { colour: 1 }],
      ['PATCH', `/api/runs/${run.id}`, { name: 'x', colour: 1 }],
      ['POST', `/api/runs/${run.id}/metrics`, { key: 'k', value: 1, colour: 1 }],
      ['POST', `/api/runs/${run.id}/params`, { key: 'k', value: 1, colour: 1 }],
      ['POST', '/api/runs/compare', { runIds: [run.id], colour: 1 }],
    ];
    for (const [method, url, payload] of cases) {
      const problem = expectProblem(await api.request(method as 'POST', url, payload), 400, 'INVALID_ARGUMENT');
      expect({ url, paths: issuePaths(problem) }).toEqual({ url, paths: ['/colour'] });
      expect(problem.errors?.[0]?.message).toMatch(/not a known field/);
    }
  });

  it('names bad query fields by their own name', async () => {
    const problem = expectProblem(await api.get('/api/experiments?limit=abc&lifecycle=gone'), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem).sort()).toEqual(['/lifecycle', '/limit']);
  });
});

describe('request bodies', () => {
  it('malformed JSON is a 400 problem', async () => {
    const response = await api.server.app.inject({
      method: 'POST',
      url: '/api/experiments',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "unterminated',
    });
    const problem = expectProblem(response, 400, 'INVALID_ARGUMENT');
    expect(problem.detail).toMatch(/JSON/);
  });

  it('a JSON body that is not an object is a 400 problem', async () => {
    const before = await allExperiments(api);
    for (const payload of ['[]', '"name"', '42', 'null']) {
      const response = await api.server.app.inject({ method: 'POST', url: '/api/experiments', headers: { 'content-type': 'application/json' }, payload });
      expectProblem(response, 400, 'INVALID_ARGUMENT');
    }
    expect(await allExperiments(api)).toEqual(before);
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])('content-type %s is a 415 problem', async (contentType) => {
    const before = await allExperiments(api);
    const response = await api.server.app.inject({ method: 'POST', url: '/api/experiments', headers: { 'content-type': contentType }, payload: 'name=x' });
    const problem = expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(problem.status).toBe(415);
    expect(await allExperiments(api)).toEqual(before);
  });

  it('accepts JSON with a charset parameter', async () => {
    const response = await api.server.app.inject({
      method: 'POST',
      url: '/api/experiments',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ name: 'charset' }),
    });
    expect(expectStatus(response, 201).name).toBe('charset');
  });

  it('an empty JSON body on an action that takes none is accepted', async () => {
    const experiment = await createExperiment(api);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    const response = await api.server.app.inject({
      method: 'POST',
      url: `/api/experiments/${experiment.id}/restore`,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(expectStatus(response, 200).lifecycleStage).toBe('active');
  });

  it('a JSON body over the limit is a 413 problem', async () => {
    const { app } = await customServer({ limits: { maxJsonBytes: 1024 } });
    const response = await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'big', description: 'd'.repeat(2048) } });
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('server failures (500)', () => {
  it('a failing repository gives a 500 INTERNAL problem with no stack or message, and the error is logged', async () => {
    const { logger, records } = capturingLogger();
    const { app, fathom } = await customServer({ logger });
    const experiments = fathom.container.resolve<ExperimentRepository>(TOKENS.Experiments);
    vi.spyOn(experiments, 'list').mockRejectedValue(new Error(SECRET));

    const response = await app.inject({ method: 'GET', url: '/api/experiments' });
    const problem = expectProblem(response, 500, 'INTERNAL');
    expect(problem).not.toHaveProperty('errors');
    expectNoLeak(response);

    const logged = records.find((r) => JSON.stringify(r).includes('hunter2'));
    expect(logged).toBeDefined();
    expect(logged?.level).toBeGreaterThanOrEqual(50);
  });

  it('a route that throws gives a 500 INTERNAL problem without leaking', async () => {
    const { app } = await customServer({}, (server) => {
      server.get('/boom', async () => {
        throw new TypeError(`cannot read properties of undefined (${SECRET})`);
      });
    });
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expectProblem(response, 500, 'INTERNAL');
    expectNoLeak(response);
  });

  it('other requests keep working after a 500', async () => {
    const { app, fathom } = await customServer();
    const experiments = fathom.container.resolve<ExperimentRepository>(TOKENS.Experiments);
    vi.spyOn(experiments, 'get').mockRejectedValueOnce(new Error(SECRET));
    expectProblem(await app.inject({ method: 'GET', url: '/api/experiments/any' }), 500, 'INTERNAL');
    expectProblem(await app.inject({ method: 'GET', url: '/api/experiments/any' }), 404, 'NOT_FOUND');
  });
});

describe('malformed requests Fastify answers before any route', () => {
  it('a URL that is not valid percent-encoding gets a 400 problem', async () => {
    const response = await api.get('/api/experiments/%ff');
    expectProblem(response, 400, 'INVALID_ARGUMENT');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('an over-long id gets a 414 problem', async () => {
    const response = await api.get(`/api/experiments/${'a'.repeat(2000)}`);
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 414, code: 'INVALID_ARGUMENT' });
  });

  it('headers too large for the HTTP parser get a 431 problem on the raw socket', async () => {
    const { app } = await customServer();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/healthz`, { headers: { 'x-padding': 'a'.repeat(40_000) } });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 431, code: 'INVALID_ARGUMENT' });
  });

  it('query booleans are only true or false: permanent=1 is refused, not taken as true', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(await api.del(`/api/experiments/${experiment.id}?permanent=1`), 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/permanent']);
    expectStatus(await api.get(`/api/experiments/${experiment.id}`), 200);
  });

  it('an empty PATCH says a field to change is needed', async () => {
    const experiment = await createExperiment(api);
    const problem = expectProblem(await api.patch(`/api/experiments/${experiment.id}`, {}), 400, 'INVALID_ARGUMENT');
    expect(problem.errors).toEqual([{ path: '/', message: 'must hold at least one field to change' }]);
  });

  it('a metric value of the wrong JSON type says which types are allowed', async () => {
    const run = await createRun(api);
    const problem = expectProblem(await api.post(`/api/runs/${run.id}/metrics`, { key: 'loss', value: null }), 400, 'INVALID_ARGUMENT');
    expect(problem.errors).toEqual([{ path: '/value', message: 'must be a number or a string' }]);
  });
});

describe('shutting down', () => {
  it('answers a request that arrives on a kept-alive connection while the server closes with a 503 problem', async () => {
    let started!: () => void;
    const slowStarted = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const slowMayFinish = new Promise<void>((resolve) => (finish = resolve));
    const { app } = await customServer({}, (server) => {
      server.get('/slow', async () => {
        started();
        await slowMayFinish;
        return { done: true };
      });
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(address).port) });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.on('connect', resolve));

    socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await slowStarted;
    const closing = app.close(); // waits for /slow to finish
    // The server stops listening once close() is under way: from then on it is shutting down.
    for (let i = 0; i < 500 && app.server.listening; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    // Pipelined on the same connection: handled once /slow has answered, during the shutdown.
    socket.write('GET /api/experiments HTTP/1.1\r\nHost: localhost\r\n\r\n');
    finish();
    await closing;
    await ended;

    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(responses[0]).toContain('{"done":true}');
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(responses[1]).toContain('"code":"UNAVAILABLE"');
  });
});

describe('operations endpoints', () => {
  it('GET /healthz answers 200', async () => {
    expect(expectStatus(await api.get('/healthz'), 200)).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the stores are ready', async () => {
    expect(expectStatus(await api.get('/readyz'), 200)).toEqual({ status: 'ready' });
  });

  it('GET /readyz answers a 503 problem when a store is not ready', async () => {
    const readiness = api.server.container.resolve<Readiness>(TOKENS.Readiness);
    vi.spyOn(readiness, 'check').mockRejectedValue(new UnavailableError('the metadata store does not answer'));
    const problem = expectProblem(await api.get('/readyz'), 503, 'UNAVAILABLE');
    expect(problem.detail).toContain('metadata store');
    expect(expectStatus(await api.get('/healthz'), 200)).toEqual({ status: 'ok' });
  });

  it('GET /openapi.json is an OpenAPI document of the API', async () => {
    const response = await api.get('/openapi.json');
    const document = expectStatus(response, 200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/experiments',
        '/api/experiments/{id}',
        '/api/experiments/{id}/restore',
        '/api/experiments/{id}/runs',
        '/api/experiments/compare',
        '/api/runs/{id}',
        '/api/runs/{id}/children',
        '/api/runs/{id}/restore',
        '/api/runs/{id}/metrics',
        '/api/runs/{id}/metrics/{key}',
        '/api/runs/{id}/params',
        '/api/runs/{id}/artifacts',
        '/api/runs/compare',
        '/healthz',
        '/readyz',
      ]),
    );
    expect(Object.keys(document.paths['/api/experiments']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/api/experiments/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(document.paths['/api/experiments'].post.responses).toHaveProperty('201');
    expect(JSON.stringify(document)).toContain('lifecycleStage');
  });

  it('GET /docs serves the Swagger UI', async () => {
    let response = await api.get('/docs');
    for (let hops = 0; response.statusCode >= 300 && response.statusCode < 400 && hops < 3; hops++) {
      response = await api.get(new URL(response.headers.location as string, 'http://localhost/docs').pathname);
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/swagger-ui/i);
  });
});

describe('text that is not well-formed Unicode', () => {
  it('is refused with 400 naming the field, and changes nothing (a lone surrogate cannot be stored as sent)', async () => {
    // JSON can carry "\ud800" escapes; as raw text, so the client's JSON encoder does not see it.
    const body = '{"name": "lone \\ud800 surrogate", "tags": ["fine", "bad \\udc00"]}';
    const before = await allExperiments(api);
    const response = await api.server.app.inject({ method: 'POST', url: '/api/experiments', payload: body, headers: { 'content-type': 'application/json' } });
    const problem = expectProblem(response, 400, 'INVALID_ARGUMENT');
    expect(issuePaths(problem)).toEqual(['/name', '/tags/1']);
    expect(await allExperiments(api)).toEqual(before);
  });
});

describe('text no store holds (NUL)', () => {
  it('in an id, a name or a filter: 404, nothing found, or 400 saying where, as on PostgreSQL (postgres-unstorable-text.test.ts)', async () => {
    expect(await answersToUnstorableText(api.server.app)).toEqual(UNSTORABLE_TEXT_ANSWERS);
  });
});
