import { inject, injectable } from 'tsyringe';
import { assertMayDelete, type Principal } from '../../../domain/access.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import { BlobJanitor } from '../../blob-janitor.js';
import { OthersRuns } from '../../others-runs.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class DeleteExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(BlobJanitor) private readonly janitor: BlobJanitor,
    @inject(OthersRuns) private readonly othersRuns: OthersRuns,
  ) {}

  /**
   * By default a soft delete: the experiment and its runs move to "deleted", hidden from
   * default lists and restorable. `permanent` removes everything for good and frees the
   * blobs nothing else references. The actor is recorded as `deletedBy` of a soft delete.
   * @throws NotFoundError; PermissionDeniedError unless the actor is an admin, or a writer who
   *   created the experiment and every run in it (whatever their lifecycle)
   */
  async execute(id: ExperimentId, options: { permanent?: boolean }, actor: Principal): Promise<void> {
    const action = options.permanent ? `deleting experiment '${id}' for good` : `deleting experiment '${id}'`;
    // Who created an experiment never changes, so checking before the write cannot be outraced.
    assertMayDelete(actor, await this.experiments.get(id), action);
    // Not atomic with the write below: a run another user starts in between is deleted with the
    // rest (see docs/security.md). Closing that needs the check inside the stores' transaction.
    await this.othersRuns.assertNoneIn(id, actor, action);
    if (options.permanent) {
      const blobKeys = await this.experiments.purge(id);
      await this.janitor.freeUnreferenced(blobKeys);
      return;
    }
    const now = this.clock.now();
    await this.experiments.update(id, (current) => {
      assertMayDelete(actor, current, action);
      if (current.lifecycleStage === 'deleted') return current;
      return { ...current, lifecycleStage: 'deleted', deletedBy: actor.user, updatedAt: Math.max(now, current.updatedAt) };
    });
  }
}
