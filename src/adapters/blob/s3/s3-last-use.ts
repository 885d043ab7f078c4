import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listObjects } from './s3-client.js';
import type { S3Layout } from './s3-layout.js';

/**
 * When a put last found a blob's content already stored, kept as empty marker objects whose key
 * holds the time in milliseconds (see S3Layout). S3 cannot change an object's modification time,
 * keeps LastModified in whole seconds, and copying a blob onto itself to renew it would rewrite
 * the whole blob; a marker is one small PUT whatever the blob's size, and listings show its time
 * without reading it. Marker times come from this server's clock, LastModified from S3's.
 */
export class LastUseMarkers {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly layout: S3Layout,
  ) {}

  /** Records a use now. Older markers of the blob are removed (they say nothing the new one does not). */
  async record(key: string): Promise<void> {
    const now = Date.now();
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.layout.marker(key, now), Body: new Uint8Array(0), ContentLength: 0 }));
    // Housekeeping only: a marker left behind costs a listing entry and no correctness, so a
    // failure here does not fail the upload. Only older ones: a concurrent put's newer one stays.
    await this.remove(key, (at) => at < now).catch(() => undefined);
  }

  /** The newest recorded use of a blob (epoch ms), or undefined when there is none. */
  async latest(key: string): Promise<number | undefined> {
    let latest: number | undefined;
    for await (const object of listObjects(this.client, this.bucket, { Prefix: this.layout.markersOf(key) })) {
      const marker = this.layout.markerOf(object.Key ?? '');
      if (marker?.key === key && marker.at > (latest ?? -Infinity)) latest = marker.at;
    }
    return latest;
  }

  /** The newest recorded use of every blob of a shard (`ab`) that has one: at most one entry per blob. */
  async ofShard(shard: string): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    for await (const object of listObjects(this.client, this.bucket, { Prefix: `${this.layout.markersPrefix}${shard}/` })) {
      const marker = this.layout.markerOf(object.Key ?? '');
      if (marker && marker.at > (latest.get(marker.key) ?? -Infinity)) latest.set(marker.key, marker.at);
    }
    return latest;
  }

  /** Removes a blob's markers whose time `which` accepts. */
  async remove(key: string, which: (at: number) => boolean = () => true): Promise<void> {
    for await (const object of listObjects(this.client, this.bucket, { Prefix: this.layout.markersOf(key) })) {
      const marker = this.layout.markerOf(object.Key ?? '');
      if (marker?.key === key && which(marker.at)) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object.Key }));
      }
    }
  }
}
