import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpLimits } from '../../src/adapters/http/limits/http-limits.js';
import { bearer, aUser } from '../support/access.js';
import { aRun } from '../support/builders.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { BOUNDARY, filesUnder, type ArtifactJson, type ProblemJson } from './artifact-support.js';

/** Uploads and slow clients over real sockets: what the limits free, and when. */
describe('upload cap and timeouts', () => {
  let fathom: TestServer | undefined;
  let base = '';
  const open: ClientRequest[] = [];
  afterEach(async () => {
    for (const request of open.splice(0)) request.destroy();
    await fathom?.close();
    fathom = undefined;
  });
  const start = async (limits: Partial<HttpLimits>, auth: 'none' | 'token' = 'none'): Promise<TestServer> => {
    fathom = await aServer({ limits, auth });
    base = await fathom.app.listen({ port: 0, host: '127.0.0.1' });
    return fathom;
  };
  const port = (): number => Number(new URL(base).port);

  /** An upload that sends its form up to part of the file and then waits: resolves once the server is staging it. */
  async function startedUpload(s: TestServer, runId: string): Promise<{ request: ClientRequest; answer: Promise<{ status: number; body: string }>; closed: Promise<void> }> {
    const request = httpRequest({
      host: '127.0.0.1',
      port: port(),
      method: 'POST',
      path: `/api/runs/${runId}/artifacts`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' },
    });
    open.push(request);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
    });
    answer.catch(() => undefined);
    const closed = new Promise<void>((resolve) => request.on('close', () => resolve()));
    request.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n`);
    await vi.waitFor(
      async () => {
        request.write(Buffer.alloc(64 * 1024, 7));
        expect(await filesUnder(join(s.blobRoot, 'tmp'))).not.toEqual([]);
      },
      { timeout: 10_000, interval: 20 },
    );
    return { request, answer, closed };
  }

  const formWith = (content: string): FormData => {
    const form = new FormData();
    form.append('file', new Blob([content]), 'small.bin');
    return form;
  };

  it('refuses an upload beyond FATHOM_MAX_CONCURRENT_UPLOADS with 503 and Retry-After, on both APIs, until a slot is free', async () => {
    const s = await start({ maxConcurrentUploads: 1 });
    const run = await aRun(s);
    const first = await startedUpload(s, run.id);

    const refused = await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: formWith('second') });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await refused.json()) as ProblemJson;
    expect(problem.code).toBe('UNAVAILABLE');
    expect(problem.detail).toContain('FATHOM_MAX_CONCURRENT_UPLOADS');

    const mlflow = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${run.experimentId}/${run.id}/artifacts/model.pkl`, { method: 'PUT', body: 'bytes' });
    expect(mlflow.status).toBe(503);
    expect(mlflow.headers.get('retry-after')).toBe('5');
    expect(await mlflow.json()).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE' });

    // The first upload finishes normally, and its slot is free again.
    first.request.end(`\r\n--${BOUNDARY}--\r\n`);
    expect((await first.answer).status).toBe(201);
    const after = await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: formWith('second') });
    expect(after.status).toBe(201);
    const listed = (await (await fetch(`${base}/api/runs/${run.id}/artifacts`)).json()) as { artifacts: ArtifactJson[] };
    expect(listed.artifacts.map((a) => a.name).sort()).toEqual(['slow.bin', 'small.bin']);
  });

  it('frees the slot of an upload whose client went away', async () => {
    const s = await start({ maxConcurrentUploads: 1 });
    const run = await aRun(s);
    const dropped = await startedUpload(s, run.id);
    dropped.request.destroy();
    await dropped.closed;
    await vi.waitFor(async () => expect((await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: formWith('next') })).status).toBe(201), {
      timeout: 5000,
      interval: 50,
    });
  });

  it('cuts a stalled upload after FATHOM_IDLE_TIMEOUT: no staging file, no record, and its slot is free', async () => {
    const s = await start({ maxConcurrentUploads: 1, idleTimeoutMs: 400 });
    const run = await aRun(s);
    const stalled = await startedUpload(s, run.id);
    const began = Date.now();
    await stalled.closed; // the server closed the connection: the client sent nothing more
    expect(Date.now() - began).toBeLessThan(5000);

    await vi.waitFor(async () => expect(await filesUnder(s.blobRoot)).toEqual([]), { timeout: 5000, interval: 50 });
    const listed = (await (await fetch(`${base}/api/runs/${run.id}/artifacts`)).json()) as { artifacts: ArtifactJson[] };
    expect(listed.artifacts).toEqual([]);
    const next = await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: formWith('after the stall') });
    expect(next.status).toBe(201);
  });

  /** Sends `text` on a raw socket and returns everything the server wrote before it closed the connection. */
  function rawExchange(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port(), '127.0.0.1', () => socket.write(text));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server kept the connection open; received so far: ${received}`));
      }, 8000).unref();
    });
  }

  it('answers 401 and 403 to an upload before reading its body, and closes the connection instead of taking the rest', async () => {
    const s = await start({}, 'token');
    const run = await aRun(s);
    const reader = await aUser(s, 'rita', 'reader');
    // A gigabyte announced, a few bytes sent: the answer must come, and the connection end, without the rest.
    const upload = (authorization: string) =>
      rawExchange(
        `POST /api/runs/${run.id}/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n` +
          `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${1024 ** 3}\r\n\r\n--${BOUNDARY}\r\n`,
      );
    for (const [authorization, status] of [['Bearer fth_nobody_secret', 401], [bearer(reader).authorization, 403]] as const) {
      const answer = await upload(authorization);
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer.toLowerCase()).toContain('connection: close');
    }
  });

  it('answers 408 to headers that do not arrive within FATHOM_HEADERS_TIMEOUT and closes the connection', async () => {
    await start({ headersTimeoutMs: 300 });
    const answer = await rawExchange('GET /api/experiments HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('application/problem+json');
  });

  it('answers 408 to a JSON body that does not arrive within FATHOM_REQUEST_TIMEOUT, and creates nothing', async () => {
    const s = await start({ requestTimeoutMs: 400 });
    const body = JSON.stringify({ name: 'trickled' });
    const answer = await rawExchange(
      `POST /api/experiments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as ProblemJson;
    expect(problem).toMatchObject({ status: 408, detail: 'the request did not arrive whole within 400 ms (FATHOM_REQUEST_TIMEOUT)' });
    const list = await s.app.inject({ url: '/api/experiments' });
    expect(list.json<{ experiments: { name: string }[] }>().experiments.map((e) => e.name)).not.toContain('trickled');
  });

  it('does not cut an upload that keeps sending for longer than FATHOM_REQUEST_TIMEOUT', async () => {
    const s = await start({ requestTimeoutMs: 300, idleTimeoutMs: 5000 });
    const run = await aRun(s);
    const upload = await startedUpload(s, run.id);
    for (let i = 0; i < 8; i++) {
      upload.request.write(Buffer.alloc(1024, i));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    upload.request.end(`\r\n--${BOUNDARY}--\r\n`);
    expect((await upload.answer).status).toBe(201);
  });
});
