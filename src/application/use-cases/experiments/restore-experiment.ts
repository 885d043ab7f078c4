import { inject, injectable } from 'tsyringe';
import { assertMayDelete, type Principal } from '../../../domain/access.js';
import { AlreadyExistsError, ConflictError } from '../../../domain/errors.js';
import type { Experiment, ExperimentId } from '../../../domain/experiment.js';
import { ExperimentViews, type ExperimentView } from '../../experiment-views.js';
import { OthersRuns } from '../../others-runs.js';
import type { Clock } from '../../ports/clock.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class RestoreExperiment {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(ExperimentViews) private readonly views: ExperimentViews,
    @inject(OthersRuns) private readonly othersRuns: OthersRuns,
  ) {}

  /**
   * Brings a deleted experiment and its runs back. @throws NotFoundError; ConflictError when an
   * active experiment took its name; PermissionDeniedError unless the actor is an admin, or a
   * writer who created it and every run in it: restoring brings others' runs back too, and they
   * may only be restored by their owners (or an admin).
   */
  async execute(id: ExperimentId, actor: Principal): Promise<ExperimentView> {
    const action = `restoring experiment '${id}'`;
    assertMayDelete(actor, await this.experiments.get(id), action);
    await this.othersRuns.assertNoneIn(id, actor, action);
    const now = this.clock.now();
    let name = '';
    try {
      const restored = await this.experiments.update(id, (current): Experiment => {
        name = current.name;
        assertMayDelete(actor, current, action);
        if (current.lifecycleStage === 'active') return current;
        const restored: Experiment = { ...current, lifecycleStage: 'active', updatedAt: Math.max(now, current.updatedAt) };
        delete restored.deletedBy;
        return restored;
      });
      return await this.views.of(restored);
    } catch (error) {
      if (error instanceof AlreadyExistsError) {
        throw new ConflictError(`an active experiment is already named '${name}'; rename it before restoring this one`);
      }
      throw error;
    }
  }
}
