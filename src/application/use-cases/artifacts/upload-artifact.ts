import type { Readable } from 'node:stream';
import { inject, injectable } from 'tsyringe';
import { toArtifactFields, type Artifact, type ArtifactFieldsInput } from '../../../domain/artifact.js';
import { assertWritable, type RunId } from '../../../domain/run.js';
import { BlobJanitor, type Release } from '../../blob-janitor.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/id-generator.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS, type Limits } from '../../tokens.js';

export interface ArtifactUpload {
  content: Readable;
  /** The uploaded file's own name: the artifact's name unless the fields give one. */
  fileName?: string;
  contentType?: string;
  /**
   * The describing fields. A function, because a multipart form may send them after the file,
   * and the file must be streamed before the rest of the form can be read.
   */
  fields: () => Promise<ArtifactFieldsInput>;
}

@injectable()
export class UploadArtifact {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
    @inject(TOKENS.Ids) private readonly ids: IdGenerator,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Limits) private readonly limits: Limits,
    @inject(BlobJanitor) private readonly janitor: BlobJanitor,
  ) {}

  /**
   * Streams the content into the blob store (SHA-256 on the way) and records a new version.
   * A failed upload leaves no record, and no blob that nothing references.
   * @throws NotFoundError, InvalidArgumentError, PayloadTooLargeError, AlreadyExistsError (version taken)
   */
  async execute(runId: RunId, upload: ArtifactUpload): Promise<Artifact> {
    const run = await this.runs.get(runId);
    assertWritable(run);
    // Until the record exists nothing references the blob: hold it against concurrent cleanup
    // from the moment its address is known.
    let release: Release = async () => undefined;
    const claim = async (key: string): Promise<void> => {
      release = await this.janitor.hold(key);
    };
    const blob = await this.blobs.put(upload.content, { maxBytes: this.limits.maxUploadBytes, claim }).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    try {
      const given = await upload.fields();
      const fields = toArtifactFields({ contentType: upload.contentType, ...given }, upload.fileName);
      return await this.artifacts.create({
        id: this.ids.next(),
        runId: run.id,
        experimentId: run.experimentId,
        ...fields,
        path: blob.key,
        size: blob.size,
        sha256: blob.sha256,
        uploadedAt: this.clock.now(),
      });
    } catch (error) {
      await release();
      // Even a deduplicated blob is freed when nothing else references or holds it (its first
      // uploader may have failed too).
      await this.janitor.freeUnreferenced([blob.key]);
      throw error;
    } finally {
      // Frees the blob after all if its record was deleted while it was held.
      await release();
    }
  }
}
