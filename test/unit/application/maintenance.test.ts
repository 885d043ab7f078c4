import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../../src/application/ports/blob-store.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { DownloadArtifact } from '../../../src/application/use-cases/artifacts/download-artifact.js';
import { UploadArtifact } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { CollectGarbage } from '../../../src/application/use-cases/maintenance/collect-garbage.js';
import { aRun } from '../../support/builders.js';
import { anUpload, blobFiles, useFathom } from './support.js';

const fathom = useFathom();
const HOUR = 3_600_000;

/** Stores content the way a crash between "blob written" and "record committed" leaves it: no record. */
async function anOrphan(content: string): Promise<string> {
  const blobs = fathom().use<BlobStore>(TOKENS.Blobs);
  return (await blobs.put(Readable.from(Buffer.from(content)), { maxBytes: 1_000 })).key;
}

/** The clock the use case reads, moved so that everything on disk now is older than `ms`. */
function laterBy(ms: number): void {
  fathom().clock.set(new Date(Date.now() + ms).toISOString());
}

describe('collecting garbage (fathom gc)', () => {
  it('removes blobs no record references and keeps the ones records point at', async () => {
    const run = await aRun(fathom());
    const artifact = await fathom().use(UploadArtifact).execute(run.id, anUpload('a recorded model', { name: 'model.pt' }));
    const orphan = await anOrphan('left behind by a crash');
    laterBy(2 * HOUR);
    const report = await fathom().use(CollectGarbage).execute({ minAgeMs: HOUR });
    expect(report).toEqual({ scanned: 2, recent: 0, removed: 1, removedBytes: 'left behind by a crash'.length });
    expect(await blobFiles(fathom())).toEqual([artifact.path]);
    expect(await blobFiles(fathom())).not.toContain(orphan);
    const download = await fathom().use(DownloadArtifact).execute(run.id, 'model.pt');
    expect(download.artifact.sha256).toBe(artifact.sha256);
  });

  it('spares blobs younger than the minimum age: an upload may be about to record them', async () => {
    const orphan = await anOrphan('just written');
    laterBy(10 * 60_000);
    const report = await fathom().use(CollectGarbage).execute({ minAgeMs: HOUR });
    expect(report).toEqual({ scanned: 1, recent: 1, removed: 0, removedBytes: 0 });
    expect(await blobFiles(fathom())).toEqual([orphan]);
  });

  it('with a minimum age of zero, removes every unreferenced blob', async () => {
    await anOrphan('one');
    await anOrphan('two');
    laterBy(1_000);
    expect(await fathom().use(CollectGarbage).execute({ minAgeMs: 0 })).toMatchObject({ scanned: 2, removed: 2 });
    expect(await blobFiles(fathom())).toEqual([]);
  });

  it('reports nothing to do on an empty store', async () => {
    expect(await fathom().use(CollectGarbage).execute({ minAgeMs: 0 })).toEqual({ scanned: 0, recent: 0, removed: 0, removedBytes: 0 });
  });

  it('spares a blob that another process deduplicated an upload onto while gc was deciding', async () => {
    const blobs = fathom().use<BlobStore>(TOKENS.Blobs);
    const orphan = await anOrphan('about to be uploaded again');
    const writtenAt = (await blobs.modifiedAt(orphan)) as number;
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Old enough to collect when listed...
    fathom().clock.set(new Date(writtenAt + 10 + HOUR).toISOString());
    // ...but while gc asks the records about it, another server stores the same content (which
    // refreshes the blob) and is about to record it.
    const artifacts = fathom().container.resolve<{ referencedBlobs(keys: readonly string[]): Promise<Set<string>> }>(TOKENS.Artifacts);
    const referencedBlobs = artifacts.referencedBlobs.bind(artifacts);
    artifacts.referencedBlobs = async (keys) => {
      const answer = await referencedBlobs(keys);
      await blobs.put(Readable.from(Buffer.from('about to be uploaded again')), { maxBytes: 1_000 });
      return answer;
    };
    const report = await fathom().use(CollectGarbage).execute({ minAgeMs: HOUR });
    expect(report).toMatchObject({ scanned: 1, recent: 0, removed: 0 });
    expect(await blobFiles(fathom())).toEqual([orphan]);
  });
});
