import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect } from 'vitest';
import type { ArtifactUpload } from '../../../src/application/use-cases/artifacts/upload-artifact.js';
import type { ArtifactFieldsInput } from '../../../src/domain/artifact.js';
import { aFathom, type TestFathom } from '../../support/fathom.js';

/** A fresh Fathom (memory store, fs blobs in a temp dir) before each test of the calling file. */
export function useFathom(options: { maxUploadBytes?: number } = {}): () => TestFathom {
  let fathom: TestFathom | undefined;
  beforeEach(async () => {
    fathom = await aFathom(options);
  });
  afterEach(async () => {
    await fathom?.close();
    fathom = undefined;
  });
  return () => {
    if (!fathom) throw new Error('the fathom is only available inside a test');
    return fathom;
  };
}

/** Awaits `promise`, expects it to reject with an instance of `type`, and returns the error. */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected a rejection with ${type.name}, but the promise resolved`);
  expect(caught).toBeInstanceOf(type);
  return caught as E;
}

/** An upload of these bytes, streamed from memory, with its describing fields. */
export function anUpload(content: string | Buffer, fields: ArtifactFieldsInput = {}, fileName: string | undefined = 'model.bin'): ArtifactUpload {
  const upload: ArtifactUpload = { content: Readable.from(Buffer.from(content)), fields: async () => fields };
  if (fileName !== undefined) upload.fileName = fileName;
  return upload;
}

/** Every content-addressed blob file on disk (`sha256/ab/abcdef…`), sorted. */
export async function blobFiles(fathom: TestFathom): Promise<string[]> {
  const root = join(fathom.blobRoot, 'sha256');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1).split('\\').join('/'))
    .map((p) => `sha256/${p}`)
    .sort();
}

/** Files left in the blob store's staging directory: a clean failure leaves none. */
export async function stagedFiles(fathom: TestFathom): Promise<string[]> {
  return readdir(join(fathom.blobRoot, 'tmp'));
}
