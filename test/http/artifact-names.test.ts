import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aRun } from '../support/builders.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { encodedName, field, file, filesUnder, multipart, type ArtifactJson, type FormPart, type ProblemJson } from './artifact-support.js';

/** Names as MLflow clients and people give them: the native API stores, lists and serves them as sent. */
const NAMES = [
  'model/MLmodel',
  'checkpoints/epoch=3-step=1000.ckpt',
  'plots/loss curve.png',
  'data/train (v2).csv',
  '100% done.txt',
  'runs/#42/notes?.md',
  "a+b=c, d;e@f~g[h]!&'$.txt",
  '模型/权重 最终.bin',
  'données/été.csv',
  '😀/🚀 launch.bin',
];

describe('artifact names over HTTP', () => {
  let fathom: TestServer;
  let runId: string;

  beforeEach(async () => {
    fathom = await aServer();
    runId = (await aRun(fathom)).id;
  });

  afterEach(async () => {
    await fathom.close();
  });

  const upload = (parts: FormPart[]) => fathom.app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...multipart(parts) });
  const download = (path: string) => fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts/${path}` });

  it.each(NAMES)('%j goes up, shows in the list and comes back down with a Location that works', async (name) => {
    const response = await upload([field('name', name), file(`content of ${name}`)]);
    expect(response.statusCode, response.body).toBe(201);
    const artifact = response.json<ArtifactJson>();
    expect(artifact.name).toBe(name);
    expect(response.headers.location).toBe(`/api/runs/${runId}/artifacts/${encodedName(name)}?version=1`);

    const listed = await fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts` });
    expect(listed.json<{ artifacts: ArtifactJson[] }>().artifacts).toEqual([artifact]);

    for (const url of [response.headers.location as string, `/api/runs/${runId}/artifacts/${encodedName(name)}`]) {
      const fetched = await fathom.app.inject({ method: 'GET', url });
      expect(fetched.statusCode, url).toBe(200);
      expect(fetched.body).toBe(`content of ${name}`);
    }
  });

  it('keeps apart names that differ only where a URL could blur them', async () => {
    const names = ['a b', 'a+b', 'a%20b', 'a/b', 'a%2Fb', 'a?b', 'a#b'];
    for (const name of names) expect((await upload([field('name', name), file(`is ${name}`)])).statusCode).toBe(201);
    for (const name of names) expect((await download(encodedName(name))).body).toBe(`is ${name}`);
  });

  it('reads an encoded slash as the separator it stands for', async () => {
    await upload([field('name', 'plots/loss.png'), file('plot')]);
    expect((await download('plots%2Floss.png')).body).toBe('plot');
  });

  it('names the download after the last segment, with an ASCII stand-in and the exact name for other names', async () => {
    const disposition = async (name: string) => {
      expect((await upload([field('name', name), file('x')])).statusCode).toBe(201);
      return (await download(encodedName(name))).headers['content-disposition'];
    };
    expect(await disposition('plots/loss curve.png')).toBe('attachment; filename="loss curve.png"');
    expect(await disposition("data/train (v2)'s.csv")).toBe(`attachment; filename="train (v2)'s.csv"`);
    expect(await disposition('模型/权重.bin')).toBe("attachment; filename=\"__.bin\"; filename*=UTF-8''%E6%9D%83%E9%87%8D.bin");
    expect(await disposition('say "hi" (100%).txt')).toBe(
      "attachment; filename=\"say _hi_ (100_).txt\"; filename*=UTF-8''say%20%22hi%22%20%28100%25%29.txt",
    );
    expect(await disposition('🚀.bin')).toBe("attachment; filename=\"_.bin\"; filename*=UTF-8''%F0%9F%9A%80.bin");
  });

  it("takes a file's own non-ASCII name when no name is given", async () => {
    const response = await upload([file('weights', 'modèle final.pt')]);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json<ArtifactJson>().name).toBe('modèle final.pt');
    expect((await download(encodedName('modèle final.pt'))).body).toBe('weights');
  });

  it.each([
    ['a leading space', ' model.pt'],
    ['a trailing space in a folder', 'plots /loss.png'],
    ['a NUL', 'model\u0000.pt'],
    ['a line break', 'model\n.pt'],
    ['a drive letter', 'C:/Windows/model.pt'],
  ])('refuses a name with %s with a 400 naming /name', async (_what, name) => {
    const response = await upload([field('name', name), file('x')]);
    expect(response.statusCode).toBe(400);
    expect(response.json<ProblemJson>().errors?.map((e) => e.path)).toEqual(['/name']);
    expect(await filesUnder(fathom.blobRoot)).toEqual([]);
  });
});

describe('artifact names that try to leave the run, over a real socket', () => {
  let fathom: TestServer;
  let port: number;
  let runId: string;

  beforeEach(async () => {
    fathom = await aServer();
    port = Number(new URL(await fathom.app.listen({ port: 0, host: '127.0.0.1' })).port);
    runId = (await aRun(fathom)).id;
  });

  afterEach(async () => {
    await fathom.close();
  });

  /** A request with the path sent exactly as written: fetch and inject() would resolve `..` first. */
  function raw(method: string, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method, path, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  const ATTEMPTS = [
    '..',
    '../secret.txt',
    '../../../secret.txt',
    '%2e%2e/%2e%2e/secret.txt',
    '%2E%2E%2Fsecret.txt',
    '..%2f..%2fsecret.txt',
    'models/%2e%2e/%2e%2e/%2e%2e/secret.txt',
    'models/./model.pt',
    '..%5c..%5csecret.txt',
    'models%5cmodel.pt',
    'model%00.pt',
    '%2Fetc%2Fpasswd',
    '/etc/passwd',
    'C:%2FWindows%2Fwin.ini',
    'models//model.pt',
  ];

  it.each(ATTEMPTS)('refuses GET and DELETE of %j with a 400 naming /name, serving and removing nothing', async (attempt) => {
    const secret = 'root:x:0:0:top secret';
    await writeFile(join(fathom.dataDir, 'secret.txt'), secret);
    const form = multipart([field('name', 'models/model.pt'), file('the weights')]);
    expect((await fathom.app.inject({ method: 'POST', url: `/api/runs/${runId}/artifacts`, ...form })).statusCode).toBe(201);

    for (const method of ['GET', 'DELETE']) {
      const response = await raw(method, `/api/runs/${runId}/artifacts/${attempt}`);
      expect(response.status, `${method} ${attempt}: ${response.body}`).toBe(400);
      const problem = JSON.parse(response.body) as ProblemJson;
      expect(problem.code).toBe('INVALID_ARGUMENT');
      expect(problem.errors?.map((e) => e.path)).toEqual(['/name']);
      expect(response.body).not.toContain('top secret');
    }
    expect((await raw('GET', `/api/runs/${runId}/artifacts/models/model.pt`)).body).toBe('the weights');
  });
});
