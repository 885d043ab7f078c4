import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Shared by the artifact HTTP tests: multipart bodies built by hand, and what the server stored. */

export const BOUNDARY = '----fathom-test-boundary-7MA4YWxkTrZu0gW';

export type FormPart = { name: string; value: string } | { name: string; filename: string; content: string | Buffer; contentType?: string };

/** A multipart/form-data body built by hand, parts in the order given. */
export function multipart(parts: FormPart[], boundary = BOUNDARY): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if ('filename' in part) {
      head += `; filename="${part.filename}"\r\n`;
      if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
      chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.content), Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`${head}\r\n\r\n${part.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export const file = (content: string | Buffer, filename = 'model.bin', contentType?: string): FormPart => ({
  name: 'file',
  filename,
  content,
  ...(contentType !== undefined ? { contentType } : {}),
});
export const field = (name: string, value: string): FormPart => ({ name, value });

export const sha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');

/** Every file (not directory) under `dir`, relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** A name as it goes into a URL path: each segment percent-encoded, the slashes kept. */
export const encodedName = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

export interface ArtifactJson {
  id: string;
  runId: string;
  experimentId: string;
  name: string;
  type: string;
  path: string;
  size: number;
  sha256: string;
  version: string;
  tags: string[];
  contentType: string;
  metadata: Record<string, unknown>;
  uploadedAt: string;
}

export interface ProblemJson {
  status: number;
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}
