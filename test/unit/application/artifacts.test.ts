import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DownloadArtifact } from '../../../src/application/use-cases/artifacts/download-artifact.js';
import { ListExperimentArtifacts } from '../../../src/application/use-cases/artifacts/list-experiment-artifacts.js';
import { ListRunArtifacts } from '../../../src/application/use-cases/artifacts/list-run-artifacts.js';
import { UploadArtifact, type ArtifactUpload } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import type { ArtifactFieldsInput } from '../../../src/domain/artifact.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, PayloadTooLargeError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import type { TestFathom } from '../../support/fathom.js';
import { anUpload, blobFiles, rejectionOf, stagedFiles, useFathom } from './support.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const upload = (runId: string, content: string, fields: ArtifactFieldsInput = {}, fileName?: string) =>
  fathom().use(UploadArtifact).execute(runId, anUpload(content, fields, fileName));

async function bytesOf(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function nothingLeftBehind(f: TestFathom, runId: string): Promise<void> {
  expect(await f.use(ListRunArtifacts).execute(runId)).toEqual([]);
  expect(await blobFiles(f)).toEqual([]);
  expect(await stagedFiles(f)).toEqual([]);
}

describe('uploading an artifact', () => {
  it('records version 1 with the checksum, size and content address of the bytes, stored on disk', async () => {
    const run = await aRun(fathom());
    const artifact = await upload(run.id, 'model weights', {}, 'model.pt');
    const hex = sha256('model weights');
    expect(artifact).toEqual({
      id: expect.any(String),
      runId: run.id,
      experimentId: run.experimentId,
      name: 'model.pt',
      type: 'other',
      path: `sha256/${hex.slice(0, 2)}/${hex}`,
      size: 13,
      sha256: hex,
      version: '1',
      tags: [],
      contentType: 'application/octet-stream',
      metadata: {},
      uploadedAt: START,
    });
    expect(await readFile(join(fathom().blobRoot, artifact.path), 'utf8')).toBe('model weights');
    expect(await blobFiles(fathom())).toEqual([artifact.path]);
    expect((await fathom().use(GetRun).execute(run.id)).artifacts).toEqual([artifact]);
  });

  it('takes its name, type, tags, metadata and content type from the fields', async () => {
    const run = await aRun(fathom());
    const artifact = await fathom()
      .use(UploadArtifact)
      .execute(run.id, {
        ...anUpload('{}', { name: 'eval/confusion.json', type: 'figure', tags: 'Eval, final', metadata: '{"epoch": 3}' }, 'upload.tmp'),
        contentType: 'application/json',
      });
    expect(artifact).toMatchObject({
      name: 'eval/confusion.json',
      type: 'figure',
      tags: ['eval', 'final'],
      metadata: { epoch: 3 },
      contentType: 'application/json',
    });
  });

  it('stores an empty file', async () => {
    const run = await aRun(fathom());
    const artifact = await upload(run.id, '', {}, 'empty.txt');
    expect(artifact).toMatchObject({ size: 0, sha256: sha256('') });
    expect(await blobFiles(fathom())).toEqual([artifact.path]);
  });

  it('stores identical content once', async () => {
    const run = await aRun(fathom());
    const a = await upload(run.id, 'same', { name: 'a.bin' });
    const b = await upload(run.id, 'same', { name: 'b.bin' });
    expect(b.path).toBe(a.path);
    expect(b.id).not.toBe(a.id);
    expect(await blobFiles(fathom())).toEqual([a.path]);
  });

  it('is a NotFoundError for an unknown run, and stores nothing', async () => {
    const error = await rejectionOf(upload('nope', 'bytes'), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'nope' });
    expect(await blobFiles(fathom())).toEqual([]);
  });
});

describe('artifact versions', () => {
  it('count 1, 2, 3 per name across the runs of an experiment', async () => {
    const experiment = await anExperiment(fathom());
    const first = await aRun(fathom(), { experimentId: experiment.id });
    const second = await aRun(fathom(), { experimentId: experiment.id });
    expect((await upload(first.id, 'v1', { name: 'model.pt' })).version).toBe('1');
    expect((await upload(second.id, 'v2', { name: 'model.pt' })).version).toBe('2');
    expect((await upload(first.id, 'v3', { name: 'model.pt' })).version).toBe('3');
    expect((await upload(first.id, 'x', { name: 'tokenizer.json' })).version).toBe('1');
  });

  it('start again at 1 in another experiment', async () => {
    await upload((await aRun(fathom())).id, 'a', { name: 'model.pt' });
    expect((await upload((await aRun(fathom())).id, 'b', { name: 'model.pt' })).version).toBe('1');
  });

  it('may be given, and automatic numbering continues after the highest number', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    expect((await upload(run.id, 'a', { name: 'model.pt', version: 'v1.0-rc' })).version).toBe('v1.0-rc');
    expect((await upload(run.id, 'b', { name: 'model.pt', version: '5' })).version).toBe('5');
    expect((await upload(run.id, 'c', { name: 'model.pt' })).version).toBe('6');
  });

  it('refuse a given version already used for the name in the experiment, from any run, leaving no trace', async () => {
    const experiment = await anExperiment(fathom());
    const first = await aRun(fathom(), { experimentId: experiment.id });
    const second = await aRun(fathom(), { experimentId: experiment.id });
    const kept = await upload(first.id, 'original', { name: 'model.pt', version: 'prod' });
    const error = await rejectionOf(upload(second.id, 'newer bytes', { name: 'model.pt', version: 'prod' }), AlreadyExistsError);
    expect(error.message).toContain("'prod'");
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(await fathom().use(ListExperimentArtifacts).execute(experiment.id)).toEqual([kept]);
    expect(await blobFiles(fathom())).toEqual([kept.path]);
    expect(await stagedFiles(fathom())).toEqual([]);
  });

  it('refuse an automatic number given by hand once it is taken', async () => {
    const run = await aRun(fathom());
    await upload(run.id, 'a', { name: 'model.pt' });
    await rejectionOf(upload(run.id, 'b', { name: 'model.pt', version: '1' }), AlreadyExistsError);
  });

  it('may repeat across names and experiments', async () => {
    const run = await aRun(fathom());
    const versions = [
      await upload(run.id, 'a', { name: 'a.pt', version: 'prod' }),
      await upload(run.id, 'b', { name: 'b.pt', version: 'prod' }),
      await upload((await aRun(fathom())).id, 'c', { name: 'a.pt', version: 'prod' }),
    ];
    expect(versions.map((a) => a.version)).toEqual(['prod', 'prod', 'prod']);
  });
});

describe('a failed upload', () => {
  it('with a bad name leaves no record and no blob', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(upload(run.id, 'escape attempt', { name: '../../etc/passwd' }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/name', message: "must not hold empty, '.' or '..' segments" }]);
    await nothingLeftBehind(fathom(), run.id);
  });

  it("with a bad file name blames the file", async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(upload(run.id, 'x', {}, 'C:\\models\\model.pt'), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/file']);
    await nothingLeftBehind(fathom(), run.id);
  });

  it('with bad fields lists every one and leaves nothing behind', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(upload(run.id, 'x', { type: 'weights', metadata: 'not json', version: 'a b' }), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/type', '/version', '/metadata']);
    await nothingLeftBehind(fathom(), run.id);
  });

  it('keeps the blob when its content already belongs to another artifact', async () => {
    const run = await aRun(fathom());
    const kept = await upload(run.id, 'shared', { name: 'good.bin' });
    await rejectionOf(upload(run.id, 'shared', { name: '/bad' }), InvalidArgumentError);
    expect(await blobFiles(fathom())).toEqual([kept.path]);
    expect(await fathom().use(ListRunArtifacts).execute(run.id)).toEqual([kept]);
  });

  it('whose stream breaks leaves no record and no partial blob', async () => {
    const run = await aRun(fathom());
    async function* broken() {
      yield Buffer.from('first half');
      throw new Error('connection reset');
    }
    const failing: ArtifactUpload = { content: Readable.from(broken()), fileName: 'model.pt', fields: async () => ({}) };
    await expect(fathom().use(UploadArtifact).execute(run.id, failing)).rejects.toThrow('connection reset');
    await nothingLeftBehind(fathom(), run.id);
  });

  it('whose describing fields cannot be read leaves no record and no blob', async () => {
    const run = await aRun(fathom());
    const failing: ArtifactUpload = {
      content: Readable.from(Buffer.from('bytes')),
      fileName: 'model.pt',
      fields: async () => {
        throw new Error('form ended early');
      },
    };
    await expect(fathom().use(UploadArtifact).execute(run.id, failing)).rejects.toThrow('form ended early');
    await nothingLeftBehind(fathom(), run.id);
  });
});

describe('the upload limit', () => {
  const limited = useFathom({ maxUploadBytes: 10 });

  it('refuses more bytes with a PayloadTooLargeError, leaving no record and no partial blob', async () => {
    const run = await aRun(limited());
    const error = await rejectionOf(limited().use(UploadArtifact).execute(run.id, anUpload('eleven byte')), PayloadTooLargeError);
    expect(error.message).toContain('10 bytes');
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    await nothingLeftBehind(limited(), run.id);
  });

  it('refuses a stream that crosses the limit in a later chunk', async () => {
    const run = await aRun(limited());
    const chunks = Readable.from([Buffer.from('12345'), Buffer.from('67890'), Buffer.from('x')]);
    await rejectionOf(limited().use(UploadArtifact).execute(run.id, { content: chunks, fileName: 'f', fields: async () => ({}) }), PayloadTooLargeError);
    await nothingLeftBehind(limited(), run.id);
  });

  it('accepts exactly the limit', async () => {
    const run = await aRun(limited());
    expect((await limited().use(UploadArtifact).execute(run.id, anUpload('ten bytes!'))).size).toBe(10);
  });
});

describe('listing artifacts', () => {
  it("of a run gives every version of every name, newest first", async () => {
    const run = await aRun(fathom());
    const v1 = await upload(run.id, 'a', { name: 'model.pt' });
    fathom().clock.advance(1_000);
    const other = await upload(run.id, 'b', { name: 'data.csv' });
    fathom().clock.advance(1_000);
    const v2 = await upload(run.id, 'c', { name: 'model.pt' });
    await upload((await aRun(fathom())).id, 'elsewhere');
    expect((await fathom().use(ListRunArtifacts).execute(run.id)).map((a) => a.id)).toEqual([v2.id, other.id, v1.id]);
  });

  it("of an experiment gives every version across its runs, newest first, filtered by name and type", async () => {
    const experiment = await anExperiment(fathom());
    const first = await aRun(fathom(), { experimentId: experiment.id });
    const second = await aRun(fathom(), { experimentId: experiment.id });
    const m1 = await upload(first.id, 'm1', { name: 'model.pt', type: 'model' });
    fathom().clock.advance(1_000);
    const plot = await upload(second.id, 'p', { name: 'loss.png', type: 'figure' });
    fathom().clock.advance(1_000);
    const m2 = await upload(second.id, 'm2', { name: 'model.pt', type: 'model' });
    await upload((await aRun(fathom())).id, 'm', { name: 'model.pt', type: 'model' });

    const list = (filter = {}) => fathom().use(ListExperimentArtifacts).execute(experiment.id, filter);
    expect((await list()).map((a) => a.id)).toEqual([m2.id, plot.id, m1.id]);
    expect((await list({ name: 'model.pt' })).map((a) => a.version)).toEqual(['2', '1']);
    expect((await list({ type: 'figure' })).map((a) => a.id)).toEqual([plot.id]);
    expect(await list({ type: 'dataset' })).toEqual([]);
  });

  it('orders versions uploaded in the same millisecond by version number', async () => {
    const run = await aRun(fathom());
    for (const content of ['a', 'b', 'c']) await upload(run.id, content, { name: 'model.pt' });
    expect((await fathom().use(ListRunArtifacts).execute(run.id)).map((a) => a.version)).toEqual(['3', '2', '1']);
  });

  it('refuses an unknown type filter', async () => {
    const experiment = await anExperiment(fathom());
    const error = await rejectionOf(fathom().use(ListExperimentArtifacts).execute(experiment.id, { type: 'weights' }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/type', message: 'must be one of model, dataset, figure, other' }]);
  });

  it('is a NotFoundError for an unknown run or experiment', async () => {
    await rejectionOf(fathom().use(ListRunArtifacts).execute('nope'), NotFoundError);
    await rejectionOf(fathom().use(ListExperimentArtifacts).execute('nope'), NotFoundError);
  });
});

describe('downloading an artifact', () => {
  it('gives the newest version in that run unless a version is asked for', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    const other = await aRun(fathom(), { experimentId: experiment.id });
    await upload(run.id, 'first', { name: 'model.pt' });
    fathom().clock.advance(1_000);
    await upload(run.id, 'second', { name: 'model.pt' });
    fathom().clock.advance(1_000);
    await upload(other.id, 'other run', { name: 'model.pt' });

    const newest = await fathom().use(DownloadArtifact).execute(run.id, 'model.pt');
    expect(newest.artifact.version).toBe('2');
    expect(await bytesOf(await newest.open())).toBe('second');
    const asked = await fathom().use(DownloadArtifact).execute(run.id, 'model.pt', '1');
    expect(await bytesOf(await asked.open())).toBe('first');
  });

  it('opens an inclusive byte range', async () => {
    const run = await aRun(fathom());
    await upload(run.id, '0123456789', { name: 'digits.txt' });
    const download = await fathom().use(DownloadArtifact).execute(run.id, 'digits.txt');
    expect(await bytesOf(await download.open({ start: 2, end: 5 }))).toBe('2345');
  });

  it('finds names with slashes', async () => {
    const run = await aRun(fathom());
    await upload(run.id, 'w', { name: 'checkpoints/epoch-1/weights.bin' });
    const download = await fathom().use(DownloadArtifact).execute(run.id, 'checkpoints/epoch-1/weights.bin');
    expect(await bytesOf(await download.open())).toBe('w');
  });

  it('finds names with spaces, punctuation and any script, exactly as uploaded', async () => {
    const run = await aRun(fathom());
    const names = ['plots/loss curve.png', 'checkpoints/epoch=3-step=1000.ckpt', 'data/train (v2).csv', '模型/权重.bin', 'café', 'cafe\u0301'];
    for (const name of names) await upload(run.id, `bytes of ${name}`, { name });
    for (const name of names) {
      const download = await fathom().use(DownloadArtifact).execute(run.id, name);
      expect(await bytesOf(await download.open())).toBe(`bytes of ${name}`);
    }
    expect((await fathom().use(ListRunArtifacts).execute(run.id)).map((a) => a.name).sort()).toEqual([...names].sort());
  });

  it.each([['../model.pt'], ['/etc/passwd'], ['a\\b'], ['model\u0000.pt'], ['']])('refuses the name %j as invalid, before looking anything up', async (name) => {
    const error = await rejectionOf(fathom().use(DownloadArtifact).execute('no-such-run', name), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/name']);
  });

  it('is a NotFoundError for an unknown name, version or run', async () => {
    const run = await aRun(fathom());
    await upload(run.id, 'a', { name: 'model.pt' });
    expect(await rejectionOf(fathom().use(DownloadArtifact).execute(run.id, 'other.pt'), NotFoundError)).toMatchObject({ entity: 'artifact', id: 'other.pt' });
    expect(await rejectionOf(fathom().use(DownloadArtifact).execute(run.id, 'model.pt', '9'), NotFoundError)).toMatchObject({ id: 'model.pt@9' });
    await rejectionOf(fathom().use(DownloadArtifact).execute('nope', 'model.pt'), NotFoundError);
  });
});

describe('concurrent uploads of the same content', () => {
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }

  /** An upload that signals once its bytes are stored, then waits for the gate before giving its fields. */
  function heldUpload(content: string, fields: () => Promise<ArtifactFieldsInput>) {
    const stored = gate();
    const release = gate();
    const upload: ArtifactUpload = {
      content: Readable.from(Buffer.from(content)),
      fileName: 'model.pt',
      fields: async () => {
        stored.open();
        await release.opened;
        return fields();
      },
    };
    return { upload, stored: stored.opened, release: release.open };
  }

  it("do not lose the blob when one fails while the other is still recording", async () => {
    const run = await aRun(fathom());
    const failing = heldUpload('weights', async () => ({ name: '../bad' }));
    const succeeding = heldUpload('weights', async () => ({}));
    const failed = fathom().use(UploadArtifact).execute(run.id, failing.upload);
    await failing.stored;
    const recorded = fathom().use(UploadArtifact).execute(run.id, succeeding.upload);
    await succeeding.stored;

    failing.release();
    await rejectionOf(failed, InvalidArgumentError);
    succeeding.release();
    const artifact = await recorded;

    expect(await blobFiles(fathom())).toEqual([artifact.path]);
    const download = await fathom().use(DownloadArtifact).execute(run.id, 'model.pt');
    expect(await bytesOf(await download.open())).toBe('weights');
  });

  it('leave no blob behind when both fail', async () => {
    const run = await aRun(fathom());
    const first = heldUpload('weights', async () => ({ name: '../bad' }));
    const second = heldUpload('weights', async () => ({ type: 'nonsense' }));
    const firstDone = fathom().use(UploadArtifact).execute(run.id, first.upload);
    await first.stored;
    const secondDone = fathom().use(UploadArtifact).execute(run.id, second.upload);
    await second.stored;

    first.release();
    await rejectionOf(firstDone, InvalidArgumentError);
    second.release();
    await rejectionOf(secondDone, InvalidArgumentError);

    await nothingLeftBehind(fathom(), run.id);
  });
});
