import { inject, injectable } from 'tsyringe';
import { ARTIFACT_TYPES, type Artifact, type ArtifactFilter, type ArtifactType } from '../../../domain/artifact.js';
import { InvalidArgumentError } from '../../../domain/errors.js';
import type { ExperimentId } from '../../../domain/experiment.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ListExperimentArtifacts {
  constructor(
    @inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
  ) {}

  /** Every version across the experiment's runs, newest first: its model-version history. @throws NotFoundError */
  async execute(experimentId: ExperimentId, filter: { name?: string; type?: string } = {}): Promise<Artifact[]> {
    if (filter.type !== undefined && !ARTIFACT_TYPES.includes(filter.type as ArtifactType)) {
      throw InvalidArgumentError.field('/type', `must be one of ${ARTIFACT_TYPES.join(', ')}`);
    }
    await this.experiments.get(experimentId);
    return this.artifacts.listByExperiment(experimentId, filter as ArtifactFilter);
  }
}
