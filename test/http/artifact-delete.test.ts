import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aRun } from '../support/builders.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { encodedName, field, file, filesUnder, multipart, type ArtifactJson, type FormPart, type ProblemJson } from './artifact-support.js';

describe('DELETE /api/runs/:id/artifacts/<name>', () => {
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

  async function uploaded(parts: FormPart[], run = runId): Promise<ArtifactJson> {
    const response = await fathom.app.inject({ method: 'POST', url: `/api/runs/${run}/artifacts`, ...multipart(parts) });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<ArtifactJson>();
  }
  const remove = (name: string, run = runId) => fathom.app.inject({ method: 'DELETE', url: `/api/runs/${run}/artifacts/${encodedName(name)}` });
  const download = (name: string, run = runId) => fathom.app.inject({ method: 'GET', url: `/api/runs/${run}/artifacts/${encodedName(name)}` });
  const listed = async (run = runId) =>
    (await fathom.app.inject({ method: 'GET', url: `/api/runs/${run}/artifacts` })).json<{ artifacts: ArtifactJson[] }>().artifacts.map((a) => `${a.name}@${a.version}`);

  it('answers 204 with no body, and every version of the name is gone from the run', async () => {
    await uploaded([field('name', 'model/MLmodel'), file('one')]);
    await uploaded([field('name', 'model/MLmodel'), file('two')]);
    await uploaded([field('name', 'model/conda.yaml'), file('env')]);

    const response = await remove('model/MLmodel');
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    expect(await listed()).toEqual(['model/conda.yaml@1']);
    expect((await download('model/MLmodel')).statusCode).toBe(404);
    expect((await fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts/model/MLmodel?version=1` })).statusCode).toBe(404);
    expect((await download('model/conda.yaml')).body).toBe('env');
  });

  it.each(['plots/loss curve.png', 'checkpoints/epoch=3-step=1000.ckpt', 'data/train (v2).csv', '100%/a#b?c.txt', '模型/权重.bin'])(
    'deletes %j, given percent-encoded in the path',
    async (name) => {
      await uploaded([field('name', name), file('bytes')]);
      await uploaded([field('name', 'kept.txt'), file('kept')]);
      expect((await remove(name)).statusCode).toBe(204);
      expect(await listed()).toEqual(['kept.txt@1']);
    },
  );

  it('frees content nothing else references, and keeps content another artifact shares', async () => {
    const shared = await uploaded([field('name', 'model.pt'), file('shared weights')]);
    await uploaded([field('name', 'model.pt'), file('only here')]);
    const sibling = await aRun(fathom, { experimentId });
    await uploaded([field('name', 'copy.pt'), file('shared weights')], sibling.id);

    expect((await remove('model.pt')).statusCode).toBe(204);
    expect(await filesUnder(fathom.blobRoot)).toEqual([shared.path]);
    expect((await download('copy.pt', sibling.id)).body).toBe('shared weights');
  });

  it('leaves the name in other runs of the experiment alone', async () => {
    const sibling = await aRun(fathom, { experimentId });
    await uploaded([field('name', 'model.pt'), file('mine')]);
    await uploaded([field('name', 'model.pt'), file('theirs')], sibling.id);
    expect((await remove('model.pt')).statusCode).toBe(204);
    expect((await download('model.pt', sibling.id)).body).toBe('theirs');
    const history = await fathom.app.inject({ method: 'GET', url: `/api/experiments/${experimentId}/artifacts?name=model.pt` });
    expect(history.json<{ artifacts: ArtifactJson[] }>().artifacts.map((a) => a.version)).toEqual(['2']);
  });

  it('numbers a re-upload past the deleted versions, never giving a number twice', async () => {
    const sibling = await aRun(fathom, { experimentId });
    await uploaded([field('name', 'model.pt'), file('v1')], sibling.id);
    await uploaded([field('name', 'model.pt'), file('v2')]);
    await uploaded([field('name', 'model.pt'), file('v3')]);
    expect((await remove('model.pt')).statusCode).toBe(204);
    const again = await uploaded([field('name', 'model.pt'), file('new content')]);
    expect(again.version).toBe('4');
    expect((await fathom.app.inject({ method: 'GET', url: `/api/runs/${runId}/artifacts/model.pt?version=3` })).statusCode).toBe(404);
    expect((await download('model.pt')).body).toBe('new content');
  });

  it('answers a 404 problem for a name the run does not hold, a second delete, and an unknown run', async () => {
    await uploaded([field('name', 'model.pt'), file('weights')]);
    const unknownName = await remove('other.pt');
    expect(unknownName.statusCode).toBe(404);
    expect(unknownName.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknownName.json<ProblemJson>().code).toBe('NOT_FOUND');

    expect((await remove('model.pt')).statusCode).toBe(204);
    expect((await remove('model.pt')).statusCode).toBe(404);
    expect((await remove('model.pt', 'no-such-run')).json<ProblemJson>()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers a 409 problem in a deleted run, and keeps the artifact', async () => {
    await uploaded([field('name', 'model.pt'), file('weights')]);
    expect((await fathom.app.inject({ method: 'DELETE', url: `/api/experiments/${experimentId}` })).statusCode).toBe(204);
    const response = await remove('model.pt');
    expect(response.statusCode).toBe(409);
    expect(response.json<ProblemJson>().code).toBe('CONFLICT');
    expect(await listed()).toEqual(['model.pt@1']);
  });

  it.each([['a%5Cb'], ['model%00.pt'], ['%2Fetc%2Fpasswd'], ['models//model.pt'], ['%20model.pt']])(
    'answers %j with a 400 problem naming /name',
    async (path) => {
      const response = await fathom.app.inject({ method: 'DELETE', url: `/api/runs/${runId}/artifacts/${path}` });
      expect(response.statusCode).toBe(400);
      expect(response.json<ProblemJson>().errors?.map((e) => e.path)).toEqual(['/name']);
    },
  );

  it('is in the OpenAPI document next to the download', async () => {
    const document = (await fathom.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(document.paths['/api/runs/{id}/artifacts/{name}'] ?? {}).sort()).toEqual(['delete', 'get']);
  });
});
