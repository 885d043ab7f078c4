import { describe, expect, it } from 'vitest';
import { LookUpRun } from '../../../src/application/use-cases/runs/look-up-run.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { LOGGED_MODELS_TAG, RecordLoggedModel } from '../../../src/application/use-cases/runs/record-logged-model.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

const models = async (runId: string): Promise<unknown> => {
  const held = (await fathom().use(LookUpRun).execute(runId)).tags[LOGGED_MODELS_TAG];
  return held === undefined ? undefined : JSON.parse(held);
};

describe('recording logged models (MLflow 2 log_model)', () => {
  it('appends each model to the run tag, in order, keeping what the run held', async () => {
    const run = await aRun(fathom());
    await fathom().use(RecordLoggedModel).execute(run.id, { artifact_path: 'model', flavors: { sklearn: {} } });
    await fathom().use(RecordLoggedModel).execute(run.id, { artifact_path: 'model-2' });
    expect(await models(run.id)).toEqual([{ artifact_path: 'model', flavors: { sklearn: {} } }, { artifact_path: 'model-2' }]);
  });

  it('loses none of several concurrent calls', async () => {
    const run = await aRun(fathom());
    await Promise.all(Array.from({ length: 8 }, (_, i) => fathom().use(RecordLoggedModel).execute(run.id, { artifact_path: `m${i}` })));
    const held = (await models(run.id)) as { artifact_path: string }[];
    expect(held.map((m) => m.artifact_path).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`).sort());
  });

  it('refuses, and changes nothing, when the list would pass a tag value limit, or the tag holds no list', async () => {
    const run = await aRun(fathom());
    const big = { artifact_path: 'x'.repeat(7_990) };
    await rejectionOf(fathom().use(RecordLoggedModel).execute(run.id, big), InvalidArgumentError);
    expect(await models(run.id)).toBeUndefined();
    await fathom().use(UpdateRun).execute(run.id, { tags: { [LOGGED_MODELS_TAG]: 'not json' } });
    const notAList = await rejectionOf(fathom().use(RecordLoggedModel).execute(run.id, { artifact_path: 'm' }), InvalidArgumentError);
    expect(notAList.issues.map((i) => i.path)).toEqual([`/tags/${LOGGED_MODELS_TAG}`]);
    expect((await fathom().use(LookUpRun).execute(run.id)).tags[LOGGED_MODELS_TAG]).toBe('not json');
  });

  it('is refused for an unknown run, and for a deleted one', async () => {
    await rejectionOf(fathom().use(RecordLoggedModel).execute('no-such-run', {}), NotFoundError);
    const run = await aRun(fathom());
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    await rejectionOf(fathom().use(RecordLoggedModel).execute(run.id, {}), ConflictError);
  });
});
