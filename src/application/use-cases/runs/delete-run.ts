import { inject, injectable } from 'tsyringe';
import { assertMayDelete, type Principal } from '../../../domain/access.js';
import type { RunId } from '../../../domain/run.js';
import { BlobJanitor } from '../../blob-janitor.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class DeleteRun {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(BlobJanitor) private readonly janitor: BlobJanitor,
  ) {}

  /**
   * Removes the run with its metrics, parameters and artifact records; frees unreferenced blobs.
   * @throws NotFoundError; PermissionDeniedError unless the actor is an admin or a writer who created the run
   */
  async execute(id: RunId, actor: Principal): Promise<void> {
    // Who created a run never changes, so checking before the delete cannot be outraced.
    assertMayDelete(actor, await this.runs.get(id), `deleting run '${id}' for good`);
    const blobKeys = await this.runs.delete(id);
    await this.janitor.freeUnreferenced(blobKeys);
  }
}
