import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  artifactUrl,
  createExperiment,
  createRun,
  downloadArtifact,
  expectMlflowError,
  listArtifacts,
  ok,
  putArtifact,
  queryString,
  sha256,
  useMlflowServer,
  type Json,
  type MlflowServer,
} from './mlflow-client.js';

/** A run to put files in: its experiment and id. */
async function aRun(s: MlflowServer): Promise<{ experimentId: string; runId: string }> {
  const experimentId = await createExperiment(s);
  return { experimentId, runId: (await createRun(s, experimentId)).info.run_id };
}

async function nativeArtifacts(s: MlflowServer, runId: string): Promise<Json[]> {
  return ok(await s.native.get(`/api/runs/${runId}`)).artifacts;
}

describe('MLflow proxied artifacts', () => {
  const server = useMlflowServer();

  it('uploads the raw body of a PUT as a file of the run, which downloads byte for byte with its type', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    const weights = randomBytes(300_000);
    expect(ok(await putArtifact(s, experimentId, runId, 'model/model.pth', weights))).toEqual({});
    // A JSON file goes up as application/json: its body is the file, never parsed.
    const config = '{"layers": 12, "broken json": ';
    ok(await putArtifact(s, experimentId, runId, 'config.json', config, 'application/json'));
    ok(await putArtifact(s, experimentId, runId, 'notes.txt', 'plain text\n', 'text/plain'));
    ok(await putArtifact(s, experimentId, runId, 'empty.txt', '', 'text/plain'));

    const model = await downloadArtifact(s, experimentId, runId, 'model/model.pth');
    expect(model.status).toBe(200);
    expect(model.bytes.equals(weights)).toBe(true);
    expect(model.headers.get('content-type')).toBe('application/octet-stream');
    expect(model.headers.get('x-checksum-sha256')).toBe(sha256(weights));
    expect(model.headers.get('etag')).toBe(`"${sha256(weights)}"`);
    // An uploaded page is saved by a browser, never rendered on Fathom's origin (as MLflow's server does).
    ok(await putArtifact(s, experimentId, runId, 'report.html', '<script>alert(1)</script>', 'text/html'));
    const page = await downloadArtifact(s, experimentId, runId, 'report.html');
    expect(page.headers.get('content-disposition')).toBe('attachment; filename="report.html"');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const json = await downloadArtifact(s, experimentId, runId, 'config.json');
    expect(json.bytes.toString()).toBe(config);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await downloadArtifact(s, experimentId, runId, 'notes.txt')).headers.get('content-type')).toMatch(/^text\/plain/);
    const empty = await downloadArtifact(s, experimentId, runId, 'empty.txt');
    expect([empty.status, empty.bytes.length]).toEqual([200, 0]);

    const records = await nativeArtifacts(s, runId);
    expect(records.find((a: Json) => a.name === 'model/model.pth')).toMatchObject({ size: weights.length, sha256: sha256(weights), version: '1', type: 'model' });
    expect(records.find((a: Json) => a.name === 'config.json')).toMatchObject({ sha256: sha256(config), contentType: 'application/json' });
  });

  it('lists through the tracking API too (artifacts/list): paths from the run\'s root, and the root_uri', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    const root = `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
    expect(ok(await s.get('artifacts/list', { run_id: runId }))).toEqual({ root_uri: root });
    ok(await putArtifact(s, experimentId, runId, 'model/MLmodel', 'flavors: {}\n'));
    ok(await putArtifact(s, experimentId, runId, 'model/data/weights.bin', 'wwww'));
    ok(await putArtifact(s, experimentId, runId, 'notes.txt', 'hi'));
    expect(ok(await s.get('artifacts/list', { run_id: runId }))).toEqual({
      root_uri: root,
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 2 },
      ],
    });
    expect(ok(await s.get('artifacts/list', { run_id: runId, path: 'model' }))).toEqual({
      root_uri: root,
      files: [
        { path: 'model/MLmodel', is_dir: false, file_size: 12 },
        { path: 'model/data', is_dir: true },
      ],
    });
    expectMlflowError(await s.get('artifacts/list', { run_id: 'no-such-run' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('lists a directory as MLflow\'s artifact server does: base names, directories first-class, sizes of files', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    expect(await listArtifacts(s, experimentId, runId)).toEqual({});
    for (const [path, content] of [
      ['model/MLmodel', 'flavors: {}\n'],
      ['model/data/weights.bin', 'wwww'],
      ['model/requirements.txt', 'torch\n'],
      ['metrics.csv', 'a,b\n1,2\n'],
      ['plots/loss curve.png', 'png!'],
      ['checkpoints/epoch=3-step=1000.ckpt', 'ckpt'],
    ] as const) {
      ok(await putArtifact(s, experimentId, runId, path, content));
    }
    expect(await listArtifacts(s, experimentId, runId)).toEqual({
      files: [
        { path: 'checkpoints', is_dir: true },
        { path: 'metrics.csv', is_dir: false, file_size: 8 },
        { path: 'model', is_dir: true },
        { path: 'plots', is_dir: true },
      ],
    });
    expect(await listArtifacts(s, experimentId, runId, 'model')).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'data', is_dir: true },
        { path: 'requirements.txt', is_dir: false, file_size: 6 },
      ],
    });
    expect(await listArtifacts(s, experimentId, runId, 'model/data')).toEqual({ files: [{ path: 'weights.bin', is_dir: false, file_size: 4 }] });
    expect(await listArtifacts(s, experimentId, runId, 'plots')).toEqual({ files: [{ path: 'loss curve.png', is_dir: false, file_size: 4 }] });
    // A file's own path, or a directory that does not exist, lists nothing.
    expect(await listArtifacts(s, experimentId, runId, 'metrics.csv')).toEqual({});
    expect(await listArtifacts(s, experimentId, runId, 'nowhere')).toEqual({});
    // The checkpoint with = in its name downloads.
    expect((await downloadArtifact(s, experimentId, runId, 'checkpoints/epoch=3-step=1000.ckpt')).bytes.toString()).toBe('ckpt');
    expect((await downloadArtifact(s, experimentId, runId, 'plots/loss curve.png')).bytes.toString()).toBe('png!');
  });

  it('makes a second PUT of a path version 2; the download and the listing give the newest', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    ok(await putArtifact(s, experimentId, runId, 'model.pkl', 'first'));
    ok(await putArtifact(s, experimentId, runId, 'model.pkl', 'second, longer'));
    expect((await downloadArtifact(s, experimentId, runId, 'model.pkl')).bytes.toString()).toBe('second, longer');
    expect(await listArtifacts(s, experimentId, runId)).toEqual({ files: [{ path: 'model.pkl', is_dir: false, file_size: 14 }] });
    const versions = (await nativeArtifacts(s, runId)).map((a: Json) => [a.version, a.sha256]);
    expect(versions).toEqual([
      ['2', sha256('second, longer')],
      ['1', sha256('first')],
    ]);
  });

  it('deletes a file, or a whole directory, as delete_artifacts does', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    for (const path of ['keep.txt', 'model/MLmodel', 'model/data/w.bin', 'modelling.txt']) ok(await putArtifact(s, experimentId, runId, path, path));
    expect(ok(await s.fetch(artifactUrl(experimentId, runId, 'keep.txt'), { method: 'DELETE' }))).toEqual({});
    expect((await downloadArtifact(s, experimentId, runId, 'keep.txt')).status).toBe(404);
    expect(ok(await s.fetch(artifactUrl(experimentId, runId, 'model'), { method: 'DELETE' }))).toEqual({});
    expect(await listArtifacts(s, experimentId, runId)).toEqual({ files: [{ path: 'modelling.txt', is_dir: false, file_size: 13 }] });
    expect((await nativeArtifacts(s, runId)).map((a: Json) => a.name)).toEqual(['modelling.txt']);
    expectMlflowError(await s.fetch(artifactUrl(experimentId, runId, 'keep.txt'), { method: 'DELETE' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('shows files uploaded natively to MLflow clients', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    const form = new FormData();
    form.append('name', 'reports/summary.html');
    form.append('file', new Blob(['<h1>ok</h1>'], { type: 'text/html' }), 'summary.html');
    ok(await s.fetch(`/api/runs/${runId}/artifacts`, { method: 'POST', body: form }), 201);
    expect(await listArtifacts(s, experimentId, runId, 'reports')).toEqual({ files: [{ path: 'summary.html', is_dir: false, file_size: 11 }] });
    const download = await downloadArtifact(s, experimentId, runId, 'reports/summary.html');
    expect(download.bytes.toString()).toBe('<h1>ok</h1>');
    expect(download.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('answers RESOURCE_DOES_NOT_EXIST for an unknown run, a run of another experiment, an unknown file', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    const other = await createExperiment(s);
    const unknownRun = 'c'.repeat(32);
    expectMlflowError(await putArtifact(s, experimentId, unknownRun, 'x.txt', 'x'), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await putArtifact(s, other, runId, 'x.txt', 'x'), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await s.fetch(`${ARTIFACTS}${queryString({ path: `${experimentId}/${unknownRun}/artifacts` })}`), 404, 'RESOURCE_DOES_NOT_EXIST');
    const missing = await s.fetch(artifactUrl(experimentId, runId, 'missing.bin'));
    expectMlflowError(missing, 404, 'RESOURCE_DOES_NOT_EXIST');
    expect(await nativeArtifacts(s, runId)).toEqual([]);
  });

  it('refuses paths that leave the run\'s artifacts, and a PUT without a file name', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    for (const path of [`${experimentId}/${runId}/artifacts/`, `${experimentId}/${runId}/artifacts/a/%2e%2e/%2e%2e/x`, `${experimentId}/${runId}/elsewhere/x`]) {
      const response = await s.fetch(`${ARTIFACTS}/${path}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
      expect(response.status, `${path}: ${response.text}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${path}: ${response.text}`).toBeLessThan(500);
      expect(response.body).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
    }
    expect(await nativeArtifacts(s, runId)).toEqual([]);
  });

  it('answers the same under /ajax-api/2.0/mlflow-artifacts', async () => {
    const s = server();
    const { experimentId, runId } = await aRun(s);
    const url = `/ajax-api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/a.txt`;
    ok(await s.fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'via ajax' }));
    expect(ok(await s.fetch(`/ajax-api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts`))).toEqual({
      files: [{ path: 'a.txt', is_dir: false, file_size: 8 }],
    });
    expect((await s.fetch(url)).text).toBe('via ajax');
  });
});
