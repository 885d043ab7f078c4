import { describe, expect, it } from 'vitest';
import {
  createExperiment,
  createRun,
  expectMlflowError,
  getRun,
  ok,
  sortedRun,
  startRunTags,
  tagRecord,
  useMlflowServer,
  type Json,
  type MlflowServer,
} from './mlflow-client.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');

describe('MLflow runs', () => {
  const server = useMlflowServer();

  describe('create and get', () => {
    it('creates a run as mlflow.start_run does and answers it in MLflow\'s JSON', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const run = await createRun(s, experimentId, { runName: 'resnet-50', tags: { team: 'vision' }, startTime: T0 - 60_000 });
      const runId: string = run.info.run_id;
      expect(runId).toMatch(/^[0-9a-f]{32}$/);
      const expectedInfo = {
        run_id: runId,
        run_uuid: runId,
        experiment_id: experimentId,
        run_name: 'resnet-50',
        user_id: 'alice',
        status: 'RUNNING',
        start_time: T0 - 60_000,
        artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        lifecycle_stage: 'active',
      };
      expect(run).toEqual({ info: expectedInfo, data: { metrics: [], params: [], tags: expect.any(Array) }, inputs: {} });
      // Every tag the client sent comes back, mlflow.* system tags included.
      expect(tagRecord(run.data.tags)).toEqual(tagRecord(startRunTags('resnet-50', { team: 'vision' })));
      expect(run.data.tags).toHaveLength(6);
      // get by run_id, by the older run_uuid, by both.
      const same = sortedRun(run);
      expect(sortedRun(ok(await s.get('runs/get', { run_id: runId })).run)).toEqual(same);
      expect(sortedRun(ok(await s.get('runs/get', { run_uuid: runId })).run)).toEqual(same);
      expect(sortedRun(await getRun(s, runId))).toEqual(same);
    });

    it('names a run from the mlflow.runName tag alone, and gives a run sent without a name a generated one', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const tagged = ok(await s.post('runs/create', { experiment_id: experimentId, start_time: T0, tags: [{ key: 'mlflow.runName', value: 'from-tag' }] })).run;
      expect(tagged.info.run_name).toBe('from-tag');
      expect(tagRecord(tagged.data.tags)['mlflow.runName']).toBe('from-tag');
      const anonymous = ok(await s.post('runs/create', { experiment_id: experimentId, start_time: T0 })).run;
      expect(anonymous.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
      expect(tagRecord(anonymous.data.tags)).toEqual({ 'mlflow.runName': anonymous.info.run_name });
      const conflicting = { experiment_id: experimentId, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] };
      expectMlflowError(await s.post('runs/create', conflicting), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('logs to the default experiment "0" when no experiment_id is sent', async () => {
      const s = server();
      const run = await createRun(s, undefined, { runName: 'no experiment set' });
      expect(run.info.experiment_id).toBe('0');
      expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/0/${run.info.run_id}/artifacts`);
      const found = ok(await s.native.get('/api/experiments/0'));
      expect(found.runs.map((r: Json) => r.id)).toEqual([run.info.run_id]);
    });

    it('takes int64 fields as protobuf JSON writes them too: digit strings', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const run = ok(await s.post('runs/create', { experiment_id: experimentId, start_time: String(T0 - 5), run_name: 'strings' })).run;
      expect(run.info.start_time).toBe(T0 - 5);
      const updated = ok(await s.post('runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: String(T0 + 7) }));
      expect(updated.run_info).toMatchObject({ status: 'FINISHED', end_time: T0 + 7 });
    });

    it('answers RESOURCE_DOES_NOT_EXIST (404) for an unknown run, and for a run in an unknown experiment', async () => {
      const s = server();
      expectMlflowError(await s.get('runs/get', { run_id: 'f'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
      expectMlflowError(await s.post('runs/create', { experiment_id: '55555', start_time: T0 }), 404, 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('update', () => {
    it('round-trips every status, KILLED included, with end_time on the finished ones', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      for (const [i, status] of ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].entries()) {
        const run = await createRun(s, experimentId, { runName: status.toLowerCase() });
        const endTime = T0 + 1_000 * (i + 1);
        const answer = ok(await s.post('runs/update', { run_uuid: run.info.run_id, run_id: run.info.run_id, status, end_time: endTime }));
        const finished = ['FINISHED', 'FAILED', 'KILLED'].includes(status);
        expect(answer.run_info.status).toBe(status);
        const info = (await getRun(s, run.info.run_id)).info;
        expect(info.status).toBe(status);
        if (finished) expect(info.end_time).toBe(endTime);
        else expect(info.end_time).toBeUndefined();
      }
      expectMlflowError(await s.post('runs/update', { run_id: (await createRun(s, experimentId)).info.run_id, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('resumes a finished run (status RUNNING), as mlflow.start_run(run_id=…) does, and finishes it again', async () => {
      const s = server();
      const run = await createRun(s, await createExperiment(s), { runName: 'resumable' });
      const runId: string = run.info.run_id;
      ok(await s.post('runs/update', { run_uuid: runId, run_id: runId, status: 'FINISHED', end_time: T0 + 1_000 }));
      const resumed = ok(await s.post('runs/update', { run_uuid: runId, run_id: runId, status: 'RUNNING' }));
      expect(resumed.run_info.status).toBe('RUNNING');
      ok(await s.post('runs/log-metric', { run_id: runId, key: 'late', value: 1, timestamp: T0 + 2_000, step: 0 }));
      ok(await s.post('runs/update', { run_uuid: runId, run_id: runId, status: 'KILLED', end_time: T0 + 3_000 }));
      expect((await getRun(s, runId)).info).toMatchObject({ status: 'KILLED', end_time: T0 + 3_000 });
    });

    it('renames a run through run_name or the mlflow.runName tag, seen in run_name, the tag and the native name', async () => {
      const s = server();
      const run = await createRun(s, await createExperiment(s), { runName: 'before' });
      const runId: string = run.info.run_id;
      const nameSeen = async () => {
        const got = await getRun(s, runId);
        return [got.info.run_name, tagRecord(got.data.tags)['mlflow.runName'], ok(await s.native.get(`/api/runs/${runId}`)).name];
      };
      const updated = ok(await s.post('runs/update', { run_id: runId, run_name: 'after update' }));
      expect(updated.run_info).toMatchObject({ run_name: 'after update', status: 'RUNNING' });
      expect(await nameSeen()).toEqual(['after update', 'after update', 'after update']);
      ok(await s.post('runs/set-tag', { run_uuid: runId, run_id: runId, key: 'mlflow.runName', value: 'after set-tag' }));
      expect(await nameSeen()).toEqual(['after set-tag', 'after set-tag', 'after set-tag']);
      ok(await s.post('runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.runName', value: 'after batch' }] }));
      expect(await nameSeen()).toEqual(['after batch', 'after batch', 'after batch']);
      const tags = (await getRun(s, runId)).data.tags.filter((t: Json) => t.key === 'mlflow.runName');
      expect(tags).toHaveLength(1);
    });

    it('shows one mlflow.runName, the run name, even when a native client stored a tag of that key', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const run = ok(await s.native.post(`/api/experiments/${experimentId}/runs`, { name: 'the name', tags: { 'mlflow.runName': 'a stale tag' } }), 201);
      const got = await getRun(s, run.id);
      expect(got.info.run_name).toBe('the name');
      expect(got.data.tags.filter((t: Json) => t.key === 'mlflow.runName')).toEqual([{ key: 'mlflow.runName', value: 'the name' }]);
    });
  });

  describe('tags', () => {
    it('sets, overwrites and deletes run tags, values kept exactly', async () => {
      const s = server();
      const run = await createRun(s, await createExperiment(s), { runName: 'tagged' });
      const runId: string = run.info.run_id;
      const value = 'multi\nline — ünïcödé "quoted" \'single\' \\back\\slash';
      ok(await s.post('runs/set-tag', { run_uuid: runId, run_id: runId, key: 'notes', value }));
      ok(await s.post('runs/set-tag', { run_id: runId, key: 'mlflow.note.content', value: '# Report' }));
      ok(await s.post('runs/set-tag', { run_id: runId, key: 'empty', value: '' }));
      let tags = tagRecord((await getRun(s, runId)).data.tags);
      expect(tags).toMatchObject({ notes: value, 'mlflow.note.content': '# Report', empty: '', 'mlflow.user': 'alice', 'mlflow.source.name': 'train.py' });
      ok(await s.post('runs/set-tag', { run_id: runId, key: 'notes', value: 'second' }));
      expect(ok(await s.post('runs/delete-tag', { run_id: runId, key: 'empty' }))).toEqual({});
      tags = tagRecord((await getRun(s, runId)).data.tags);
      expect(tags.notes).toBe('second');
      expect(tags).not.toHaveProperty('empty');
      expectMlflowError(await s.post('runs/delete-tag', { run_id: runId, key: 'empty' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      // The native API sees the same tags.
      expect(ok(await s.native.get(`/api/runs/${runId}`)).tags).toMatchObject({ notes: 'second', 'mlflow.note.content': '# Report' });
    });

    it('keeps tag values up to 8,000 characters and keys up to 250, and refuses longer ones', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      const key = `k${'e'.repeat(248)}y`;
      ok(await s.post('runs/set-tag', { run_id: runId, key, value: 'v'.repeat(8_000) }));
      expect(tagRecord((await getRun(s, runId)).data.tags)[key]).toHaveLength(8_000);
      expectMlflowError(await s.post('runs/set-tag', { run_id: runId, key: 'long', value: 'v'.repeat(8_001) }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.post('runs/set-tag', { run_id: runId, key: `${key}!`, value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.post('runs/set-tag', { run_id: runId, key: 'x'.repeat(251), value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('makes mlflow.parentRunId the native parent: the parent lists the child', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const parent = await createRun(s, experimentId, { runName: 'sweep' });
      const parentId: string = parent.info.run_id;
      const child = await createRun(s, experimentId, { runName: 'trial-1', tags: { 'mlflow.parentRunId': parentId } });
      const childId: string = child.info.run_id;
      expect(tagRecord(child.data.tags)['mlflow.parentRunId']).toBe(parentId);
      expect(child.data.tags.filter((t: Json) => t.key === 'mlflow.parentRunId')).toHaveLength(1);
      const native = ok(await s.native.get(`/api/runs/${childId}`));
      expect(native.parentRunId).toBe(parentId);
      // The parent is the run's lineage, not a stored tag as well.
      expect(native.tags).not.toHaveProperty('mlflow.parentRunId');
      const children = ok(await s.native.get(`/api/runs/${parentId}/children`)).runs;
      expect(children.map((r: Json) => r.id)).toEqual([childId]);
      // A child of a run Fathom does not hold keeps the tag all the same, as a plain tag.
      const orphan = await createRun(s, experimentId, { tags: { 'mlflow.parentRunId': 'elsewhere' } });
      expect(tagRecord(orphan.data.tags)['mlflow.parentRunId']).toBe('elsewhere');
      const nativeOrphan = ok(await s.native.get(`/api/runs/${orphan.info.run_id}`));
      expect(nativeOrphan).not.toHaveProperty('parentRunId');
      expect(nativeOrphan.tags['mlflow.parentRunId']).toBe('elsewhere');
    });

    describe('mlflow.parentRunId after creation: the run\'s parent, as mlflow.runName is its name', () => {
      /** What a client reads: the parent tag(s) of runs/get, the native parent, the parent's children. */
      async function lineage(s: MlflowServer, runId: string, parentId: string) {
        const tags = (await getRun(s, runId)).data.tags.filter((t: Json) => t.key === 'mlflow.parentRunId').map((t: Json) => t.value);
        const native = ok(await s.native.get(`/api/runs/${runId}`));
        const children = ok(await s.native.get(`/api/runs/${parentId}/children`)).runs.map((r: Json) => r.id);
        return { tags, parentRunId: native.parentRunId, stored: native.tags['mlflow.parentRunId'], children };
      }

      it('set-tag gives a run its parent; delete-tag removes it, then answers 404', async () => {
        const s = server();
        const experimentId = await createExperiment(s);
        const parentId: string = (await createRun(s, experimentId, { runName: 'sweep' })).info.run_id;
        const runId: string = (await createRun(s, experimentId, { runName: 'trial' })).info.run_id;
        expect(ok(await s.post('runs/set-tag', { run_id: runId, key: 'mlflow.parentRunId', value: parentId }))).toEqual({});
        expect(await lineage(s, runId, parentId)).toEqual({ tags: [parentId], parentRunId: parentId, stored: undefined, children: [runId] });
        expect(ok(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }))).toEqual({});
        expect(await lineage(s, runId, parentId)).toEqual({ tags: [], parentRunId: undefined, stored: undefined, children: [] });
        expectMlflowError(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('delete-tag removes the parent of a run created with the tag, and of a run parented natively', async () => {
        const s = server();
        const experimentId = await createExperiment(s);
        const parentId: string = (await createRun(s, experimentId)).info.run_id;
        const viaMlflow: string = (await createRun(s, experimentId, { tags: { 'mlflow.parentRunId': parentId } })).info.run_id;
        const viaNative: string = ok(await s.native.post(`/api/experiments/${experimentId}/runs`, { parentRunId: parentId }), 201).id;
        for (const runId of [viaMlflow, viaNative]) {
          expect((await lineage(s, runId, parentId)).tags).toEqual([parentId]);
          expect(ok(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }))).toEqual({});
          const after = await lineage(s, runId, parentId);
          expect([after.tags, after.parentRunId, after.children.includes(runId)]).toEqual([[], undefined, false]);
        }
      });

      it('log-batch with the tag gives the run its parent, as set-tag does', async () => {
        const s = server();
        const experimentId = await createExperiment(s);
        const parentId: string = (await createRun(s, experimentId)).info.run_id;
        const runId: string = (await createRun(s, experimentId)).info.run_id;
        ok(await s.post('runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.parentRunId', value: parentId }, { key: 'stage', value: 'eval' }] }));
        expect(await lineage(s, runId, parentId)).toEqual({ tags: [parentId], parentRunId: parentId, stored: undefined, children: [runId] });
        expect(tagRecord((await getRun(s, runId)).data.tags).stage).toBe('eval');
      });

      it('a value naming no run Fathom holds is a plain tag, which replaces the parent and is replaced by one', async () => {
        const s = server();
        const experimentId = await createExperiment(s);
        const parentId: string = (await createRun(s, experimentId)).info.run_id;
        const runId: string = (await createRun(s, experimentId, { tags: { 'mlflow.parentRunId': parentId } })).info.run_id;
        ok(await s.post('runs/set-tag', { run_id: runId, key: 'mlflow.parentRunId', value: 'elsewhere' }));
        expect(await lineage(s, runId, parentId)).toEqual({ tags: ['elsewhere'], parentRunId: undefined, stored: 'elsewhere', children: [] });
        ok(await s.post('runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.parentRunId', value: parentId }] }));
        expect(await lineage(s, runId, parentId)).toEqual({ tags: [parentId], parentRunId: parentId, stored: undefined, children: [runId] });
        ok(await s.post('runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.parentRunId', value: 'elsewhere' }] }));
        expect(ok(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }))).toEqual({});
        expect(await lineage(s, runId, parentId)).toEqual({ tags: [], parentRunId: undefined, stored: undefined, children: [] });
        expectMlflowError(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('shows one tag, the parent, when a native client also stored a tag of that key; delete-tag removes both', async () => {
        const s = server();
        const experimentId = await createExperiment(s);
        const parentId: string = (await createRun(s, experimentId)).info.run_id;
        const body = { parentRunId: parentId, tags: { 'mlflow.parentRunId': 'a stale tag' } };
        const runId: string = ok(await s.native.post(`/api/experiments/${experimentId}/runs`, body), 201).id;
        expect((await lineage(s, runId, parentId)).tags).toEqual([parentId]);
        ok(await s.post('runs/delete-tag', { run_id: runId, key: 'mlflow.parentRunId' }));
        expect(await lineage(s, runId, parentId)).toEqual({ tags: [], parentRunId: undefined, stored: undefined, children: [] });
      });

      it('refuses the run itself or one of its descendants as parent (a cycle) with INVALID_PARAMETER_VALUE, changing nothing', async () => {
        const s = server();
        const experimentId = await createExperiment(s);
        const rootId: string = (await createRun(s, experimentId, { runName: 'root' })).info.run_id;
        const childId: string = (await createRun(s, experimentId, { tags: { 'mlflow.parentRunId': rootId } })).info.run_id;
        const before = sortedRun(await getRun(s, rootId));
        for (const value of [rootId, childId]) {
          expectMlflowError(await s.post('runs/set-tag', { run_id: rootId, key: 'mlflow.parentRunId', value }), 400, 'INVALID_PARAMETER_VALUE');
          const batch = { run_id: rootId, params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'mlflow.parentRunId', value }] };
          expectMlflowError(await s.post('runs/log-batch', batch), 400, 'INVALID_PARAMETER_VALUE');
        }
        expect(sortedRun(await getRun(s, rootId))).toEqual(before);
        expect(ok(await s.native.get(`/api/runs/${childId}`)).parentRunId).toBe(rootId);
      });
    });

    it('shows a parent set natively as the mlflow.parentRunId tag', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const parentId: string = (await createRun(s, experimentId)).info.run_id;
      const child = ok(await s.native.post(`/api/experiments/${experimentId}/runs`, { name: 'native child', parentRunId: parentId }), 201);
      expect(tagRecord((await getRun(s, child.id)).data.tags)).toEqual({ 'mlflow.runName': 'native child', 'mlflow.parentRunId': parentId });
    });
  });

  describe('delete and restore', () => {
    it('moves a run to the deleted stage and back; a deleted run refuses writes with INVALID_PARAMETER_VALUE', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      expect(ok(await s.post('runs/delete', { run_id: runId }))).toEqual({});
      expect((await getRun(s, runId)).info.lifecycle_stage).toBe('deleted');
      expect(ok(await s.native.get(`/api/runs/${runId}`)).lifecycleStage).toBe('deleted');
      expectMlflowError(await s.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: T0, step: 0 }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.post('runs/set-tag', { run_id: runId, key: 'k', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
      expect(ok(await s.post('runs/restore', { run_id: runId }))).toEqual({});
      expect((await getRun(s, runId)).info.lifecycle_stage).toBe('active');
      ok(await s.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: T0, step: 0 }));
      expectMlflowError(await s.post('runs/delete', { run_id: 'a'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('parameters', () => {
    it('gives every parameter back as exactly the string sent', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      const values: Record<string, string> = {
        lr: '0.0100',
        small: '1e-3',
        flag: 'True',
        none: 'None',
        list: '[1, 2, 3]',
        spaced: ' padded ',
        empty: '',
        int: '007',
        big: '12345678901234567890',
        text: 'adam',
      };
      for (const [key, value] of Object.entries(values)) ok(await s.post('runs/log-parameter', { run_uuid: runId, run_id: runId, key, value }));
      expect(tagRecord((await getRun(s, runId)).data.params)).toEqual(values);
    });

    it('is write-once: the same value again is fine, another value is INVALID_PARAMETER_VALUE and changes nothing', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      ok(await s.post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' }));
      expect(ok(await s.post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' }))).toEqual({});
      expectMlflowError(await s.post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.02' }), 400, 'INVALID_PARAMETER_VALUE');
      // The same number written another way is another value to MLflow.
      expectMlflowError(await s.post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.010' }), 400, 'INVALID_PARAMETER_VALUE');
      expect((await getRun(s, runId)).data.params).toEqual([{ key: 'lr', value: '0.01' }]);
    });

    it('keeps values up to 6,000 characters and refuses longer ones', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      ok(await s.post('runs/log-parameter', { run_id: runId, key: 'config', value: 'c'.repeat(6_000) }));
      expect((await getRun(s, runId)).data.params[0].value).toHaveLength(6_000);
      expectMlflowError(await s.post('runs/log-parameter', { run_id: runId, key: 'longer', value: 'c'.repeat(6_001) }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('shows MLflow parameters to native clients, which still compare numeric-looking ones as numbers', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const small = (await createRun(s, experimentId, { runName: 'small' })).info.run_id;
      const large = (await createRun(s, experimentId, { runName: 'large' })).info.run_id;
      ok(await s.post('runs/log-parameter', { run_id: small, key: 'lr', value: '0.01' }));
      ok(await s.post('runs/log-parameter', { run_id: large, key: 'lr', value: '0.1' }));
      const native = ok(await s.native.get(`/api/runs/${small}`));
      expect(native.parameters).toEqual([{ key: 'lr', value: '0.01', type: 'string' }]);
      const found = ok(await s.native.post('/api/runs/search', { experimentIds: [experimentId], filter: 'params.lr < 0.05' }));
      expect(found.runs.map((r: Json) => r.id)).toEqual([small]);
    });

    it('shows native parameters (numbers, booleans) to MLflow clients as text', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const run = ok(
        await s.native.post(`/api/experiments/${experimentId}/runs`, {
          name: 'native',
          parameters: [
            { key: 'lr', value: 0.001 },
            { key: 'layers', value: 12 },
            { key: 'augment', value: true },
            { key: 'optimizer', value: 'adam' },
          ],
        }),
        201,
      );
      expect(tagRecord((await getRun(s, run.id)).data.params)).toEqual({ lr: '0.001', layers: '12', augment: 'true', optimizer: 'adam' });
    });

    it('takes a native number or boolean logged again as the text a client reads as the same value, and still refuses another', async () => {
      const s = server();
      const experimentId = await createExperiment(s);
      const parameters = [
        { key: 'lr', value: 0.01 },
        { key: 'augment', value: true },
        { key: 'tiny', value: 1e-7 },
      ];
      const run = ok(await s.native.post(`/api/experiments/${experimentId}/runs`, { name: 'native', parameters }), 201);
      const read = (await getRun(s, run.id)).data.params as { key: string; value: string }[];
      // A client that resumes the run and logs what it read, one by one and as a batch.
      for (const { key, value } of read) expect(ok(await s.post('runs/log-parameter', { run_id: run.id, key, value }))).toEqual({});
      expect(ok(await s.post('runs/log-batch', { run_id: run.id, params: [...read, { key: 'fresh', value: 'x' }] }))).toEqual({});
      expect(tagRecord((await getRun(s, run.id)).data.params)).toEqual({ ...tagRecord(read), fresh: 'x' });
      expectMlflowError(await s.post('runs/log-parameter', { run_id: run.id, key: 'lr', value: '0.010' }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.post('runs/log-batch', { run_id: run.id, params: [{ key: 'augment', value: 'True' }] }), 400, 'INVALID_PARAMETER_VALUE');
      expect(ok(await s.native.get(`/api/runs/${run.id}`)).parameters).toEqual(expect.arrayContaining([{ key: 'lr', value: 0.01, type: 'number' }]));
    });
  });

  describe('metrics on the run', () => {
    it('shows the latest point of each key (the highest step), NaN and the infinities as strings', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      const log = (key: string, value: number | string, step: number | string, timestamp: number | string = T0 + Number(step)) =>
        s.post('runs/log-metric', { run_uuid: runId, run_id: runId, key, value, timestamp, step });
      ok(await log('loss', 0.9, 0));
      ok(await log('loss', 0.5, 2));
      ok(await log('loss', 0.7, 1));
      ok(await log('nan', 'NaN', 0));
      ok(await log('inf', 'Infinity', 0));
      ok(await log('ninf', '-Infinity', 0));
      ok(await log('as string', '0.25', '3', String(T0 + 3)));
      ok(await log('huge', 1.7976931348623157e308, 0));
      ok(await log('negative zero', -0, 0));
      const metrics = (await getRun(s, runId)).data.metrics;
      expect(new Map(metrics.map((m: Json) => [m.key, m]))).toEqual(
        new Map([
          ['loss', { key: 'loss', value: 0.5, timestamp: T0 + 2, step: 2 }],
          ['nan', { key: 'nan', value: 'NaN', timestamp: T0, step: 0 }],
          ['inf', { key: 'inf', value: 'Infinity', timestamp: T0, step: 0 }],
          ['ninf', { key: 'ninf', value: '-Infinity', timestamp: T0, step: 0 }],
          ['as string', { key: 'as string', value: 0.25, timestamp: T0 + 3, step: 3 }],
          ['huge', { key: 'huge', value: 1.7976931348623157e308, timestamp: T0, step: 0 }],
          ['negative zero', { key: 'negative zero', value: 0, timestamp: T0, step: 0 }],
        ]),
      );
    });

    it('defaults a metric without a step to step 0, as MLflow does', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      ok(await s.post('runs/log-metric', { run_id: runId, key: 'score', value: 3, timestamp: T0 }));
      expect((await getRun(s, runId)).data.metrics).toEqual([{ key: 'score', value: 3, timestamp: T0, step: 0 }]);
    });

    it('refuses a value that is not a number', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      for (const value of ['abc', 'nan', '', true, { v: 1 }, [1], null]) {
        expectMlflowError(await s.post('runs/log-metric', { run_id: runId, key: 'bad', value, timestamp: T0, step: 0 }), 400, 'INVALID_PARAMETER_VALUE');
      }
      expect((await getRun(s, runId)).data.metrics).toEqual([]);
    });
  });

  describe('log-batch', () => {
    async function aRun(s: MlflowServer): Promise<string> {
      return (await createRun(s, await createExperiment(s))).info.run_id;
    }

    const metric = (i: number) => ({ key: `m${i % 10}`, value: i / 10, timestamp: T0 + i, step: Math.floor(i / 10) });
    const param = (i: number) => ({ key: `p${i}`, value: String(i) });
    const tag = (i: number) => ({ key: `t${i}`, value: `v${i}` });
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);

    it('logs metrics, params and tags at once, up to MLflow\'s limits: 1,000 metrics, 100 params, 100 tags', async () => {
      const s = server();
      const runId = await aRun(s);
      ok(await s.post('runs/log-batch', { run_id: runId, metrics: range(1_000).map(metric) }));
      ok(await s.post('runs/log-batch', { run_id: runId, params: range(100).map(param), tags: range(100).map(tag) }));
      const run = await getRun(s, runId);
      expect(run.data.metrics).toHaveLength(10);
      expect(run.data.metrics.find((m: Json) => m.key === 'm9')).toEqual({ key: 'm9', value: 99.9, timestamp: T0 + 999, step: 99 });
      expect(tagRecord(run.data.params)).toEqual(Object.fromEntries(range(100).map((i) => [`p${i}`, String(i)])));
      expect(tagRecord(run.data.tags)).toMatchObject(Object.fromEntries(range(100).map((i) => [`t${i}`, `v${i}`])));
      const history = ok(await s.get('metrics/get-history', { run_id: runId, metric_key: 'm3' }));
      expect(history.metrics).toHaveLength(100);
    });

    it('refuses a batch over a limit with INVALID_PARAMETER_VALUE and writes none of it', async () => {
      const s = server();
      const runId = await aRun(s);
      for (const batch of [
        { metrics: range(1_001).map(metric) },
        { params: range(101).map(param) },
        { tags: range(101).map(tag) },
        { metrics: [metric(0)], params: [{ key: 'k'.repeat(251), value: 'v' }] },
        { metrics: [metric(0)], params: [{ key: 'long', value: 'v'.repeat(6_001) }] },
        { metrics: [metric(0)], tags: [{ key: 'long', value: 'v'.repeat(8_001) }] },
        { metrics: [{ key: 'k'.repeat(251), value: 1, timestamp: T0, step: 0 }], params: [param(0)] },
        { metrics: [{ key: 'fine', value: 'not a number', timestamp: T0, step: 0 }], tags: [tag(0)] },
      ]) {
        expectMlflowError(await s.post('runs/log-batch', { run_id: runId, ...batch }), 400, 'INVALID_PARAMETER_VALUE');
      }
      const run = await getRun(s, runId);
      expect(run.data.metrics).toEqual([]);
      expect(run.data.params).toEqual([]);
      expect(Object.keys(tagRecord(run.data.tags)).filter((k) => !k.startsWith('mlflow.'))).toEqual([]);
    });

    it('refuses a batch that changes a parameter, and writes nothing of that batch', async () => {
      const s = server();
      const runId = await aRun(s);
      ok(await s.post('runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: '0.01' }] }));
      const conflicting = {
        run_id: runId,
        metrics: [{ key: 'acc', value: 0.9, timestamp: T0, step: 1 }],
        params: [
          { key: 'fresh', value: 'new' },
          { key: 'lr', value: '0.02' },
        ],
        tags: [{ key: 'fresh tag', value: 'x' }],
      };
      expectMlflowError(await s.post('runs/log-batch', conflicting), 400, 'INVALID_PARAMETER_VALUE');
      const run = await getRun(s, runId);
      expect(run.data.params).toEqual([{ key: 'lr', value: '0.01' }]);
      expect(run.data.metrics).toEqual([]);
      expect(tagRecord(run.data.tags)).not.toHaveProperty('fresh tag');
      // The same value again, as a client retrying a batch sends it, is fine.
      ok(await s.post('runs/log-batch', { ...conflicting, params: [{ key: 'fresh', value: 'new' }, { key: 'lr', value: '0.01' }] }));
      expect(tagRecord((await getRun(s, runId)).data.params)).toEqual({ lr: '0.01', fresh: 'new' });
    });

    it('takes NaN and the infinities as strings and int64 fields as digit strings', async () => {
      const s = server();
      const runId = await aRun(s);
      const metrics = [
        { key: 'nan', value: 'NaN', timestamp: String(T0), step: '0' },
        { key: 'inf', value: 'Infinity', timestamp: String(T0), step: '1' },
        { key: 'ninf', value: '-Infinity', timestamp: T0, step: 2 },
      ];
      ok(await s.post('runs/log-batch', { run_id: runId, metrics }));
      const latest = (await getRun(s, runId)).data.metrics;
      expect(new Map(latest.map((m: Json) => [m.key, [m.value, m.step, m.timestamp]]))).toEqual(
        new Map([
          ['nan', ['NaN', 0, T0]],
          ['inf', ['Infinity', 1, T0]],
          ['ninf', ['-Infinity', 2, T0]],
        ]),
      );
    });

    it('accepts an empty batch', async () => {
      const s = server();
      expect(ok(await s.post('runs/log-batch', { run_id: await aRun(s) }))).toEqual({});
    });
  });

  describe('log-model (MLflow 2\'s log_model)', () => {
    it('appends each logged model\'s metadata to the run tag mlflow.log-model.history, as MLflow\'s server does', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      const model = (artifactPath: string) => ({
        run_id: runId,
        artifact_path: artifactPath,
        utc_time_created: '2026-01-15 10:00:00.000000',
        flavors: { python_function: { loader_module: 'mlflow.sklearn', python_version: '3.11.7' }, sklearn: { sklearn_version: '1.4.0', serialization_format: 'cloudpickle' } },
        model_uuid: 'a1b2c3',
        mlflow_version: '2.19.0',
      });
      for (const path of ['model', 'model-v2']) {
        expect(ok(await s.post('runs/log-model', { run_id: runId, model_json: JSON.stringify(model(path)) }))).toEqual({});
      }
      const history = JSON.parse(tagRecord((await getRun(s, runId)).data.tags)['mlflow.log-model.history'] as string);
      expect(history).toEqual([model('model'), model('model-v2')]);
      expectMlflowError(await s.post('runs/log-model', { run_id: runId, model_json: '{not json' }), 400, 'INVALID_PARAMETER_VALUE');
      expectMlflowError(await s.post('runs/log-model', { run_id: 'f'.repeat(32), model_json: '{}' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('log-inputs', () => {
    it('records dataset inputs and shows them under inputs.dataset_inputs', async () => {
      const s = server();
      const runId: string = (await createRun(s, await createExperiment(s))).info.run_id;
      const input = {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'mnist',
          digest: 'a1b2c3d4',
          source_type: 'http',
          source: '{"url": "https://example.com/mnist.csv"}',
          schema: '{"mlflow_colspec": [{"type": "double", "name": "x"}]}',
          profile: '{"num_rows": 60000}',
        },
      };
      expect(ok(await s.post('runs/log-inputs', { run_id: runId, datasets: [input] }))).toEqual({});
      expect((await getRun(s, runId)).inputs).toEqual({ dataset_inputs: [input] });
    });
  });
});
