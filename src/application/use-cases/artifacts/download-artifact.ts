import type { Readable } from 'node:stream';
import { inject, injectable } from 'tsyringe';
import { assertArtifactName, type Artifact } from '../../../domain/artifact.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { RunId } from '../../../domain/run.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { BlobStore, ByteRange } from '../../ports/blob-store.js';
import type { ContentDigest } from '../../ports/content-digest.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

export interface ArtifactDownload {
  artifact: Artifact;
  /**
   * Opens the content (or an inclusive byte range of it) only once the caller wants the bytes.
   * The whole content is checked against the artifact's SHA-256 and size as it streams: a stream
   * of damaged content fails with IntegrityError before its last chunk instead of ending (see
   * ContentDigest.verify). A range is served as stored, unchecked: checking a slice would mean
   * reading the whole blob, which would defeat ranges (a resumed 5 GB download); whoever
   * assembles ranges checks the whole against the SHA-256 the download announces.
   */
  open(range?: ByteRange): Promise<Readable>;
}

@injectable()
export class DownloadArtifact {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
    @inject(TOKENS.ContentDigest) private readonly digest: ContentDigest,
  ) {}

  /**
   * The newest version of a name in a run, or the given version. A name no upload could have
   * been given (`../x`, `/etc/passwd`) is refused as such rather than looked up.
   * @throws InvalidArgumentError (the name), NotFoundError
   */
  async execute(runId: RunId, name: string, version?: string): Promise<ArtifactDownload> {
    assertArtifactName(name);
    await this.runs.get(runId);
    const artifact = await this.artifacts.find(runId, name, version);
    if (!artifact) throw new NotFoundError('artifact', version === undefined ? name : `${name}@${version}`);
    return {
      artifact,
      open: async (range) => {
        if (range) return this.blobs.get(artifact.path, range);
        return this.digest.verify(await this.blobs.get(artifact.path), { sha256: artifact.sha256, size: artifact.size });
      },
    };
  }
}
