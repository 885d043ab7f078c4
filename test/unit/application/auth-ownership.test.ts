import { describe, expect, it } from 'vitest';
import { DeleteArtifact } from '../../../src/application/use-cases/artifacts/delete-artifact.js';
import { ListRunArtifacts } from '../../../src/application/use-cases/artifacts/list-run-artifacts.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { CreateExperiment } from '../../../src/application/use-cases/experiments/create-experiment.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetExperiment } from '../../../src/application/use-cases/experiments/get-experiment.js';
import { RestoreExperiment } from '../../../src/application/use-cases/experiments/restore-experiment.js';
import { CreateRun } from '../../../src/application/use-cases/runs/create-run.js';
import { DeleteRun } from '../../../src/application/use-cases/runs/delete-run.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../src/application/use-cases/runs/restore-run.js';
import type { Principal } from '../../../src/domain/access.js';
import { PermissionDeniedError } from '../../../src/domain/errors.js';
import { anUpload, rejectionOf, useFathom } from './support.js';

const fathom = useFathom();
const ADA: Principal = { user: 'ada', role: 'writer' };
const BOB: Principal = { user: 'bob', role: 'writer' };
const ROOT: Principal = { user: 'root', role: 'admin' };
const READER: Principal = { user: 'rita', role: 'reader' };

describe('who created it: the actor, never the input, once authenticated', () => {
  it('an experiment and a run made by ada are ada’s whatever createdBy claims', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e', createdBy: 'mallory' }, ADA);
    expect(experiment.createdBy).toBe('ada');
    const run = await fathom().use(CreateRun).execute(experiment.id, { createdBy: 'mallory' }, ADA);
    expect((await fathom().use(GetRun).execute(run.id)).createdBy).toBe('ada');
  });

  it('with authentication off the claim counts, else anonymous, as before', async () => {
    const claimed = await fathom().use(CreateExperiment).execute({ name: 'e', createdBy: 'mallory' });
    expect(claimed.createdBy).toBe('mallory');
    const run = await fathom().use(CreateRun).execute(claimed.id, {});
    expect(run.createdBy).toBe('anonymous');
  });
});

describe('deleting: writers their own, admins anything, readers nothing', () => {
  it('a writer moves their own run to the trash (deletedBy recorded) and restores it (deletedBy cleared)', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, BOB);
    const run = await fathom().use(CreateRun).execute(experiment.id, {}, ADA);
    expect(await fathom().use(MarkRunDeleted).execute(run.id, ADA)).toMatchObject({ lifecycleStage: 'deleted', deletedBy: 'ada' });
    expect((await fathom().use(GetRun).execute(run.id)).deletedBy).toBe('ada');
    const restored = await fathom().use(RestoreRun).execute(run.id, ADA);
    expect(restored.lifecycleStage).toBe('active');
    expect(await fathom().use(GetRun).execute(run.id)).not.toHaveProperty('deletedBy');
  });

  it('another writer gets PermissionDeniedError and the run stays as it was', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, ADA);
    const run = await fathom().use(CreateRun).execute(experiment.id, {}, ADA);
    const error = await rejectionOf(fathom().use(MarkRunDeleted).execute(run.id, BOB), PermissionDeniedError);
    expect(error.message).toContain("created by 'ada'");
    await rejectionOf(fathom().use(DeleteRun).execute(run.id, BOB), PermissionDeniedError);
    await rejectionOf(fathom().use(MarkRunDeleted).execute(run.id, READER), PermissionDeniedError);
    expect((await fathom().use(GetRun).execute(run.id)).lifecycleStage).toBe('active');
    await fathom().use(MarkRunDeleted).execute(run.id, ROOT);
    await rejectionOf(fathom().use(RestoreRun).execute(run.id, BOB), PermissionDeniedError);
    expect((await fathom().use(GetRun).execute(run.id)).deletedBy).toBe('root');
    await fathom().use(DeleteRun).execute(run.id, ROOT);
  });

  it('experiments: soft delete records deletedBy, restore clears it, others are refused, admins may', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, ADA);
    await rejectionOf(fathom().use(DeleteExperiment).execute(experiment.id, {}, BOB), PermissionDeniedError);
    await rejectionOf(fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, BOB), PermissionDeniedError);
    expect((await fathom().use(GetExperiment).execute(experiment.id)).lifecycleStage).toBe('active');
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ADA);
    expect(await fathom().use(GetExperiment).execute(experiment.id)).toMatchObject({ lifecycleStage: 'deleted', deletedBy: 'ada' });
    await rejectionOf(fathom().use(RestoreExperiment).execute(experiment.id, BOB), PermissionDeniedError);
    const restored = await fathom().use(RestoreExperiment).execute(experiment.id, ROOT);
    expect(restored).not.toHaveProperty('deletedBy');
    await fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ROOT);
  });

  it('artifacts: only in runs the writer created', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, ADA);
    const run = await fathom().use(CreateRun).execute(experiment.id, {}, ADA);
    await fathom().use(UploadArtifact).execute(run.id, anUpload('bytes'));
    await rejectionOf(fathom().use(DeleteArtifact).execute(run.id, 'model.bin', {}, BOB), PermissionDeniedError);
    expect((await fathom().use(ListRunArtifacts).execute(run.id)).map((a) => a.name)).toEqual(['model.bin']);
    await fathom().use(DeleteArtifact).execute(run.id, 'model.bin', {}, ADA);
    expect(await fathom().use(ListRunArtifacts).execute(run.id)).toEqual([]);
  });
});
