import { inject, injectable } from 'tsyringe';
import { ANONYMOUS, assertMayDelete, type Principal } from '../../../domain/access.js';
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
   * blobs nothing else references. The actor is recorded as `deletedBy` of a soft delete.
   * @throws NotFoundError; PermissionDeniedError unless the actor is an admin or a writer who created the experiment
   */
  async execute(id: ExperimentId, options: { permanent?: boolean } = {}, actor: Principal = ANONYMOUS): Promise<void> {
    if (options.permanent) {
      // Who created an experiment never changes, so checking before the purge cannot be outraced.
      assertMayDelete(actor, await this.experiments.get(id), `deleting experiment '${id}' for good`);
      const blobKeys = await this.experiments.purge(id);
      await this.janitor.freeUnreferenced(blobKeys);
      return;
    }
    const now = this.clock.now();
    await this.experiments.update(id, (current) => {
      assertMayDelete(actor, current, `deleting experiment '${id}'`);
      if (current.lifecycleStage === 'deleted') return current;
      return { ...current, lifecycleStage: 'deleted', deletedBy: actor.user, updatedAt: Math.max(now, current.updatedAt) };
    });
  }
}
