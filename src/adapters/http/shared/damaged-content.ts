import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Artifact } from '../../../domain/artifact.js';
import { IntegrityError } from '../../../domain/errors.js';

/**
 * Logs, as an error naming the run, the artifact and the blob, a download whose stored content
 * turns out damaged while it streams. By then the status and headers are on their way, so the
 * client learns it only from a body cut short (Fastify destroys the response): the operator
 * must learn it from the log, and where to look.
 */
export function logDamagedContent(request: FastifyRequest, artifact: Artifact, body: Readable): Readable {
  body.once('error', (error) => {
    if (!(error instanceof IntegrityError)) return;
    request.log.error(
      { err: error, runId: artifact.runId, artifact: artifact.name, version: artifact.version, blob: artifact.path },
      `artifact '${artifact.name}' version ${artifact.version} of run ${artifact.runId} is damaged in storage (blob ${artifact.path}): ` +
        'download aborted; `fathom verify` lists every damaged or missing blob',
    );
  });
  return body;
}
