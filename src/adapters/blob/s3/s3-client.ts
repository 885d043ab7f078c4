import { S3Client, paginateListObjectsV2, type ListObjectsV2CommandInput, type _Object } from '@aws-sdk/client-s3';

export interface S3BlobStoreConfig {
  bucket: string;
  /** Key prefix for every object of this store (`''`: the bucket's root). */
  prefix?: string;
  /** An S3-compatible endpoint (MinIO, …); path-style addressing is used with it. */
  endpoint?: string;
  region: string;
  /** Omitted: the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * The client a store uses. Checksums are computed only where S3 requires them: the SDK's default
 * (a CRC trailer in aws-chunked encoding) is stored verbatim as content by some S3-compatible
 * servers. A connection attempt gives up after 5 s, and a request after 2 minutes without a byte
 * either way (S3 keeps long copies alive with whitespace), so an unreachable or hung endpoint
 * fails with UnavailableError instead of hanging. That also ends a download whose reader stalls
 * for 2 minutes.
 */
export function s3ClientFor(config: S3BlobStoreConfig): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, socketTimeout: 120_000 },
  });
}

/** Every object a listing gives, page after page (never the whole listing in memory). */
export async function* listObjects(client: S3Client, bucket: string, input: Omit<ListObjectsV2CommandInput, 'Bucket'>): AsyncIterable<_Object> {
  for await (const page of paginateListObjectsV2({ client }, { ...input, Bucket: bucket })) {
    yield* page.Contents ?? [];
  }
}

/** The common prefixes directly under `parent` (a delimited listing). */
export async function listCommonPrefixes(client: S3Client, bucket: string, parent: string): Promise<string[]> {
  const prefixes: string[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: parent, Delimiter: '/' })) {
    for (const { Prefix } of page.CommonPrefixes ?? []) if (Prefix !== undefined) prefixes.push(Prefix);
  }
  return prefixes;
}
