import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import type { ByteRange } from '../../../application/ports/blob-store.js';
import { DeleteArtifact } from '../../../application/use-cases/artifacts/delete-artifact.js';
import { DownloadArtifact } from '../../../application/use-cases/artifacts/download-artifact.js';
import { ListExperimentArtifacts } from '../../../application/use-cases/artifacts/list-experiment-artifacts.js';
import { ListRunArtifacts } from '../../../application/use-cases/artifacts/list-run-artifacts.js';
import { UploadArtifact } from '../../../application/use-cases/artifacts/upload-artifact.js';
import type { ArtifactFieldsInput } from '../../../domain/artifact.js';
import { InvalidArgumentError, RangeNotSatisfiableError, UnsupportedMediaTypeError } from '../../../domain/errors.js';
import { logDamagedContent } from '../shared/damaged-content.js';
import { setDownloadHeaders } from '../shared/download-headers.js';
import { presentArtifact } from './presenters.js';
import { defined } from './query.js';
import { Artifact, ArtifactType, IdParams, withProblems } from './schemas.js';
import { actorOf } from '../shared/authentication.js';

const FIELD_NAMES = ['name', 'type', 'version', 'tags', 'metadata'] as const;
type FieldName = (typeof FIELD_NAMES)[number];
type Part = MultipartFile | MultipartValue;

export const artifactRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const upload = container.resolve(UploadArtifact);
  const listForRun = container.resolve(ListRunArtifacts);
  const listForExperiment = container.resolve(ListExperimentArtifacts);
  const download = container.resolve(DownloadArtifact);
  const remove = container.resolve(DeleteArtifact);

  app.post(
    '/runs/:id/artifacts',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'Upload an artifact (multipart/form-data, streamed)',
        description:
          'One `file` part, and optional fields `name` (default: the file name), `type` (model, dataset, figure, other), ' +
          '`version` (default: the next number for this name in the experiment), `tags` (comma-separated), `metadata` (JSON object ≤ 64 KiB).',
        params: IdParams,
        consumes: ['multipart/form-data'],
        response: withProblems({ 201: Artifact }),
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new UnsupportedMediaTypeError('send the artifact as multipart/form-data with a part named "file"');
      }
      const parts = request.parts()[Symbol.asyncIterator]();
      const fields: Partial<Record<FieldName, string>> = {};
      const file = await readUntilFile(parts, fields);
      const artifact = await upload
        .execute(request.params.id, {
          content: file.file,
          fileName: file.filename,
          contentType: file.mimetype,
          fields: async () => {
            await readUntilFile(parts, fields, true);
            return defined(fields) as ArtifactFieldsInput;
          },
        })
        .catch((error: unknown) => {
          // Refused before the body was read (unknown run, say): don't read gigabytes just to
          // discard them; answer and close the connection instead.
          if (!file.file.readableEnded) {
            void reply.header('connection', 'close');
            file.file.destroy();
          }
          throw error;
        });
      return reply.status(201).header('location', `${artifactUrl(artifact.runId, artifact.name)}?version=${encodeURIComponent(artifact.version)}`).send(presentArtifact(artifact));
    },
  );

  app.get(
    '/runs/:id/artifacts',
    {
      schema: {
        tags: ['artifacts'],
        summary: "Every version of every artifact of a run, newest first",
        params: IdParams,
        response: withProblems({ 200: Type.Object({ artifacts: Type.Array(Artifact) }) }),
      },
    },
    async (request) => ({ artifacts: (await listForRun.execute(request.params.id)).map(presentArtifact) }),
  );

  app.get(
    '/experiments/:id/artifacts',
    {
      schema: {
        tags: ['artifacts'],
        summary: "Every artifact version across an experiment's runs, newest first (model-version history)",
        params: IdParams,
        querystring: Type.Object({ name: Type.Optional(Type.String()), type: Type.Optional(Type.String()) }),
        response: withProblems({ 200: Type.Object({ artifacts: Type.Array(Artifact) }) }),
      },
    },
    async (request) => ({
      artifacts: (await listForExperiment.execute(request.params.id, defined(request.query))).map(presentArtifact),
    }),
  );

  app.get(
    '/runs/:id/artifacts/*',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'Download an artifact: the newest version, or ?version=',
        description: 'Honours If-None-Match (304) and a single byte range (206).',
        // The name is the wildcard ('*') part of the path; it is checked by the domain, not here,
        // because TypeBox cannot convert a property named '*'.
        params: IdParams,
        querystring: Type.Object({ version: Type.Optional(Type.String()) }),
        produces: ['application/octet-stream'],
        response: withProblems({ 200: Type.Unsafe({ type: 'string', format: 'binary' }) }),
      },
    },
    async (request, reply) => {
      const name = (request.params as { '*'?: string })['*'] ?? '';
      const { artifact, open } = await download.execute(request.params.id, name, request.query.version);
      const etag = `"${artifact.sha256}"`;
      setDownloadHeaders(reply, artifact).header('accept-ranges', 'bytes');
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
      const range = requestedRange(request, etag, artifact.size);
      reply.type(artifact.contentType);
      if (range) {
        reply
          .status(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${artifact.size}`)
          .header('content-length', range.end - range.start + 1);
        return reply.send(await open(range));
      }
      return sendWhole(reply, artifact.size, logDamagedContent(request, artifact, await open()));
    },
  );

  app.delete(
    '/runs/:id/artifacts/*',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'Delete an artifact: every version of the name in that run',
        description: 'Content no other artifact shares is freed. Later uploads of the name are numbered past the deleted versions.',
        // The name is the wildcard, as for the download.
        params: IdParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const name = (request.params as { '*'?: string })['*'] ?? '';
      await remove.execute(request.params.id, name, {}, actor);
      // The record is gone with the deletion: the log keeps who did it.
      request.log.info({ user: actor.user, runId: request.params.id, artifact: name }, 'artifact deleted');
      return reply.status(204).send(null);
    },
  );
};

function sendWhole(reply: FastifyReply, size: number, body: NodeJS.ReadableStream): FastifyReply {
  return reply.header('content-length', size).send(body);
}

/** The upload form, for the OpenAPI document only: multipart bodies are read as a stream, not validated. */
export const uploadForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'the content, streamed' }),
  name: Type.Optional(Type.String({ description: "default: the file's name" })),
  type: Type.Optional(ArtifactType),
  version: Type.Optional(Type.String({ description: 'default: the next number for this name in the experiment' })),
  tags: Type.Optional(Type.String({ description: 'comma-separated' })),
  metadata: Type.Optional(Type.String({ description: 'a JSON object, at most 64 KiB' })),
});

/** The download's other answers, for the OpenAPI document. */
export const downloadResponses = {
  206: Type.Unsafe({ type: 'string', format: 'binary', description: 'the requested byte range' }),
  304: Type.Null({ description: 'If-None-Match matched the ETag' }),
  416: Type.Unsafe({ $ref: 'Problem#', description: 'the range is past the end' }),
};

/** The download URL: each segment percent-encoded (names may hold spaces, `%`, `#`, `?`, any script). */
export function artifactUrl(runId: string, name: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/artifacts/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Reads form parts into `fields` until the file part (returned), or to the end of the form
 * when `afterFile`. Unknown fields, a second file, or a truncated field are refused.
 */
async function readUntilFile(parts: AsyncIterator<Part>, fields: Partial<Record<FieldName, string>>, afterFile?: boolean): Promise<MultipartFile>;
async function readUntilFile(parts: AsyncIterator<Part>, fields: Partial<Record<FieldName, string>>, afterFile = false): Promise<MultipartFile | undefined> {
  for (;;) {
    const { value: part, done } = await parts.next();
    if (done) {
      if (afterFile) return undefined;
      throw InvalidArgumentError.field('/file', 'is required: send the content as a multipart part named "file"');
    }
    if (part.type === 'file') {
      if (afterFile || part.fieldname !== 'file') {
        part.file.resume();
        throw InvalidArgumentError.field(`/${part.fieldname}`, 'only one file part, named "file", is accepted');
      }
      return part;
    }
    const name = part.fieldname as FieldName;
    if (!FIELD_NAMES.includes(name)) {
      throw InvalidArgumentError.field(`/${part.fieldname}`, `is not a known field (known: file, ${FIELD_NAMES.join(', ')})`);
    }
    if (part.valueTruncated) throw InvalidArgumentError.field(`/${name}`, 'is too long');
    fields[name] = String(part.value);
  }
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/**
 * A single `bytes=` range, resolved against the size. Multiple ranges, or an If-Range that no
 * longer matches, fall back to the whole content, as RFC 9110 allows.
 */
function requestedRange(request: FastifyRequest, etag: string, size: number): ByteRange | undefined {
  const header = request.headers.range;
  if (header === undefined) return undefined;
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw new RangeNotSatisfiableError(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
  }
  if (start >= size || size === 0) throw new RangeNotSatisfiableError(size);
  return { start, end };
}
