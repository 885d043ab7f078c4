import { describe, expect, it } from 'vitest';
import { OTHERS_RUNS_COUNTED } from '../../../src/application/others-runs.js';
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
import { ANONYMOUS, type Principal } from '../../../src/domain/access.js';
import { NotFoundError, PermissionDeniedError } from '../../../src/domain/errors.js';
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
    const claimed = await fathom().use(CreateExperiment).execute({ name: 'e', createdBy: 'mallory' }, ANONYMOUS);
    expect(claimed.createdBy).toBe('mallory');
    const run = await fathom().use(CreateRun).execute(claimed.id, {}, ANONYMOUS);
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

  it('a writer may not delete or restore their experiment while it holds others’ runs; nothing changes; admins may', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, ADA);
    const own = await fathom().use(CreateRun).execute(experiment.id, {}, ADA);
    const bobs = await fathom().use(CreateRun).execute(experiment.id, {}, BOB);
    await fathom().use(UploadArtifact).execute(bobs.id, anUpload('bytes'));
    // A run in the trash counts too: a permanent delete would purge it, a restore bring it back.
    const trashed = await fathom().use(CreateRun).execute(experiment.id, {}, { user: 'cy', role: 'writer' });
    await fathom().use(MarkRunDeleted).execute(trashed.id, ROOT);

    const soft = await rejectionOf(fathom().use(DeleteExperiment).execute(experiment.id, {}, ADA), PermissionDeniedError);
    expect(soft.message).toBe(
      `deleting experiment '${experiment.id}': it holds 2 runs created by other users ('bob', 'cy'); user 'ada' (writer) may only do this to what they created, ` +
        'so those users must delete their runs first, or an admin must do it',
    );
    const permanent = await rejectionOf(fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ADA), PermissionDeniedError);
    expect(permanent.message).toContain(`deleting experiment '${experiment.id}' for good: it holds 2 runs`);
    expect((await fathom().use(GetExperiment).execute(experiment.id)).lifecycleStage).toBe('active');
    expect((await fathom().use(GetRun).execute(bobs.id)).lifecycleStage).toBe('active');
    expect((await fathom().use(ListRunArtifacts).execute(bobs.id)).map((a) => a.name)).toEqual(['model.bin']);
    expect((await fathom().use(GetRun).execute(trashed.id)).deletedBy).toBe('root');

    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ROOT);
    const restore = await rejectionOf(fathom().use(RestoreExperiment).execute(experiment.id, ADA), PermissionDeniedError);
    expect(restore.message).toContain(`restoring experiment '${experiment.id}': it holds 2 runs created by other users`);
    expect((await fathom().use(GetExperiment).execute(experiment.id)).lifecycleStage).toBe('deleted');
    await fathom().use(RestoreExperiment).execute(experiment.id, ROOT);

    // Once the others have removed theirs, the owner may delete the rest.
    await fathom().use(DeleteRun).execute(bobs.id, BOB);
    await fathom().use(DeleteRun).execute(trashed.id, ROOT);
    await fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ADA);
    await rejectionOf(fathom().use(GetRun).execute(own.id), NotFoundError);
  });

  it('the refusal counts every other user’s run and names a few of them', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, ADA);
    for (const user of ['dan', 'bob', 'eve', 'cy', 'bob']) await fathom().use(CreateRun).execute(experiment.id, {}, { user, role: 'writer' });
    const error = await rejectionOf(fathom().use(DeleteExperiment).execute(experiment.id, {}, ADA), PermissionDeniedError);
    expect(error.message).toContain("it holds 5 runs created by other users ('bob', 'cy', 'dan', 1 more)");
    const alone = await fathom().use(CreateExperiment).execute({ name: 'f' }, ADA);
    await fathom().use(CreateRun).execute(alone.id, {}, BOB);
    expect((await rejectionOf(fathom().use(DeleteExperiment).execute(alone.id, {}, ADA), PermissionDeniedError)).message).toContain("1 run created by other users ('bob')");
  });

  it('past OTHERS_RUNS_COUNTED runs it stops counting and says so', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e' }, ADA);
    const createRun = fathom().use(CreateRun);
    for (let i = 0; i < OTHERS_RUNS_COUNTED; i++) await createRun.execute(experiment.id, {}, BOB);
    const error = await rejectionOf(fathom().use(DeleteExperiment).execute(experiment.id, {}, ADA), PermissionDeniedError);
    expect(error.message).toContain(`it holds ${OTHERS_RUNS_COUNTED} or more runs created by other users ('bob')`);
  });

  it('with authentication off the anonymous admin deletes experiments holding anyone’s runs, as before', async () => {
    const experiment = await fathom().use(CreateExperiment).execute({ name: 'e', createdBy: 'ada' }, ANONYMOUS);
    const run = await fathom().use(CreateRun).execute(experiment.id, { createdBy: 'bob' }, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    expect((await fathom().use(GetRun).execute(run.id)).lifecycleStage).toBe('deleted');
    await fathom().use(RestoreExperiment).execute(experiment.id, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(experiment.id, { permanent: true }, ANONYMOUS);
    await rejectionOf(fathom().use(GetRun).execute(run.id), NotFoundError);
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
