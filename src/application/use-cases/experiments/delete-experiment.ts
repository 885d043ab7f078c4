import { inject, injectable } from 'tsyringe';
import type { ExperimentId } from '../../../domain/experiment.js';
import { BlobJanitor } from '../../blob-janitor.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class DeleteExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(BlobJanitor) private readonly janitor: BlobJanitor,
  ) {}

  /**
   * By default a soft delete: the experiment and its runs move to "deleted", hidden from
   * default lists and restorable. `permanent` removes everything for good and frees the
   * blobs nothing else references. @throws NotFoundError
   */
  async execute(id: ExperimentId, options: { permanent?: boolean } = {}): Promise<void> {
    if (options.permanent) {
      const blobKeys = await this.experiments.purge(id);
      await this.janitor.freeUnreferenced(blobKeys);
      return;
    }
    const now = this.clock.now();
    await this.experiments.update(id, (current) =>
      current.lifecycleStage === 'deleted' ? current : { ...current, lifecycleStage: 'deleted', updatedAt: Math.max(now, current.updatedAt) },
    );
  }
}
