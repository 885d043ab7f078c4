import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobStore, ByteRange, ListedBlob, PutOptions, StoredBlob } from '../../../application/ports/blob-store.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError, RangeNotSatisfiableError, UnavailableError } from '../../../domain/errors.js';
import { listCommonPrefixes, listObjects, s3ClientFor, type S3BlobStoreConfig } from './s3-client.js';
import { copyWithinBucket, type CopyLimits } from './s3-copy.js';
import { contentAddress } from '../../../domain/artifact.js';
import { isNotFound, translateS3Error } from './s3-errors.js';
import { LastUseMarkers } from './s3-last-use.js';
import { S3Layout } from './s3-layout.js';

export { s3ClientFor, type S3BlobStoreConfig } from './s3-client.js';

const MiB = 1024 * 1024;
/** S3's smallest part (but the last); parts are buffered, so this bounds an upload's memory too. */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PART_BYTES = 64 * MiB;
const MAX_PARTS = 10_000;
/** Parts of one upload in flight at once, fewer when parts are big: about 64 MiB of them. */
const MAX_PARTS_IN_FLIGHT = 4;
const IN_FLIGHT_BYTES = 64 * MiB;

/** Staged uploads untouched this long belong to no upload in progress (any server): a crash left them. */
export const STALE_STAGING_MS = 60 * 60 * 1000;

/**
 * Content-addressed blobs in an S3 bucket (or an S3-compatible server), under a key prefix; see
 * S3Layout for where each object lives.
 *
 * A put streams the content into a staging object (a multipart upload once it outgrows one part),
 * hashing and counting it on the way; only then is its address known, so the staging object is
 * copied to the address on the server side (S3 has no rename) and removed. Nothing appears at a
 * content address until the copy, which S3 makes atomic and durable before it answers, so a blob
 * is absent or whole. A put that fails removes its staging object and lets the multipart upload be
 * aborted; what a crash leaves in staging is removed by `removeStaleStaging`.
 *
 * Blob ages: a blob's modification time is the later of its S3 LastModified (whole seconds, the
 * precision S3 gives) and the newest use a deduplicating put recorded (LastUseMarkers).
 */
export class S3BlobStore implements BlobStore {
  private readonly layout: S3Layout;
  private readonly lastUse: LastUseMarkers;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix = '',
    private readonly copyLimits?: CopyLimits,
  ) {
    if (bucket.trim() === '') throw InvalidArgumentError.field('/bucket', 'an S3 bucket name is required');
    this.layout = new S3Layout(prefix);
    this.lastUse = new LastUseMarkers(client, bucket, this.layout);
  }

  /** The normalised key prefix (`''` or ending with `/`). */
  get prefix(): string {
    return this.layout.prefix;
  }

  async put(source: Readable, options: PutOptions): Promise<StoredBlob> {
    const staging = this.layout.staging(randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    // What went wrong on our side of the upload: it wins over whatever the SDK reports after it
    // (it may report its failure to abort the multipart upload instead).
    let failure: unknown;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > options.maxBytes) {
          failure ??= new PayloadTooLargeError(`the upload exceeds the limit of ${options.maxBytes} bytes`);
          done(failure as Error);
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // The upload reads the meter and sees its errors; the source's go through it. (No pipeline():
    // it would report the upload stopping early as the source failing.)
    meter.on('error', () => undefined);
    source.on('error', (error) => {
      failure ??= error;
      meter.destroy(error);
    });
    source.pipe(meter);
    const partSize = partBytesFor(options.maxBytes);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: staging, Body: meter },
      partSize,
      queueSize: Math.max(1, Math.min(MAX_PARTS_IN_FLIGHT, Math.floor(IN_FLIGHT_BYTES / partSize))),
      // Aborted below instead: the SDK would report a failed abort in place of the failure itself.
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (error) {
      source.destroy();
      meter.destroy();
      await this.abandon(staging, upload.uploadId);
      throw failure ?? translateS3Error(error, 'store the upload');
    }

    const sha256 = hash.digest('hex');
    const key = contentAddress(sha256);
    try {
      await options.claim?.(key);
      // Already stored: record the use, so garbage collection spares it (see BlobStore.list). The
      // use is recorded after the check: a marker for an absent blob would only make it look newer.
      if (await this.head(key)) {
        await this.lastUse.record(key);
        return { key, sha256, size, created: false };
      }
      await copyWithinBucket(this.client, this.bucket, staging, this.layout.blob(key), size, this.copyLimits);
      return { key, sha256, size, created: true };
    } catch (error) {
      throw translateS3Error(error, 'store the upload');
    } finally {
      await this.removeQuietly(staging);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const Key = this.layout.blob(key);
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      if (!(Body instanceof Readable)) throw new Error(`the S3 client answered GetObject for ${Key} without a Node stream`);
      return Body;
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError('blob', key);
      if ((error as { name?: string }).name === 'InvalidRange') {
        const size = await this.size(key);
        if (size === undefined) throw new NotFoundError('blob', key);
        throw new RangeNotSatisfiableError(size);
      }
      throw translateS3Error(error, 'read a blob');
    }
  }

  async size(key: string): Promise<number | undefined> {
    return (await this.head(key))?.ContentLength;
  }

  async modifiedAt(key: string): Promise<number | undefined> {
    try {
      const [head, lastUse] = await Promise.all([this.head(key), this.lastUse.latest(key)]);
      return head ? ageOf(head.LastModified, lastUse) : undefined;
    } catch (error) {
      throw translateS3Error(error, 'look up a blob');
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.layout.blob(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      // After the blob: a marker outliving it only makes content stored again later look newer.
      await this.lastUse.remove(key);
    } catch (error) {
      throw translateS3Error(error, 'delete a blob');
    }
  }

  /**
   * Shard by shard (`sha256/00/` … `sha256/ff/`): the shard's last-use markers are gathered first
   * (at most one per blob, usually none), then its blobs are listed with them. Listings need not
   * come sorted (some S3-compatible servers do not sort), and only one shard's markers are ever in
   * memory. Shards without blobs are skipped after one delimited listing.
   */
  async *list(): AsyncIterable<ListedBlob> {
    try {
      const blobShards = await this.shards(this.layout.blobsPrefix);
      const markerShards = new Set(await this.shards(this.layout.markersPrefix));
      for (const shard of blobShards) {
        const lastUse = markerShards.has(shard) ? await this.lastUse.ofShard(shard) : new Map<string, number>();
        for await (const object of listObjects(this.client, this.bucket, { Prefix: `${this.layout.blobsPrefix}${shard}/`, Delimiter: '/' })) {
          const key = this.layout.blobKeyOf(object.Key ?? '');
          if (key) yield { key, size: object.Size ?? 0, modifiedAt: ageOf(object.LastModified, lastUse.get(key)) };
        }
      }
    } catch (error) {
      throw translateS3Error(error, 'list the blobs');
    }
  }

  /**
   * Removes staged uploads last written before `cutoff` (epoch ms, S3's clock): what a crash left.
   * Only stale ones: another server sharing the bucket may be staging an upload right now.
   * Parts of multipart uploads a crash left unfinished are not objects: a bucket lifecycle rule
   * (AbortIncompleteMultipartUpload) removes those. Returns how many objects it removed.
   */
  async removeStaleStaging(cutoff: number): Promise<number> {
    let removed = 0;
    try {
      for await (const object of listObjects(this.client, this.bucket, { Prefix: this.layout.stagingPrefix, Delimiter: '/' })) {
        const key = object.Key ?? '';
        if (this.layout.isStaging(key) && (object.LastModified?.getTime() ?? Infinity) < cutoff) {
          await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
          removed++;
        }
      }
    } catch (error) {
      throw translateS3Error(error, 'clear staged uploads');
    }
    return removed;
  }

  /**
   * Whether the bucket answers with these settings: a HEAD of the bucket, which needs it to
   * exist, the endpoint and region to be right and the credentials to allow listing it. For
   * start-up and readiness, so that a misconfigured server says so instead of answering every
   * upload and download with 503.
   * @throws UnavailableError naming what went wrong.
   */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // A HEAD has no body, so S3 can only say 404 or 403: name what those mean here.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) throw new UnavailableError(`the artifact store's bucket '${this.bucket}' does not exist; check FATHOM_S3_BUCKET and FATHOM_S3_ENDPOINT`, { cause: error });
      if (status === 403) {
        throw new UnavailableError(`the artifact store refused these credentials for bucket '${this.bucket}' (403); check the AWS credentials and the bucket's policy`, { cause: error });
      }
      const translated = translateS3Error(error, 'reach the bucket');
      if (translated instanceof UnavailableError) throw translated;
      const { name, message } = error as { name?: string; message?: string };
      throw new UnavailableError(`the artifact store cannot be used (${name ?? 'Error'}: ${message ?? String(error)}); check the S3 bucket, region, endpoint and credentials`, {
        cause: error,
      });
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  /** The blob's metadata, or undefined when it is absent. */
  private async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    const Key = this.layout.blob(key);
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translateS3Error(error, 'look up a blob');
    }
  }

  /** The two-hex-digit shards with objects directly under `parent`. */
  private async shards(parent: string): Promise<string[]> {
    const prefixes = await listCommonPrefixes(this.client, this.bucket, parent);
    return prefixes.map((prefix) => this.layout.shardOf(prefix, parent)).filter((shard) => shard !== undefined);
  }

  /**
   * Best effort, after a failed upload: aborts its multipart upload (parts an abort misses are
   * what the bucket's AbortIncompleteMultipartUpload rule is for) and removes the staging object,
   * which exists if the upload completed before the failure was noticed.
   */
  private async abandon(staging: string, uploadId: string | undefined): Promise<void> {
    if (uploadId) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: staging, UploadId: uploadId })).catch(() => undefined);
    }
    await this.removeQuietly(staging);
  }

  /** Best effort: a staging object left behind is removed by `removeStaleStaging` later. */
  private async removeQuietly(bucketKey: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: bucketKey })).catch(() => undefined);
  }
}

/**
 * Part size for an upload of at most `maxBytes`: big enough for 10,000 parts to hold it, within
 * 5–64 MiB. Parts are buffered (one being filled, the others in flight), so an upload holds about
 * 25 MiB (5 MiB parts, up to 48 GiB) to 128 MiB (64 MiB parts) in memory. Past 10,000 × 64 MiB
 * (625 GiB) an upload fails with too many parts.
 */
function partBytesFor(maxBytes: number): number {
  return Math.min(MAX_PART_BYTES, Math.max(MIN_PART_BYTES, Math.ceil(maxBytes / MAX_PARTS)));
}

/**
 * A blob's modification time: S3's LastModified cut to whole seconds (listings and HEAD give it at
 * different precisions on some servers, and S3 itself keeps seconds), or the last recorded use.
 */
function ageOf(lastModified: Date | undefined, lastUse: number | undefined): number {
  const stored = Math.floor((lastModified?.getTime() ?? 0) / 1000) * 1000;
  return Math.max(stored, lastUse ?? -Infinity);
}

/** An S3 blob store with a client set up for it (see s3ClientFor). No request is made yet. */
export function createS3BlobStore(config: S3BlobStoreConfig): S3BlobStore {
  return new S3BlobStore(s3ClientFor(config), config.bucket, config.prefix ?? '');
}
