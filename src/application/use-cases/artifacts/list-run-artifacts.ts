import { inject, injectable } from 'tsyringe';
import type { Artifact } from '../../../domain/artifact.js';
import type { RunId } from '../../../domain/run.js';
import type { ArtifactRepository } from '../../ports/artifact-repository.js';
import type { RunRepository } from '../../ports/run-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ListRunArtifacts {
  constructor(
    @inject(TOKENS.Runs) private readonly runs: RunRepository,
    @inject(TOKENS.Artifacts) private readonly artifacts: ArtifactRepository,
  ) {}

  /** Every version of every artifact of the run, newest first. @throws NotFoundError */
  async execute(runId: RunId): Promise<Artifact[]> {
    await this.runs.get(runId);
    return (await this.artifacts.listForRuns([runId])).get(runId) ?? [];
  }
}
