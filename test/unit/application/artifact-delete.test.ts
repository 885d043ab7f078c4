import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DeleteArtifact } from '../../../src/application/use-cases/artifacts/delete-artifact.js';
import { DownloadArtifact } from '../../../src/application/use-cases/artifacts/download-artifact.js';
import { ListExperimentArtifacts } from '../../../src/application/use-cases/artifacts/list-experiment-artifacts.js';
import { ListRunArtifacts } from '../../../src/application/use-cases/artifacts/list-run-artifacts.js';
import { UploadArtifact, type ArtifactUpload } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import type { ArtifactFieldsInput } from '../../../src/domain/artifact.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { anUpload, blobFiles, rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();

const upload = (runId: string, content: string, fields: ArtifactFieldsInput) => fathom().use(UploadArtifact).execute(runId, anUpload(content, fields));
const remove = (runId: string, name: string) => fathom().use(DeleteArtifact).execute(runId, name, {}, ANONYMOUS);
const namesIn = async (runId: string) => (await fathom().use(ListRunArtifacts).execute(runId)).map((a) => `${a.name}@${a.version}`).sort();

async function bytesOf(runId: string, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await (await fathom().use(DownloadArtifact).execute(runId, name)).open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('deleting an artifact', () => {
  it('removes every version of the name from the run, and only that name', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    const other = await aRun(fathom(), { experimentId: experiment.id });
    await upload(run.id, 'one', { name: 'plots/loss curve.png' });
    await upload(run.id, 'two', { name: 'plots/loss curve.png' });
    await upload(run.id, 'data', { name: 'data/train (v2).csv' });
    await upload(run.id, 'nested', { name: 'plots/loss curve.png/raw' });
    await upload(other.id, 'theirs', { name: 'plots/loss curve.png' });

    await remove(run.id, 'plots/loss curve.png');

    expect(await namesIn(run.id)).toEqual(['data/train (v2).csv@1', 'plots/loss curve.png/raw@1']);
    await rejectionOf(fathom().use(DownloadArtifact).execute(run.id, 'plots/loss curve.png'), NotFoundError);
    expect(await bytesOf(other.id, 'plots/loss curve.png')).toBe('theirs');
    expect((await fathom().use(ListExperimentArtifacts).execute(experiment.id, { name: 'plots/loss curve.png' })).map((a) => a.version)).toEqual(['3']);
  });

  it('frees the content nothing else references', async () => {
    const run = await aRun(fathom());
    const kept = await upload(run.id, 'kept', { name: 'kept.bin' });
    await upload(run.id, 'first weights', { name: 'model.pt' });
    await upload(run.id, 'second weights', { name: 'model.pt' });
    await remove(run.id, 'model.pt');
    expect(await blobFiles(fathom())).toEqual([kept.path]);
  });

  it('keeps content another artifact shares, in this run or another, and it still downloads', async () => {
    const run = await aRun(fathom());
    const other = await aRun(fathom());
    const doomed = await upload(run.id, 'shared weights', { name: 'model.pt' });
    await upload(run.id, 'shared weights', { name: 'copy.pt' });
    await upload(other.id, 'shared weights', { name: 'model.pt' });
    await remove(run.id, 'model.pt');
    expect(await blobFiles(fathom())).toEqual([doomed.path]);
    expect(await bytesOf(run.id, 'copy.pt')).toBe('shared weights');
    expect(await bytesOf(other.id, 'model.pt')).toBe('shared weights');

    await remove(run.id, 'copy.pt');
    await remove(other.id, 'model.pt');
    expect(await blobFiles(fathom())).toEqual([]);
  });

  it('is a NotFoundError for an unknown run, and for a name the run does not hold (or no longer holds)', async () => {
    const run = await aRun(fathom());
    const other = await aRun(fathom());
    await upload(other.id, 'theirs', { name: 'model.pt' });
    expect(await rejectionOf(remove('nope', 'model.pt'), NotFoundError)).toMatchObject({ entity: 'run', id: 'nope' });
    expect(await rejectionOf(remove(run.id, 'model.pt'), NotFoundError)).toMatchObject({ entity: 'artifact', id: 'model.pt' });
    await upload(run.id, 'mine', { name: 'model.pt' });
    await remove(run.id, 'model.pt');
    await rejectionOf(remove(run.id, 'model.pt'), NotFoundError);
    expect(await bytesOf(other.id, 'model.pt')).toBe('theirs');
  });

  it('is a ConflictError in a deleted run, which keeps its artifacts', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    const artifact = await upload(run.id, 'weights', { name: 'model.pt' });
    await fathom().use(DeleteExperiment).execute(experiment.id, {}, ANONYMOUS);
    const error = await rejectionOf(remove(run.id, 'model.pt'), ConflictError);
    expect(error.message).toContain('is deleted');
    expect(await fathom().use(ListRunArtifacts).execute(run.id)).toEqual([artifact]);
    expect(await blobFiles(fathom())).toEqual([artifact.path]);
  });

  it.each([['../model.pt'], ['/model.pt'], ['models\\model.pt'], ['model\u0000.pt'], ['']])('refuses the name %j naming /name', async (name) => {
    const run = await aRun(fathom());
    const error = await rejectionOf(remove(run.id, name), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/name']);
  });
});

describe('numbering after a delete', () => {
  it('goes on past the versions other runs of the experiment still hold', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    const other = await aRun(fathom(), { experimentId: experiment.id });
    await upload(run.id, 'v1', { name: 'model.pt' });
    await upload(other.id, 'v2', { name: 'model.pt' });
    await remove(run.id, 'model.pt');
    expect((await upload(run.id, 'v3', { name: 'model.pt' })).version).toBe('3');
  });

  it('goes on past the deleted versions: a number never names two contents', async () => {
    const run = await aRun(fathom());
    await upload(run.id, 'v1', { name: 'model.pt' });
    await upload(run.id, 'v2', { name: 'model.pt' });
    await remove(run.id, 'model.pt');
    const again = await upload(run.id, 'new content', { name: 'model.pt' });
    expect(again.version).toBe('3');
    await rejectionOf(fathom().use(DownloadArtifact).execute(run.id, 'model.pt', '2'), NotFoundError);
    expect(await bytesOf(run.id, 'model.pt')).toBe('new content');
  });
});

describe('a delete racing an upload of the same content', () => {
  /** An upload whose bytes are stored (and held) but whose fields wait for `release`. */
  function heldUpload(content: string, fields: ArtifactFieldsInput) {
    let stored!: () => void;
    let release!: () => void;
    const isStored = new Promise<void>((resolve) => (stored = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const upload: ArtifactUpload = {
      content: Readable.from(Buffer.from(content)),
      fileName: 'model.pt',
      fields: async () => {
        stored();
        await released;
        return fields;
      },
    };
    return { upload, isStored, release };
  }

  it('keeps the content for the upload still recording it', async () => {
    const run = await aRun(fathom());
    const old = await upload(run.id, 'same weights', { name: 'old.pt' });
    const held = heldUpload('same weights', { name: 'new.pt' });
    const pending = fathom().use(UploadArtifact).execute(run.id, held.upload);
    await held.isStored;

    await remove(run.id, 'old.pt');
    held.release();
    const recorded = await pending;

    expect(recorded.path).toBe(old.path);
    expect(await blobFiles(fathom())).toEqual([old.path]);
    expect(await bytesOf(run.id, 'new.pt')).toBe('same weights');
  });

  it('frees the content after all when that upload then fails', async () => {
    const run = await aRun(fathom());
    await upload(run.id, 'same weights', { name: 'old.pt' });
    const held = heldUpload('same weights', { name: '../escape' });
    const pending = fathom().use(UploadArtifact).execute(run.id, held.upload);
    await held.isStored;

    await remove(run.id, 'old.pt');
    held.release();
    await rejectionOf(pending, InvalidArgumentError);

    expect(await blobFiles(fathom())).toEqual([]);
  });
});
