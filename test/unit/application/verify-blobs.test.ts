import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../../src/application/ports/blob-store.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import { VerifyBlobs, type BlobProblem } from '../../../src/application/use-cases/maintenance/verify-blobs.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { UnavailableError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { anUpload, blobFiles, useFathom } from './support.js';
import { sha256 } from '../../http/artifact-support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

async function verify(): Promise<{ report: Awaited<ReturnType<VerifyBlobs['execute']>>; problems: BlobProblem[] }> {
  const problems: BlobProblem[] = [];
  const report = await fathom().use(VerifyBlobs).execute({ onProblem: (problem) => problems.push(problem) });
  return { report, problems };
}

const upload = (runId: string, name: string, content: string) => fathom().use(UploadArtifact).execute(runId, anUpload(content, { name }));
const blobPath = (key: string) => join(fathom().blobRoot, key);

describe('verifying every blob against its records (fathom verify)', () => {
  it('finds nothing wrong in an intact store, counting artifact versions, distinct blobs and bytes', async () => {
    const run = await aRun(fathom());
    await upload(run.id, 'model.pt', 'weights v1');
    await upload(run.id, 'model.pt', 'weights v2');
    await upload(run.id, 'copy.pt', 'weights v1'); // the same content: one blob
    expect(await verify()).toEqual({ report: { artifacts: 3, blobs: 2, bytes: 20, problems: 0 }, problems: [] });
  });

  it('reports nothing to check on an empty store', async () => {
    expect(await verify()).toEqual({ report: { artifacts: 0, blobs: 0, bytes: 0, problems: 0 }, problems: [] });
  });

  it('reports a damaged blob once per artifact version pointing at it, with what was recorded and what is there', async () => {
    const run = await aRun(fathom());
    const first = await upload(run.id, 'model.pt', 'the original weights');
    const second = await upload(run.id, 'backup.pt', 'the original weights');
    const intact = await upload(run.id, 'other.pt', 'other weights');
    await writeFile(blobPath(first.path), 'THE ORIGINAL WEIGHTS');

    const { report, problems } = await verify();
    expect(report).toEqual({ artifacts: 3, blobs: 2, bytes: 20 + 13, problems: 2 });
    const expected = { sha256: first.sha256, size: 20 };
    const actual = { sha256: sha256('THE ORIGINAL WEIGHTS'), size: 20 };
    expect(problems.sort((a, b) => a.artifact.localeCompare(b.artifact))).toEqual([
      { kind: 'damaged', runId: run.id, experimentId: run.experimentId, artifact: 'backup.pt', version: second.version, blob: first.path, expected, actual },
      { kind: 'damaged', runId: run.id, experimentId: run.experimentId, artifact: 'model.pt', version: '1', blob: first.path, expected, actual },
    ]);
    expect(problems.map((p) => p.blob)).not.toContain(intact.path);
  });

  it('reports a missing blob, and a truncated one by its size', async () => {
    const run = await aRun(fathom());
    const gone = await upload(run.id, 'gone.bin', 'deleted behind our back');
    const short = await upload(run.id, 'short.bin', 'cut short by a full disk');
    await rm(blobPath(gone.path));
    await writeFile(blobPath(short.path), 'cut short');

    const { report, problems } = await verify();
    expect(report).toMatchObject({ artifacts: 2, problems: 2 });
    expect(problems.find((p) => p.artifact === 'gone.bin')).toEqual({
      kind: 'missing',
      runId: run.id,
      experimentId: run.experimentId,
      artifact: 'gone.bin',
      version: '1',
      blob: gone.path,
      expected: { sha256: gone.sha256, size: gone.size },
    });
    expect(problems.find((p) => p.artifact === 'short.bin')).toMatchObject({ kind: 'damaged', actual: { size: 9 } });
  });

  it('checks the artifacts of deleted runs and deleted experiments too: they can be restored', async () => {
    const experiment = await anExperiment(fathom());
    const trashedRun = await aRun(fathom(), { experimentId: experiment.id });
    const inTrashedExperiment = await aRun(fathom());
    const a = await upload(trashedRun.id, 'a.bin', 'in a trashed run');
    const b = await upload(inTrashedExperiment.id, 'b.bin', 'in a trashed experiment');
    await fathom().use(MarkRunDeleted).execute(trashedRun.id, ANONYMOUS);
    await fathom().use(DeleteExperiment).execute(inTrashedExperiment.experimentId, {}, ANONYMOUS);
    await rm(blobPath(a.path));
    await rm(blobPath(b.path));
    const { problems } = await verify();
    expect(problems.map((p) => p.artifact).sort()).toEqual(['a.bin', 'b.bin']);
  });

  it('reports a blob the store fails to read as unreadable, and goes on with the rest', async () => {
    const run = await aRun(fathom());
    const broken = await upload(run.id, 'broken.bin', 'on a failing disk');
    await upload(run.id, 'fine.bin', 'on a good disk');
    const blobs = fathom().use<BlobStore>(TOKENS.Blobs);
    const failing: BlobStore = Object.assign(Object.create(blobs) as BlobStore, {
      get: async (key: string): Promise<Readable> => {
        if (key === broken.path) throw new UnavailableError('EIO: i/o error, read');
        return blobs.get(key);
      },
    });
    fathom().container.register(TOKENS.Blobs, { useValue: failing });
    const { report, problems } = await verify();
    expect(report).toMatchObject({ artifacts: 2, blobs: 2, problems: 1 });
    expect(problems).toEqual([expect.objectContaining({ kind: 'unreadable', artifact: 'broken.bin', reason: 'EIO: i/o error, read' })]);
  });

  it('changes nothing: the blobs on disk and their bytes are as before', async () => {
    const run = await aRun(fathom());
    const damaged = await upload(run.id, 'model.pt', 'weights');
    await writeFile(blobPath(damaged.path), 'WEIGHTS');
    const before = await blobFiles(fathom());
    await verify();
    expect(await blobFiles(fathom())).toEqual(before);
  });
});
