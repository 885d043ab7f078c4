import { inject, injectable } from 'tsyringe';
import { assertMayDelete, type Principal } from '../../../domain/access.js';
import { assertArtifactName } from '../../../domain/artifact.js';
import { NotFoundError } from '../../../domain/errors.js';
import { assertWritable, type RunId } from '../../../domain/run.js';
import { BlobJanitor } from '../../blob-janitor.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class DeleteArtifact {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
    @inject(BlobJanitor) private readonly janitor: BlobJanitor,
  ) {}

  /**
   * Removes every version of a name from a run (with `below`, also every name under `name/`: a
   * directory, in one write), then frees the content no other record references: content shared
   * with another artifact (uploads are deduplicated) stays.
   * @throws InvalidArgumentError (the name), NotFoundError (run or name), ConflictError (a deleted run),
   *   PermissionDeniedError unless the actor is an admin or a writer who created the run
   */
  async execute(runId: RunId, name: string, options: { below?: boolean }, actor: Principal): Promise<void> {
    assertArtifactName(name);
    const run = await this.runs.get(runId);
    assertMayDelete(actor, run, `deleting artifact '${name}' of run '${runId}'`);
    assertWritable(run);
    const blobKeys = await this.artifacts.deleteByName(run.id, name, options);
    if (blobKeys.length === 0) throw new NotFoundError('artifact', name);
    await this.janitor.freeUnreferenced(blobKeys);
  }
}
