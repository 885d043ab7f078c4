import type { ArtifactRepository, NewArtifact, VersionMarks } from '../../../application/ports/artifact-repository.js';
import { highestVersion, newestFirst, nextVersion, type Artifact, type ArtifactFilter } from '../../../domain/artifact.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import { assertVersionMarks } from '../shared/version-marks.js';
import { copy, type MemoryDatabase } from './memory-database.js';

export class MemoryArtifactRepository implements ArtifactRepository {
  constructor(private readonly db: MemoryDatabase) {}

  async create(input: NewArtifact): Promise<Artifact> {
    if (!this.db.runs.has(input.runId)) throw new NotFoundError('run', input.runId);
    const versions = [...this.db.artifacts.values()]
      .filter((a) => a.experimentId === input.experimentId && a.name === input.name)
      .map((a) => a.version);
    if (input.version !== undefined && versions.includes(input.version)) {
      throw new AlreadyExistsError(`artifact '${input.name}' already has a version '${input.version}' in this experiment`);
    }
    const highs = this.db.artifactVersions.get(input.experimentId) ?? new Map<string, string>();
    const highest = highs.get(input.name);
    const counted = highest === undefined ? versions : [...versions, highest];
    const artifact: Artifact = { ...copy(input), version: input.version ?? nextVersion(counted) };
    this.db.artifacts.set(artifact.id, artifact);
    const raised = highestVersion([...counted, artifact.version]);
    if (raised !== undefined && raised !== highest) this.db.artifactVersions.set(input.experimentId, highs.set(input.name, raised));
    return copy(artifact);
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Artifact[]>> {
    const result = new Map<string, Artifact[]>(runIds.map((id) => [id, []]));
    for (const artifact of this.db.artifacts.values()) result.get(artifact.runId)?.push(copy(artifact));
    for (const list of result.values()) list.sort(newestFirst);
    return result;
  }

  async listByExperiment(experimentId: string, filter: ArtifactFilter): Promise<Artifact[]> {
    return [...this.db.artifacts.values()]
      .filter((a) => a.experimentId === experimentId)
      .filter((a) => filter.name === undefined || a.name === filter.name)
      .filter((a) => filter.type === undefined || a.type === filter.type)
      .sort(newestFirst)
      .map(copy);
  }

  async find(runId: string, name: string, version?: string): Promise<Artifact | undefined> {
    const found = [...this.db.artifacts.values()]
      .filter((a) => a.runId === runId && a.name === name && (version === undefined || a.version === version))
      .sort(newestFirst)[0];
    return found && copy(found);
  }

  async deleteByName(runId: string, name: string, options: { below?: boolean } = {}): Promise<string[]> {
    if (!this.db.runs.has(runId)) throw new NotFoundError('run', runId);
    const blobKeys = new Set<string>();
    const matches = (other: string): boolean => other === name || (options.below === true && other.startsWith(`${name}/`));
    for (const [id, artifact] of this.db.artifacts) {
      if (artifact.runId !== runId || !matches(artifact.name)) continue;
      blobKeys.add(artifact.path);
      this.db.artifacts.delete(id);
    }
    return [...blobKeys];
  }

  async referencedBlobs(blobKeys: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(blobKeys);
    const referenced = new Set<string>();
    for (const artifact of this.db.artifacts.values()) if (wanted.has(artifact.path)) referenced.add(artifact.path);
    return referenced;
  }

  async versionMarks(experimentId: string): Promise<Map<string, string>> {
    return new Map(this.db.artifactVersions.get(experimentId));
  }

  async raiseVersionMarks(experimentId: string, marks: VersionMarks): Promise<void> {
    assertVersionMarks(marks);
    if (!this.db.experiments.has(experimentId)) throw new NotFoundError('experiment', experimentId);
    const highs = this.db.artifactVersions.get(experimentId) ?? new Map<string, string>();
    // Both whole numbers (a stored mark, a checked one): the higher is one of them.
    for (const [name, mark] of marks) highs.set(name, highestVersion([highs.get(name) ?? mark, mark]) as string);
    this.db.artifactVersions.set(experimentId, highs);
  }
}
