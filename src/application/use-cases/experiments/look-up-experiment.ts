import { inject, injectable } from 'tsyringe';
import { NotFoundError } from '../../../domain/errors.js';
import type { Experiment, ExperimentId } from '../../../domain/experiment.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

export type ExperimentKey = { id: ExperimentId } | { name: string };

@injectable()
export class LookUpExperiment {
  constructor(@inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository) {}

  /**
   * The experiment record alone (without its runs), by id or by exact name: for a name, the
   * active experiment, else the most recently changed deleted one. @throws NotFoundError
   */
  async execute(key: ExperimentKey): Promise<Experiment> {
    if ('id' in key) return this.experiments.get(key.id);
    const found = await this.experiments.findByName(key.name);
    if (!found) throw new NotFoundError('experiment', key.name);
    return found;
  }
}
