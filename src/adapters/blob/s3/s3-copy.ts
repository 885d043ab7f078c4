import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** S3 copies objects of up to 5 GiB in one request; larger ones only part by part. */
export const MAX_SINGLE_COPY_BYTES = 5 * GiB;
const MAX_PARTS = 10_000;
const MIN_COPY_PART_BYTES = 512 * MiB;
const PARTS_IN_FLIGHT = 4;

export interface CopyLimits {
  /** Above this size the copy goes part by part (S3: 5 GiB). */
  maxSingleCopyBytes: number;
  /** The smallest part of a part-by-part copy (S3: 5 MiB at least, 5 GiB at most). */
  minPartBytes: number;
}

const S3_LIMITS: CopyLimits = { maxSingleCopyBytes: MAX_SINGLE_COPY_BYTES, minPartBytes: MIN_COPY_PART_BYTES };

/** Inclusive byte ranges covering `size` bytes in at most 10,000 parts of at least `minPartBytes`. */
export function copyRanges(size: number, minPartBytes: number): { start: number; end: number }[] {
  const partBytes = Math.max(minPartBytes, Math.ceil(size / MAX_PARTS));
  const ranges: { start: number; end: number }[] = [];
  for (let start = 0; start < size; start += partBytes) ranges.push({ start, end: Math.min(size, start + partBytes) - 1 });
  return ranges;
}

/**
 * Copies an object within a bucket on the server side (no bytes pass through this process).
 * Objects over `maxSingleCopyBytes` are copied part by part (UploadPartCopy); a part-by-part copy
 * that fails is aborted, so it leaves no object and, as far as S3 answers the abort, no parts.
 */
export async function copyWithinBucket(
  client: S3Client,
  bucket: string,
  from: string,
  to: string,
  size: number,
  limits: CopyLimits = S3_LIMITS,
): Promise<void> {
  const source = `${bucket}/${from}`;
  if (size <= limits.maxSingleCopyBytes) {
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source, MetadataDirective: 'COPY' }));
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to }));
  try {
    const ranges = copyRanges(size, limits.minPartBytes);
    const parts: { PartNumber: number; ETag: string }[] = [];
    let next = 0;
    let failed = false;
    const copyPart = async (index: number): Promise<void> => {
      const { start, end } = ranges[index] as { start: number; end: number };
      const result = await client.send(
        new UploadPartCopyCommand({ Bucket: bucket, Key: to, UploadId, PartNumber: index + 1, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }),
      );
      const etag = result.CopyPartResult?.ETag;
      if (!etag) throw new Error(`part ${index + 1} of the copy to ${to} came back without an ETag`);
      parts.push({ PartNumber: index + 1, ETag: etag });
    };
    const worker = async (): Promise<void> => {
      while (next < ranges.length && !failed) {
        await copyPart(next++).catch((error: unknown) => {
          failed = true; // the other workers take no new part
          throw error;
        });
      }
    };
    // Every worker settles before the abort below: S3 may keep a part copied after its abort.
    const settled = await Promise.allSettled(Array.from({ length: Math.min(PARTS_IN_FLIGHT, ranges.length) }, worker));
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => undefined);
    throw error;
  }
}
