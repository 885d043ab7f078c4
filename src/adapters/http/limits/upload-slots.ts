import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../../../domain/errors.js';

/** What a refused upload is told to wait before trying again (seconds). */
const RETRY_AFTER_SECONDS = 5;

/**
 * At most `max` artifact uploads at once, both APIs together. Each holds a connection, a staging
 * file or S3 multipart upload, and a blob hold: beyond the cap an upload is refused with 503 and
 * Retry-After before a byte of its body is read, and its connection closed so the body is not
 * read either. A slot is freed when the response ends or the connection closes, whichever way.
 */
export function capConcurrentUploads(app: FastifyInstance, max: number): void {
  let active = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.body?.kind !== 'upload') return;
    if (active >= max) {
      reply.header('retry-after', String(RETRY_AFTER_SECONDS)).header('connection', 'close');
      throw new UnavailableError(
        `${max} uploads are in progress, as many as this server takes at once (FATHOM_MAX_CONCURRENT_UPLOADS); retry in ${RETRY_AFTER_SECONDS} seconds`,
      );
    }
    active++;
    let freed = false;
    reply.raw.once('close', () => {
      if (freed) return;
      freed = true;
      active--;
    });
  });
}
