import { inject, injectable } from 'tsyringe';
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

  /** Removes the run with its metrics, parameters and artifact records; frees unreferenced blobs. @throws NotFoundError */
  async execute(id: RunId): Promise<void> {
    const blobKeys = await this.runs.delete(id);
    await this.janitor.freeUnreferenced(blobKeys);
  }
}
