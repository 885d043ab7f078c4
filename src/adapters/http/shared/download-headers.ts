import type { FastifyReply } from 'fastify';
import type { Artifact } from '../../../domain/artifact.js';

/**
 * The headers every artifact download carries, whichever API serves it: the SHA-256 computed at
 * upload (`ETag`, `X-Checksum-Sha256`), and `Content-Disposition: attachment` with `nosniff`, so
 * an uploaded HTML or SVG file is saved by a browser, never rendered on this server's origin.
 */
export function setDownloadHeaders(reply: FastifyReply, artifact: Pick<Artifact, 'name' | 'sha256'>): FastifyReply {
  return reply
    .header('etag', `"${artifact.sha256}"`)
    .header('x-checksum-sha256', artifact.sha256)
    .header('content-disposition', attachment(artifact.name))
    .header('x-content-type-options', 'nosniff');
}

/**
 * `Content-Disposition: attachment` naming the file after the name's last segment. Header values
 * are Latin-1 at best, so a segment that is not plain printable ASCII (or holds `"`, `\` or `%`,
 * which some clients read specially) gets an ASCII stand-in in `filename` and the exact name in
 * `filename*` (RFC 6266, RFC 8187), which clients prefer when they understand it.
 */
export function attachment(name: string): string {
  const file = name.split('/').pop() ?? name;
  const ascii = file.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  if (ascii === file) return `attachment; filename="${file}"`;
  const encoded = encodeURIComponent(file).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
