import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aUser, basic, bearer } from '../../support/access.js';
import {
  ARTIFACTS,
  createExperiment,
  createRun,
  expectMlflowError,
  getRun,
  listArtifacts,
  ok,
  putArtifact,
  startMlflowServer,
  tagRecord,
  withHeaders,
  type MlflowServer,
} from './mlflow-client.js';

describe('MLflow clients with FATHOM_AUTH=token', () => {
  let server: MlflowServer;
  beforeEach(async () => {
    server = await startMlflowServer({ auth: 'token' });
  });
  afterEach(async () => {
    await server.fathom.close();
  });
  const as = async (name: string, role: 'admin' | 'writer' | 'reader'): Promise<MlflowServer> => withHeaders(server, bearer(await aUser(server.fathom, name, role)));

  it('without credentials: 401 UNAUTHENTICATED in MLflow’s shape, offering Bearer and Basic', async () => {
    const answer = await server.post('experiments/search', { max_results: 10 });
    expect(expectMlflowError(answer, 401, 'UNAUTHENTICATED')).toContain('no credentials');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="fathom", Basic realm="fathom"');
    expectMlflowError(await server.get('experiments/get', { experiment_id: '0' }), 401, 'UNAUTHENTICATED');
    expectMlflowError(await server.fetch(`${ARTIFACTS}?path=0`), 401, 'UNAUTHENTICATED');
    expectMlflowError(await server.fetch('/ajax-api/2.0/mlflow/runs/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 401, 'UNAUTHENTICATED');
  });

  it('MLFLOW_TRACKING_TOKEN (Bearer): a script logs a run, an artifact, and reads it back; the run is the token’s user’s', async () => {
    const client = await as('ada', 'writer');
    const experimentId = await createExperiment(client, 'mnist');
    const run = await createRun(client, experimentId, { runName: 'baseline', userId: 'mallory' });
    expect(run.info.user_id).toBe('ada');
    ok(await client.post('runs/log-batch', { run_id: run.info.run_id, metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }] }));
    ok(await putArtifact(client, experimentId, run.info.run_id, 'model.txt', 'weights'));
    expect((await listArtifacts(client, experimentId, run.info.run_id)).files).toEqual([expect.objectContaining({ path: 'model.txt' })]);
    const stored = await getRun(client, run.info.run_id);
    expect(stored.info.user_id).toBe('ada');
    expect(tagRecord(stored.data.tags)['mlflow.user']).toBe('ada');
    expect(stored.data.metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }]);
  });

  it('MLFLOW_TRACKING_USERNAME/PASSWORD (Basic, the password a token) works; another user name is 401', async () => {
    const token = await aUser(server.fathom, 'ada', 'reader');
    ok(await withHeaders(server, basic('ada', token)).post('experiments/search', { max_results: 10 }));
    expectMlflowError(await withHeaders(server, basic('bob', token)).post('experiments/search', { max_results: 10 }), 401, 'UNAUTHENTICATED');
    expectMlflowError(await withHeaders(server, basic('ada', 'not-a-token')).post('experiments/search', { max_results: 10 }), 401, 'UNAUTHENTICATED');
  });

  it('readers search and read but get 403 PERMISSION_DENIED on writes, and nothing is written', async () => {
    const writer = await as('wes', 'writer');
    const reader = await as('rita', 'reader');
    const experimentId = await createExperiment(writer, 'e');
    const run = await createRun(writer, experimentId);
    ok(await reader.post('runs/search', { experiment_ids: [experimentId] }));
    ok(await reader.post('experiments/search', { max_results: 10 }));
    ok(await reader.post('logged-models/search', {}));
    ok(await reader.get('metrics/get-history', { run_id: run.info.run_id, metric_key: 'loss' }));
    const message = expectMlflowError(await reader.post('runs/log-metric', { run_id: run.info.run_id, key: 'loss', value: 1, timestamp: 1 }), 403, 'PERMISSION_DENIED');
    expect(message).toContain("user 'rita' has the reader role");
    expectMlflowError(await reader.post('experiments/create', { name: 'nope' }), 403, 'PERMISSION_DENIED');
    expectMlflowError(await putArtifact(reader, experimentId, run.info.run_id, 'x.txt', 'x'), 403, 'PERMISSION_DENIED');
    expect((await getRun(writer, run.info.run_id)).data.metrics ?? []).toEqual([]);
    expectMlflowError(await reader.get('experiments/get-by-name', { experiment_name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('a writer deletes and restores their own runs and experiments, not another’s (403, data kept); an admin may', async () => {
    const wes = await as('wes', 'writer');
    const wanda = await as('wanda', 'writer');
    const admin = await as('root', 'admin');
    const experimentId = await createExperiment(wes, 'e');
    const run = await createRun(wes, experimentId);
    const runId: string = run.info.run_id;
    expectMlflowError(await wanda.post('runs/delete', { run_id: runId }), 403, 'PERMISSION_DENIED');
    expectMlflowError(await wanda.post('experiments/delete', { experiment_id: experimentId }), 403, 'PERMISSION_DENIED');
    expectMlflowError(await wanda.fetch(`${ARTIFACTS}/${experimentId}/${runId}/artifacts/x`, { method: 'DELETE' }), 403, 'PERMISSION_DENIED');
    expect((await getRun(wes, runId)).info.lifecycle_stage).toBe('active');
    ok(await wes.post('runs/delete', { run_id: runId }));
    expect((await getRun(wes, runId)).info.lifecycle_stage).toBe('deleted');
    const native = ok(await wes.native.get(`/api/runs/${runId}`));
    expect(native.deletedBy).toBe('wes');
    expectMlflowError(await wanda.post('runs/restore', { run_id: runId }), 403, 'PERMISSION_DENIED');
    ok(await wes.post('runs/restore', { run_id: runId }));
    ok(await admin.post('experiments/delete', { experiment_id: experimentId }));
    expect(ok(await wes.native.get(`/api/experiments/${experimentId}`)).deletedBy).toBe('root');
  });

  it('experiments/delete of a writer’s experiment holding another’s run: PERMISSION_DENIED and the run stays; an admin may', async () => {
    const wanda = await as('wanda', 'writer');
    const wes = await as('wes', 'writer');
    const admin = await as('root', 'admin');
    const experimentId = await createExperiment(wanda, 'e');
    const runId: string = (await createRun(wes, experimentId)).info.run_id;
    const detail = expectMlflowError(await wanda.post('experiments/delete', { experiment_id: experimentId }), 403, 'PERMISSION_DENIED');
    expect(detail).toContain("it holds 1 run created by other users ('wes')");
    expect((await getRun(wes, runId)).info.lifecycle_stage).toBe('active');
    ok(await admin.post('experiments/delete', { experiment_id: experimentId }));
    expectMlflowError(await wanda.post('experiments/restore', { experiment_id: experimentId }), 403, 'PERMISSION_DENIED');
    expect((await getRun(wes, runId)).info.lifecycle_stage).toBe('deleted');
  });
});
