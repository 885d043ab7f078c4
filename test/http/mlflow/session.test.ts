import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  downloadArtifact,
  expectMlflowError,
  listArtifacts,
  ok,
  putArtifact,
  sha256,
  startRunTags,
  tagRecord,
  useMlflowServer,
  type Json,
} from './mlflow-client.js';

describe('a training script logging through MLflow', () => {
  const server = useMlflowServer();

  it('finds no experiment, creates one, logs a run, finishes it, and reads it all back', async () => {
    const s = server();
    const started = Date.parse('2026-01-15T10:00:00.000Z');

    // mlflow.set_experiment("mnist"): look it up, create it when it is missing.
    const missing = await s.get('experiments/get-by-name', { experiment_name: 'mnist' });
    expect(expectMlflowError(missing, 404, 'RESOURCE_DOES_NOT_EXIST')).toContain('mnist');
    const { experiment_id: experimentId } = ok(await s.post('experiments/create', { name: 'mnist' }));
    expect(experimentId).toEqual(expect.any(String));

    // mlflow.start_run(run_name="baseline")
    const created = ok(
      await s.post('runs/create', { experiment_id: experimentId, user_id: 'alice', start_time: started, tags: startRunTags('baseline'), run_name: 'baseline' }),
    ).run;
    const runId: string = created.info.run_id;
    expect(created.info).toMatchObject({
      run_id: runId,
      run_uuid: runId,
      experiment_id: experimentId,
      run_name: 'baseline',
      user_id: 'alice',
      status: 'RUNNING',
      start_time: started,
      artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    });

    // mlflow.log_param ×3
    for (const [key, value] of [['lr', '0.01'], ['batch_size', '64'], ['optimizer', 'adam']]) {
      expect(ok(await s.post('runs/log-parameter', { run_uuid: runId, run_id: runId, key, value }))).toEqual({});
    }
    // mlflow.log_metric("loss", …, step=i) ×100
    const losses = Array.from({ length: 100 }, (_, i) => 1 / (i + 1));
    for (const [step, value] of losses.entries()) {
      const body = { run_uuid: runId, run_id: runId, key: 'loss', value, timestamp: started + 1_000 * (step + 1), step };
      expect(ok(await s.post('runs/log-metric', body))).toEqual({});
    }
    // mlflow.log_metrics / log_params / set_tags at the end of training: one log-batch.
    const batch = {
      run_id: runId,
      metrics: [
        { key: 'accuracy', value: 0.93, timestamp: started + 200_000, step: 99 },
        { key: 'val_loss', value: 'NaN', timestamp: started + 200_000, step: 99 },
      ],
      params: [{ key: 'epochs', value: '100' }],
      tags: [{ key: 'stage', value: 'baseline' }],
    };
    expect(ok(await s.post('runs/log-batch', batch))).toEqual({});

    // mlflow.log_artifact("model.pkl", artifact_path="model")
    const model = randomBytes(48 * 1024);
    expect(ok(await putArtifact(s, experimentId, runId, 'model/model.pkl', model))).toEqual({});

    // mlflow.end_run()
    const ended = started + 300_000;
    const updated = ok(await s.post('runs/update', { run_uuid: runId, run_id: runId, status: 'FINISHED', end_time: ended }));
    expect(updated.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: ended, run_name: 'baseline' });

    // MlflowClient().get_metric_history(run_id, "loss")
    const history = ok(await s.get('metrics/get-history', { run_uuid: runId, run_id: runId, metric_key: 'loss', max_results: 25_000 }));
    expect(history.next_page_token).toBeUndefined();
    expect(history.metrics).toEqual(losses.map((value, step) => ({ key: 'loss', value, timestamp: started + 1_000 * (step + 1), step })));

    // mlflow.search_runs(filter_string=…)
    const search = {
      experiment_ids: [experimentId],
      filter: "metrics.loss < 0.05 and params.lr = '0.01' and attributes.status = 'FINISHED'",
      run_view_type: 'ACTIVE_ONLY',
      max_results: 1000,
      order_by: ['metrics.accuracy DESC'],
    };
    const found = ok(await s.post('runs/search', search));
    expect(found.next_page_token).toBeUndefined();
    expect(found.runs).toHaveLength(1);
    const run: Json = found.runs[0];
    expect(run.info).toEqual({
      run_id: runId,
      run_uuid: runId,
      experiment_id: experimentId,
      run_name: 'baseline',
      user_id: 'alice',
      status: 'FINISHED',
      start_time: started,
      end_time: ended,
      artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    });
    expect(new Map(run.data.metrics.map((m: Json) => [m.key, m]))).toEqual(
      new Map([
        ['loss', { key: 'loss', value: 0.01, timestamp: started + 100_000, step: 99 }],
        ['accuracy', { key: 'accuracy', value: 0.93, timestamp: started + 200_000, step: 99 }],
        ['val_loss', { key: 'val_loss', value: 'NaN', timestamp: started + 200_000, step: 99 }],
      ]),
    );
    expect(tagRecord(run.data.params)).toEqual({ lr: '0.01', batch_size: '64', optimizer: 'adam', epochs: '100' });
    expect(tagRecord(run.data.tags)).toEqual({ ...tagRecord(startRunTags('baseline')), stage: 'baseline' });
    expect(run.inputs).toEqual({});

    // MlflowClient().list_artifacts(run_id) and list_artifacts(run_id, "model")
    expect(await listArtifacts(s, experimentId, runId)).toEqual({ files: [{ path: 'model', is_dir: true }] });
    expect(await listArtifacts(s, experimentId, runId, 'model')).toEqual({ files: [{ path: 'model.pkl', is_dir: false, file_size: model.length }] });

    // mlflow.artifacts.download_artifacts(…): the same bytes, and the checksum Fathom recorded.
    const download = await downloadArtifact(s, experimentId, runId, 'model/model.pkl');
    expect(download.status).toBe(200);
    expect(download.bytes.equals(model)).toBe(true);
    const native = ok(await s.native.get(`/api/runs/${runId}`));
    expect(native.artifacts).toEqual([expect.objectContaining({ name: 'model/model.pkl', size: model.length, sha256: sha256(model), version: '1' })]);
    expect(sha256(download.bytes)).toBe(native.artifacts[0].sha256);
  });
});
