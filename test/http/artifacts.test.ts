import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aRun } from '../support/builders.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { BOUNDARY, field, file, filesUnder, multipart, sha256, type ArtifactJson, type FormPart, type ProblemJson } from './artifact-support.js';

describe('artifacts over HTTP', () => {
  let fathom: TestServer;
  let runId: string;
  let experimentId: string;

  beforeEach(async () => {
    fathom = await aServer();
    const run = await aRun(fathom);
    runId = run.id;
    experimentId = run.experimentId;
  });

  afterEach(async () => {
    await fathom.close();
  });

  const upload = (parts: FormPart[], run = runId) =>
    fathom.app.inject({ method: 'POST', url: `/api/runs/${run}/artifacts`, ...multipart(parts) });

  async function uploaded(parts: FormPart[], run = runId): Promise<ArtifactJson> {
    const response = await upload(parts, run);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<ArtifactJson>();
  }

  const listRun = async (run = runId): Promise<ArtifactJson[]> => {
    const response = await fathom.app.inject({ method: 'GET', url: `/api/runs/${run}/artifacts` });
    expect(response.statusCode).toBe(200);
    return response.json<{ artifacts: ArtifactJson[] }>().artifacts;
  };

  const download = (name: string, headers: Record<string, string> = {}, query = '') =>
    fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts/${name}${query}`, headers });

  describe('upload', () => {
    it('stores the file and answers 201 with the artifact and its Location', async () => {
      const response = await upload([file('weights v1', 'model.bin', 'application/x-pytorch')]);
      expect(response.statusCode).toBe(201);
      const artifact = response.json<ArtifactJson>();
      const hex = sha256('weights v1');
      expect(artifact).toEqual({
        id: expect.any(String),
        runId,
        experimentId,
        name: 'model.bin',
        type: 'other',
        path: `sha256/${hex.slice(0, 2)}/${hex}`,
        size: 10,
        sha256: hex,
        version: '1',
        tags: [],
        contentType: 'application/x-pytorch',
        metadata: {},
        uploadedAt: '2026-01-15T10:00:00.000Z',
      });
      expect(response.headers.location).toBe(`/api/runs/${runId}/artifacts/model.bin?version=1`);
      const fetched = await fathom.app.inject({ method: 'GET', url: response.headers.location as string });
      expect(fetched.body).toBe('weights v1');
      expect(await listRun()).toEqual([artifact]);
    });

    it('reads the describing fields whether they come before or after the file part', async () => {
      const artifact = await uploaded([
        field('name', 'models/classifier.pt'),
        field('type', 'model'),
        file('weights', 'upload.tmp'),
        field('version', 'v2.0-rc.1'),
        field('tags', 'prod, best ,prod'),
        field('metadata', JSON.stringify({ accuracy: 0.93, framework: { name: 'torch', version: '2.3' } })),
      ]);
      expect(artifact).toMatchObject({
        name: 'models/classifier.pt',
        type: 'model',
        version: 'v2.0-rc.1',
        tags: ['prod', 'best'],
        metadata: { accuracy: 0.93, framework: { name: 'torch', version: '2.3' } },
      });
      expect((await download('models/classifier.pt')).body).toBe('weights');
    });

    it("names the artifact after the uploaded file when no name is given", async () => {
      const artifact = await uploaded([field('type', 'dataset'), file('a,b\n1,2\n', 'train.csv', 'text/csv')]);
      expect(artifact).toMatchObject({ name: 'train.csv', type: 'dataset', contentType: 'text/csv' });
    });

    it.each([['../x'], ['/abs'], ['a\\b'], ['models/../../etc/passwd'], ['a//b'], ['bad\u0001name'], ['x'.repeat(256)]])(
      'refuses the name %j with a 400 problem naming /name, and keeps nothing',
      async (name) => {
        const response = await upload([field('name', name), file('content of a bad name')]);
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = response.json<ProblemJson>();
        expect(problem).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
        expect(problem.errors?.map((e) => e.path)).toEqual(['/name']);
        expect(await listRun()).toEqual([]);
        expect(await filesUnder(fathom.blobRoot)).toEqual([]);
      },
    );

    it('refuses a file name that is not a valid artifact name when no name is given', async () => {
      const response = await upload([file('x', '..')]);
      expect(response.statusCode).toBe(400);
      expect(await listRun()).toEqual([]);
    });

    it('lists every bad field at once', async () => {
      const response = await upload([file('x'), field('type', 'spreadsheet'), field('metadata', '[1,2]'), field('version', 'has space')]);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>().errors?.map((e) => e.path).sort()).toEqual(['/metadata', '/type', '/version']);
    });

    it('refuses metadata that is not JSON', async () => {
      const response = await upload([file('x'), field('metadata', '{not json')]);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>().errors).toEqual([{ path: '/metadata', message: expect.any(String) }]);
    });

    it('refuses metadata over 64 KiB', async () => {
      const response = await upload([file('x'), field('metadata', JSON.stringify({ blob: 'x'.repeat(64 * 1024) }))]);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>().errors?.[0]?.path).toBe('/metadata');
    });

    it.each([
      ['before the file', [field('colour', 'blue'), file('x')]],
      ['after the file', [file('x'), field('colour', 'blue')]],
    ])('refuses an unknown field %s, naming it, and keeps nothing', async (_where, parts) => {
      const response = await upload(parts);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>().errors?.map((e) => e.path)).toEqual(['/colour']);
      expect(await listRun()).toEqual([]);
      expect(await filesUnder(fathom.blobRoot)).toEqual([]);
    });

    it('refuses a form without a file part', async () => {
      const response = await upload([field('name', 'model.bin'), field('type', 'model')]);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>()).toMatchObject({ code: 'INVALID_ARGUMENT', errors: [{ path: '/file' }] });
    });

    it('refuses a second file part with 400 and keeps nothing', async () => {
      const response = await upload([file('one'), { name: 'file', filename: 'two.bin', content: 'two' }]);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>()).toMatchObject({ code: 'INVALID_ARGUMENT', errors: [{ path: '/file' }] });
      expect(await listRun()).toEqual([]);
      expect(await filesUnder(fathom.blobRoot)).toEqual([]);
    });

    it('refuses a file part under another name, naming it', async () => {
      const response = await upload([{ name: 'model', filename: 'model.bin', content: 'weights' }]);
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>().errors?.map((e) => e.path)).toEqual(['/model']);
    });

    it('refuses a body that is not multipart with 415', async () => {
      const response = await fathom.app.inject({
        method: 'POST',
        url: `/api/runs/${runId}/artifacts`,
        payload: { name: 'model.bin', content: 'weights' },
      });
      expect(response.statusCode).toBe(415);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json<ProblemJson>().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 404 for an unknown run', async () => {
      const response = await upload([file('x')], 'no-such-run');
      expect(response.statusCode).toBe(404);
      expect(response.json<ProblemJson>().code).toBe('NOT_FOUND');
      expect(await filesUnder(fathom.blobRoot)).toEqual([]);
    });

    it('stores identical content once, whatever the names', async () => {
      const a = await uploaded([field('name', 'a.bin'), file('shared weights')]);
      const b = await uploaded([field('name', 'b.bin'), file('shared weights')]);
      expect(b.path).toBe(a.path);
      expect(await filesUnder(fathom.blobRoot)).toEqual([join(a.path)]);
    });
  });

  describe('upload limit', () => {
    let small: TestServer;

    beforeEach(async () => {
      small = await aServer({ maxUploadBytes: 1000 });
    });

    afterEach(async () => {
      await small.close();
    });

    it('refuses a file past the limit with 413 and leaves no record and no blob', async () => {
      const run = await aRun(small);
      const response = await small.app.inject({
        method: 'POST',
        url: `/api/runs/${run.id}/artifacts`,
        ...multipart([field('name', 'big.bin'), file(Buffer.alloc(1001, 7))]),
      });
      expect(response.statusCode).toBe(413);
      expect(response.json<ProblemJson>().code).toBe('PAYLOAD_TOO_LARGE');
      const list = await small.app.inject({ method: 'GET', url: `/api/runs/${run.id}/artifacts` });
      expect(list.json()).toEqual({ artifacts: [] });
      expect(await filesUnder(small.blobRoot)).toEqual([]);
    });

    it('accepts a file of exactly the limit', async () => {
      const run = await aRun(small);
      const response = await small.app.inject({
        method: 'POST',
        url: `/api/runs/${run.id}/artifacts`,
        ...multipart([file(Buffer.alloc(1000, 7))]),
      });
      expect(response.statusCode).toBe(201);
      expect(response.json<ArtifactJson>().size).toBe(1000);
    });
  });

  describe('versions', () => {
    it('numbers uploads of a name 1, 2, … and downloads the newest unless ?version= is given', async () => {
      const first = await uploaded([field('name', 'model.pt'), file('weights one')]);
      const second = await uploaded([field('name', 'model.pt'), file('weights two')]);
      expect([first.version, second.version]).toEqual(['1', '2']);
      expect((await download('model.pt')).body).toBe('weights two');
      expect((await download('model.pt', {}, '?version=1')).body).toBe('weights one');
      expect((await download('model.pt', {}, '?version=2')).body).toBe('weights two');
    });

    it('numbers versions per experiment, across its runs, and separately per name', async () => {
      await uploaded([field('name', 'model.pt'), file('1')]);
      const sibling = await aRun(fathom, { experimentId });
      expect((await uploaded([field('name', 'model.pt'), file('2')], sibling.id)).version).toBe('2');
      expect((await uploaded([field('name', 'other.pt'), file('3')])).version).toBe('1');
      const elsewhere = await aRun(fathom);
      expect((await uploaded([field('name', 'model.pt'), file('4')], elsewhere.id)).version).toBe('1');
    });

    it('continues numbering after an explicit version', async () => {
      await uploaded([field('name', 'model.pt'), field('version', '5'), file('five')]);
      expect((await uploaded([field('name', 'model.pt'), file('six')])).version).toBe('6');
    });

    it('refuses an explicit version already taken with 409 and keeps nothing new', async () => {
      await uploaded([field('name', 'model.pt'), file('weights one')]);
      const response = await upload([field('name', 'model.pt'), field('version', '1'), file('another one')]);
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await listRun()).map((a) => a.version)).toEqual(['1']);
      expect((await download('model.pt')).body).toBe('weights one');
      expect(await filesUnder(fathom.blobRoot)).toHaveLength(1);
    });

    it('answers 404 for a version that does not exist', async () => {
      await uploaded([field('name', 'model.pt'), file('weights one')]);
      const response = await download('model.pt', {}, '?version=7');
      expect(response.statusCode).toBe(404);
      expect(response.json<ProblemJson>().code).toBe('NOT_FOUND');
    });
  });

  describe('download', () => {
    const content = '0123456789';
    let artifact: ArtifactJson;

    beforeEach(async () => {
      artifact = await uploaded([field('name', 'models/best/weights.bin'), file(content, 'w.bin', 'application/x-weights')]);
    });

    it('sends the bytes with their type, length, ETag, checksum and an attachment disposition', async () => {
      const response = await download('models/best/weights.bin');
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(content);
      expect(response.headers['content-type']).toBe('application/x-weights');
      expect(response.headers['content-length']).toBe('10');
      expect(response.headers.etag).toBe(`"${sha256(content)}"`);
      expect(response.headers['x-checksum-sha256']).toBe(sha256(content));
      expect(response.headers['content-disposition']).toBe('attachment; filename="weights.bin"');
      // Never rendered by a browser on this origin, whatever type the uploader claimed.
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    });

    it('sends application/octet-stream when the uploaded content type is not a media type', async () => {
      await uploaded([field('name', 'raw'), file('raw bytes', 'raw.bin', 'garbage')]);
      const response = await download('raw');
      expect(response.headers['content-type']).toBe('application/octet-stream');
      expect(response.headers['content-disposition']).toBe('attachment; filename="raw"');
    });

    it('answers 304 without a body when If-None-Match holds the ETag', async () => {
      const response = await download('models/best/weights.bin', { 'if-none-match': `"${artifact.sha256}"` });
      expect(response.statusCode).toBe(304);
      expect(response.body).toBe('');
      expect(response.headers.etag).toBe(`"${artifact.sha256}"`);
    });

    it('sends the content when If-None-Match holds another ETag', async () => {
      const response = await download('models/best/weights.bin', { 'if-none-match': `"${sha256('other')}"` });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(content);
    });

    it.each([
      ['bytes=0-3', '0123', 'bytes 0-3/10'],
      ['bytes=-2', '89', 'bytes 8-9/10'],
      ['bytes=5-', '56789', 'bytes 5-9/10'],
      ['bytes=9-9', '9', 'bytes 9-9/10'],
      ['bytes=7-100', '789', 'bytes 7-9/10'],
    ])('answers %s with 206, the range and its Content-Range', async (range, body, contentRange) => {
      const response = await download('models/best/weights.bin', { range });
      expect(response.statusCode).toBe(206);
      expect(response.body).toBe(body);
      expect(response.headers['content-range']).toBe(contentRange);
      expect(response.headers['content-length']).toBe(String(body.length));
    });

    it('sends the whole content for a range whose If-Range names another version', async () => {
      const stale = await download('models/best/weights.bin', { range: 'bytes=0-3', 'if-range': `"${sha256('older')}"` });
      expect(stale.statusCode).toBe(200);
      expect(stale.body).toBe(content);
      const current = await download('models/best/weights.bin', { range: 'bytes=0-3', 'if-range': `"${artifact.sha256}"` });
      expect(current.statusCode).toBe(206);
      expect(current.body).toBe('0123');
    });

    it('sends the whole content for several ranges at once', async () => {
      const response = await download('models/best/weights.bin', { range: 'bytes=0-1,4-5' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(content);
    });

    it.each([['bytes=10-'], ['bytes=100-200'], ['bytes=-0']])('answers the unsatisfiable %s with 416 and Content-Range bytes */10', async (range) => {
      const response = await download('models/best/weights.bin', { range });
      expect(response.statusCode).toBe(416);
      expect(response.headers['content-range']).toBe('bytes */10');
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('answers 404 for an unknown artifact and an unknown run', async () => {
      const unknownName = await download('models/best/nothing.bin');
      expect(unknownName.statusCode).toBe(404);
      expect(unknownName.headers['content-type']).toMatch(/^application\/problem\+json/);
      const unknownRun = await fathom.app.inject({ method: 'GET', url: '/api/runs/no-such-run/artifacts/models/best/weights.bin' });
      expect(unknownRun.statusCode).toBe(404);
    });

    it('never serves a file outside the artifact, whatever the path holds', async () => {
      const secret = 'root:x:0:0:top secret';
      await writeFile(join(fathom.dataDir, 'secret.txt'), secret);
      const attempts = [
        '%2e%2e/%2e%2e/%2e%2e/secret.txt',
        '..%2f..%2f..%2fsecret.txt',
        '%2e%2e%2f%2e%2e%2fsecret.txt',
        '..%5c..%5csecret.txt',
        `..%2f..%2fblobs%2f${artifact.path.replaceAll('/', '%2f')}`,
        `%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
        'models/best/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt',
      ];
      for (const attempt of attempts) {
        const response = await fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts/${attempt}` });
        expect([400, 404], attempt).toContain(response.statusCode);
        expect(response.body).not.toContain('top secret');
        expect(response.body).not.toContain(content);
        expect(response.body).not.toContain('root:');
      }
    });
  });

  describe('experiment artifacts', () => {
    it("lists every version across the experiment's runs, newest first, filtered by name and type", async () => {
      const sibling = await aRun(fathom, { experimentId });
      const m1 = await uploaded([field('name', 'model.pt'), field('type', 'model'), file('m1')]);
      fathom.clock.advance(1000);
      const data = await uploaded([field('name', 'train.csv'), field('type', 'dataset'), file('d1')], sibling.id);
      fathom.clock.advance(1000);
      const m2 = await uploaded([field('name', 'model.pt'), field('type', 'model'), file('m2')], sibling.id);
      await uploaded([field('name', 'model.pt'), field('type', 'model'), file('elsewhere')], (await aRun(fathom)).id);

      const list = async (query: string) => {
        const response = await fathom.app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/artifacts${query}` });
        expect(response.statusCode).toBe(200);
        return response.json<{ artifacts: ArtifactJson[] }>().artifacts.map((a) => a.id);
      };
      expect(await list('')).toEqual([m2.id, data.id, m1.id]);
      expect(await list('?name=model.pt')).toEqual([m2.id, m1.id]);
      expect(await list('?type=dataset')).toEqual([data.id]);
      expect(await list('?name=model.pt&type=dataset')).toEqual([]);
    });

    it('refuses an unknown type filter and answers 404 for an unknown experiment', async () => {
      const badType = await fathom.app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/artifacts?type=spreadsheet` });
      expect(badType.statusCode).toBe(400);
      const unknown = await fathom.app.inject({ method: 'GET', url: '/api/experiments/no-such-experiment/artifacts' });
      expect(unknown.statusCode).toBe(404);
    });

    it("shows a run's artifacts on the run itself", async () => {
      const artifact = await uploaded([field('name', 'model.pt'), file('weights')]);
      const run = await fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}` });
      expect(run.json<{ artifacts: ArtifactJson[] }>().artifacts).toEqual([artifact]);
    });
  });
});

describe('artifacts over a real socket', () => {
  let fathom: TestServer;
  let base: string;

  beforeEach(async () => {
    fathom = await aServer();
    base = await fathom.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    await fathom.close();
  });

  it('uploads with a real multipart client and downloads the same bytes, whole and in part', async () => {
    const run = await aRun(fathom);
    const content = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) % 256;
    const form = new FormData();
    form.append('name', 'checkpoints/epoch-3.ckpt');
    form.append('file', new Blob([content], { type: 'application/octet-stream' }), 'epoch-3.ckpt');
    form.append('type', 'model');
    form.append('tags', 'best');
    const response = await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    const artifact = (await response.json()) as ArtifactJson;
    expect(artifact).toMatchObject({ name: 'checkpoints/epoch-3.ckpt', type: 'model', tags: ['best'], size: content.length, sha256: sha256(content) });

    const location = response.headers.get('location') as string;
    const whole = await fetch(`${base}${location}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(content.length));
    expect(Buffer.from(await whole.arrayBuffer()).equals(content)).toBe(true);

    const part = await fetch(`${base}${location}`, { headers: { range: 'bytes=1048570-1048585' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1048570-1048585/${content.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(content.subarray(1048570, 1048586))).toBe(true);
  });

  it('keeps no record and no partial blob when the client drops an upload midway', async () => {
    const run = await aRun(fathom);
    const blobs = fathom.blobRoot;
    const { port } = new URL(base);
    const request = httpRequest({
      host: '127.0.0.1',
      port: Number(port),
      method: 'POST',
      path: `/api/runs/${run.id}/artifacts`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' },
    });
    const failed = new Promise<void>((resolve) => {
      request.on('error', () => resolve());
      request.on('close', () => resolve());
    });
    request.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\nhalf.bin\r\n`);
    request.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 1);
    // Keep sending until the server has started writing the blob, then drop the connection.
    await vi.waitFor(
      async () => {
        request.write(chunk);
        expect(await filesUnder(join(blobs, 'tmp'))).not.toEqual([]);
      },
      { timeout: 10_000, interval: 20 },
    );
    request.destroy();
    await failed;

    await vi.waitFor(async () => expect(await filesUnder(blobs)).toEqual([]), { timeout: 10_000, interval: 50 });
    const list = await fetch(`${base}/api/runs/${run.id}/artifacts`);
    expect(await list.json()).toEqual({ artifacts: [] });
    // The server is still healthy and accepts the next upload.
    const form = new FormData();
    form.append('file', new Blob(['after the drop']), 'after.bin');
    expect((await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: form })).status).toBe(201);
  });

  it('keeps an artifact downloadable when another upload of the same content fails meanwhile', async () => {
    const run = await aRun(fathom);
    const blobs = fathom.blobRoot;
    const content = Buffer.alloc(1024 * 1024, 9);
    const key = `sha256/${sha256(content).slice(0, 2)}/${sha256(content)}`;
    const { port } = new URL(base);
    const open = () => {
      const request = httpRequest({
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path: `/api/runs/${run.id}/artifacts`,
        agent: false,
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' },
      });
      const response = new Promise<{ status: number; body: string }>((done, fail) => {
        request.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body }));
        });
        request.on('error', fail);
      });
      request.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="model.bin"\r\n\r\n`);
      return { request, response };
    };
    const blobStored = () => vi.waitFor(async () => expect(await filesUnder(blobs)).toEqual([key]), { timeout: 10_000, interval: 20 });
    const tmpHolds = (count: number) => vi.waitFor(async () => expect(await filesUnder(join(blobs, 'tmp'))).toHaveLength(count), { timeout: 10_000, interval: 20 });

    // A streams the model and stores it first; its fields are still to come.
    const a = open();
    a.request.write(content);
    a.request.write(`\r\n--${BOUNDARY}\r\n`);
    await blobStored();
    // B streams the same model: already stored, so deduplicated; its fields are still to come too.
    const b = open();
    b.request.write(content.subarray(0, content.length / 2));
    await tmpHolds(1);
    b.request.write(content.subarray(content.length / 2));
    b.request.write(`\r\n--${BOUNDARY}\r\n`);
    await tmpHolds(0);
    // A turns out to be invalid and is refused; B completes.
    a.request.end(`Content-Disposition: form-data; name="name"\r\n\r\n../escape\r\n--${BOUNDARY}--\r\n`);
    expect((await a.response).status).toBe(400);
    b.request.end(`Content-Disposition: form-data; name="name"\r\n\r\nshared.bin\r\n--${BOUNDARY}--\r\n`);
    const created = await b.response;
    expect(created.status, created.body).toBe(201);

    const downloaded = await fetch(`${base}/api/runs/${run.id}/artifacts/shared.bin`);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(content)).toBe(true);
  });

  it('refuses an oversized upload over the socket with 413', async () => {
    await fathom.close();
    fathom = await aServer({ maxUploadBytes: 1000 });
    base = await fathom.app.listen({ port: 0, host: '127.0.0.1' });
    const run = await aRun(fathom);
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(5000, 3)]), 'big.bin');
    const response = await fetch(`${base}/api/runs/${run.id}/artifacts`, { method: 'POST', body: form });
    const body = await response.text();
    expect(response.status, body).toBe(413);
    expect((JSON.parse(body) as ProblemJson).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await filesUnder(fathom.blobRoot)).toEqual([]);
  });
});
