import { decodeChunk, pointsInBlob } from '../shared/metric-chunks.js';
import type { MetricColumns } from '../../../domain/metric.js';

/** SQL pieces and value conversions shared by the PostgreSQL metric modules. */

/**
 * The tail rows `p` of a series in step order as one chunk blob, but big-endian (float8send):
 * `unpackRows` makes it columns. Gathered by the server, the rows travel as one value.
 */
export const PACKED_ROWS = `string_agg(float8send(p.step::float8), '' ORDER BY p.step)
  || string_agg(float8send(p.value), '' ORDER BY p.step)
  || string_agg(float8send(p.timestamp::float8), '' ORDER BY p.step)`;

/** A PACKED_ROWS value as columns (it is swapped in place to the chunk format's byte order). */
export function unpackRows(packed: Buffer): MetricColumns {
  return decodeChunk(packed.swap64(), pointsInBlob(packed));
}
