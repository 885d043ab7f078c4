import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, aUser } from '../support/access.js';
import { aServer, type TestServer } from '../support/fathom.js';
import { expectStatus, type Json } from './api.js';

// Runs move to the trash and back with their experiment; who moved each one must follow them.
describe('FATHOM_AUTH=token: deletedBy of runs moved by their experiment', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await aServer({ auth: 'token' });
  });
  afterEach(async () => {
    await server.close();
  });

  const send = async (status: number, method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: object): Promise<Json> =>
    expectStatus(await server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) }), status);

  it('ada deletes her experiment: her runs show ada, a run root trashed before keeps root, and restoring clears both', async () => {
    const ada = bearer(await aUser(server, 'ada', 'writer'));
    const root = bearer(await aUser(server, 'root', 'admin'));
    const experiment = await send(201, 'POST', '/api/experiments', ada, { name: 'sweep' });
    const kept = await send(201, 'POST', `/api/experiments/${experiment.id}/runs`, ada, {});
    const trashedAlone = await send(201, 'POST', `/api/experiments/${experiment.id}/runs`, ada, {});
    await send(200, 'POST', '/api/2.0/mlflow/runs/delete', root, { run_id: trashedAlone.id });
    const deleters = async (): Promise<unknown[]> =>
      Promise.all([kept.id, trashedAlone.id].map(async (id: string) => {
        const run = await send(200, 'GET', `/api/runs/${id}`, ada);
        return [run.lifecycleStage, run.deletedBy];
      }));

    await send(204, 'DELETE', `/api/experiments/${experiment.id}`, ada);
    expect(await deleters()).toEqual([['deleted', 'ada'], ['deleted', 'root']]);
    const listed = await send(200, 'GET', `/api/experiments/${experiment.id}`, ada);
    expect(listed.runs.map((run: Json) => [run.id, run.deletedBy]).sort()).toEqual([[kept.id, 'ada'], [trashedAlone.id, 'root']].sort());

    await send(200, 'POST', `/api/experiments/${experiment.id}/restore`, ada);
    expect(await deleters()).toEqual([['active', undefined], ['active', undefined]]);
    const restored = await send(200, 'GET', `/api/experiments/${experiment.id}`, ada);
    for (const run of restored.runs as Json[]) expect(run).not.toHaveProperty('deletedBy');
  });
});
