import type { Readable } from 'node:stream';
import { inject, injectable } from 'tsyringe';
import { assertArtifactName, type Artifact } from '../../../domain/artifact.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { RunId } from '../../../domain/run.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { BlobStore, ByteRange } from '../../ports/blob-store.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

export interface ArtifactDownload {
  artifact: Artifact;
  /** Opens the content (or an inclusive byte range of it) only once the caller wants the bytes. */
  open(range?: ByteRange): Promise<Readable>;
}

@injectable()
export class DownloadArtifact {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(TOKENS.Blobs) private readonly blobs: BlobStore,
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
    return { artifact, open: (range) => this.blobs.get(artifact.path, range) };
  }
}
