import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TOKENS } from '../../../src/application/tokens.js';
import { DownloadArtifact } from '../../../src/application/use-cases/artifacts/download-artifact.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { GetExperiment } from '../../../src/application/use-cases/experiments/get-experiment.js';
import { UpdateExperiment } from '../../../src/application/use-cases/experiments/update-experiment.js';
import { DeleteRun } from '../../../src/application/use-cases/runs/delete-run.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { ConflictError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { aFathom, type TestFathom } from '../../support/fathom.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps a port so every call waits before and after, as a store doing real I/O would. */
function withLatency<T extends object>(target: T, ms = 3): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await pause(ms);
        const result = (await (value as (...a: unknown[]) => unknown).apply(object, args)) as unknown;
        await pause(ms);
        return result;
      };
    },
  });
}

function slowStores(fathom: TestFathom): void {
  for (const token of [TOKENS.Experiments, TOKENS.Runs, TOKENS.Artifacts]) {
    fathom.container.register(token, { useValue: withLatency(fathom.container.resolve<object>(token)) });
  }
}

describe('concurrent changes through a store with latency', () => {
  it('two simultaneous finishes of one run: exactly one wins, the other is a conflict', async () => {
    const fathom = await aFathom();
    slowStores(fathom);
    const run = await aRun(fathom);
    const update = fathom.use(UpdateRun);
    const results = await Promise.allSettled([
      update.execute(run.id, { status: 'completed' }),
      update.execute(run.id, { status: 'failed' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(ConflictError);
    await fathom.close();
  });

  it('a delete racing an edit of the description leaves the experiment deleted', async () => {
    const fathom = await aFathom();
    slowStores(fathom);
    const experiment = await anExperiment(fathom);
    await Promise.all([
      fathom.use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS),
      fathom.use(UpdateExperiment).execute(experiment.id, { description: 'edited meanwhile' }),
    ]);
    const after = await fathom.use(GetExperiment).execute(experiment.id);
    expect(after.lifecycleStage).toBe('deleted');
    expect(after.description).toBe('edited meanwhile');
    await fathom.close();
  });

  it('an upload deduplicated onto a blob that a concurrent run delete frees still downloads', async () => {
    const fathom = await aFathom();
    const experiment = await anExperiment(fathom);
    const first = await aRun(fathom, { experimentId: experiment.id });
    const second = await aRun(fathom, { experimentId: experiment.id });
    const upload = fathom.use(UploadArtifact);
    await upload.execute(first.id, { content: Readable.from(Buffer.from('same bytes')), fileName: 'a.bin', fields: async () => ({}) });
    // The blob store finds the content already there; the record is slow to be written: the
    // first run is deleted while the second upload is between "the blob exists" and "the record
    // exists".
    const artifacts = fathom.container.resolve<{ create(input: unknown): Promise<unknown> }>(TOKENS.Artifacts);
    const create = artifacts.create.bind(artifacts);
    let answering!: () => void;
    const storeIsAnswering = new Promise<void>((resolve) => (answering = resolve));
    let deleted!: () => void;
    const runDeleted = new Promise<void>((resolve) => (deleted = resolve));
    artifacts.create = async (input) => {
      answering();
      await Promise.race([runDeleted, pause(200)]); // the delete runs in this gap
      return create(input);
    };

    const pending = fathom.use(UploadArtifact).execute(second.id, {
      content: Readable.from(Buffer.from('same bytes')),
      fileName: 'b.bin',
      fields: async () => ({}),
    });
    await storeIsAnswering;
    await fathom.use(DeleteRun).execute(first.id, ANONYMOUS);
    deleted();
    await pending;

    const { open } = await fathom.use(DownloadArtifact).execute(second.id, 'b.bin');
    const chunks: Buffer[] = [];
    for await (const chunk of await open()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('same bytes');
    await fathom.close();
  });

  it('frees the blob after all when the run is deleted between the upload recording it and finishing', async () => {
    const fathom = await aFathom();
    const run = await aRun(fathom);
    const artifacts = fathom.container.resolve<{ create(input: unknown): Promise<{ path: string }> }>(TOKENS.Artifacts);
    const create = artifacts.create.bind(artifacts);
    let recorded!: () => void;
    const recordExists = new Promise<void>((resolve) => (recorded = resolve));
    let deleted!: () => void;
    const runDeleted = new Promise<void>((resolve) => (deleted = resolve));
    artifacts.create = async (input) => {
      const created = await create(input);
      recorded();
      await runDeleted; // the record exists; the upload has not finished yet
      return created;
    };

    const pending = fathom.use(UploadArtifact).execute(run.id, {
      content: Readable.from(Buffer.from('short-lived')),
      fileName: 'gone.bin',
      fields: async () => ({}),
    });
    await recordExists;
    await fathom.use(DeleteRun).execute(run.id, ANONYMOUS);
    deleted();
    const artifact = await pending;

    const blobs = fathom.container.resolve<{ size(key: string): Promise<number | undefined> }>(TOKENS.Blobs);
    expect(await blobs.size(artifact.path)).toBeUndefined();
    await fathom.close();
  });
});

