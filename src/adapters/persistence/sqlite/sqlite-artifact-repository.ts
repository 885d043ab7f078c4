import type { Statement } from 'better-sqlite3';
import type { ArtifactRepository, NewArtifact, VersionMarks } from '../../../application/ports/artifact-repository.js';
import { highestVersion, newestFirst, nextVersion, type Artifact, type ArtifactFilter } from '../../../domain/artifact.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import { artifactFromRow, type ArtifactRow } from '../shared/rows.js';
import { assertVersionMarks } from '../shared/version-marks.js';
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Artifact records. Versions of a name are numbered inside the write transaction, so two
 * uploads of one name can never get the same version; UNIQUE (experiment, name, version) backs
 * it up. `artifact_versions` keeps the highest number per (experiment, name) beyond its records'
 * deletion, so numbering never goes back. Lists are ordered by the domain's `newestFirst` after the (indexed) selection.
 */
export class SqliteArtifactRepository implements ArtifactRepository {
  private readonly requireRun: (runId: string) => void;
  private readonly versions: Statement;
  private readonly highest: Statement;
  private readonly raiseHighest: Statement;
  private readonly insert: Statement;
  private readonly forRuns: Statement;
  private readonly ofExperiment: Statement;
  private readonly ofName: Statement;
  private readonly removeName: Statement;
  private readonly removeTree: Statement;
  private readonly referenced: Statement;
  private readonly experimentExists: Statement;
  private readonly marksOf: Statement;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.requireRun = requireRun(c);
    this.versions = c.prepare('SELECT version FROM artifacts WHERE experiment_id = ? AND name = ?').pluck();
    this.highest = c.prepare('SELECT highest FROM artifact_versions WHERE experiment_id = ? AND name = ?').pluck();
    this.raiseHighest = c.prepare(
      `INSERT INTO artifact_versions (experiment_id, name, highest) VALUES (?, ?, ?)
       ON CONFLICT (experiment_id, name) DO UPDATE SET highest = excluded.highest`,
    );
    this.insert = c.prepare(
      `INSERT INTO artifacts (id, run_id, experiment_id, name, type, blob_key, size, sha256, version, tags, content_type, metadata, uploaded_at)
       VALUES (@id, @runId, @experimentId, @name, @type, @path, @size, @sha256, @version, @tags, @contentType, @metadata, @uploadedAt)`,
    );
    this.forRuns = c.prepare('SELECT * FROM artifacts WHERE run_id IN (SELECT value FROM json_each(?))');
    this.ofExperiment = c.prepare(
      'SELECT * FROM artifacts WHERE experiment_id = @experimentId AND (@name IS NULL OR name = @name) AND (@type IS NULL OR type = @type)',
    );
    this.ofName = c.prepare('SELECT * FROM artifacts WHERE run_id = @runId AND name = @name AND (@version IS NULL OR version = @version)');
    // Served by artifacts_by_run (run_id, name).
    this.removeName = c.prepare('DELETE FROM artifacts WHERE run_id = ? AND name = ? RETURNING blob_key').pluck();
    // Names under `dir/` sort between 'dir/' and 'dir0' ('0' follows '/'), in code point order.
    this.removeTree = c.prepare(
      "DELETE FROM artifacts WHERE run_id = @runId AND (name = @name OR (name > @name || '/' AND name < @name || '0')) RETURNING blob_key",
    ).pluck();
    this.referenced = c.prepare('SELECT DISTINCT blob_key FROM artifacts WHERE blob_key IN (SELECT value FROM json_each(?))').pluck();
    this.experimentExists = c.prepare('SELECT 1 FROM experiments WHERE id = ?').pluck();
    // Served by the primary key (experiment_id, name).
    this.marksOf = c.prepare('SELECT name, highest FROM artifact_versions WHERE experiment_id = ?').raw();
  }

  create(input: NewArtifact): Promise<Artifact> {
    return this.db.write(() => {
      this.requireRun(input.runId);
      const versions = this.versions.all(input.experimentId, input.name) as string[];
      if (input.version !== undefined && versions.includes(input.version)) {
        throw new AlreadyExistsError(`artifact '${input.name}' already has a version '${input.version}' in this experiment`);
      }
      const highest = this.highest.get(input.experimentId, input.name) as string | undefined;
      const counted = highest === undefined ? versions : [...versions, highest];
      const artifact: Artifact = { ...structuredClone(input), version: input.version ?? nextVersion(counted) };
      this.insert.run({ ...artifact, tags: JSON.stringify(artifact.tags), metadata: JSON.stringify(artifact.metadata) });
      const raised = highestVersion([...counted, artifact.version]);
      if (raised !== undefined && raised !== highest) this.raiseHighest.run(input.experimentId, input.name, raised);
      return artifact;
    });
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Artifact[]>> {
    return this.db.read(() => {
      const result = new Map<string, Artifact[]>(runIds.map((id) => [id, []]));
      for (const row of this.forRuns.all(JSON.stringify(runIds)) as ArtifactRow[]) result.get(row.run_id)?.push(artifactFromRow(row));
      for (const list of result.values()) list.sort(newestFirst);
      return result;
    });
  }

  async listByExperiment(experimentId: string, filter: ArtifactFilter): Promise<Artifact[]> {
    return this.db.read(() =>
      (this.ofExperiment.all({ experimentId, name: filter.name ?? null, type: filter.type ?? null }) as ArtifactRow[])
        .map(artifactFromRow)
        .sort(newestFirst),
    );
  }

  async find(runId: string, name: string, version?: string): Promise<Artifact | undefined> {
    return this.db.read(() => (this.ofName.all({ runId, name, version: version ?? null }) as ArtifactRow[]).map(artifactFromRow).sort(newestFirst)[0]);
  }

  deleteByName(runId: string, name: string, options: { below?: boolean } = {}): Promise<string[]> {
    return this.db.write(() => {
      this.requireRun(runId);
      const removed = options.below ? this.removeTree.all({ runId, name }) : this.removeName.all(runId, name);
      return [...new Set(removed as string[])];
    });
  }

  async referencedBlobs(blobKeys: readonly string[]): Promise<Set<string>> {
    return this.db.read(() => new Set(this.referenced.all(JSON.stringify(blobKeys)) as string[]));
  }

  async versionMarks(experimentId: string): Promise<Map<string, string>> {
    return this.db.read(() => new Map(this.marksOf.all(experimentId) as [string, string][]));
  }

  /** A row read and written per name: in-process statements, inside one write transaction. */
  async raiseVersionMarks(experimentId: string, marks: VersionMarks): Promise<void> {
    assertVersionMarks(marks);
    return this.db.write(() => {
      if (this.experimentExists.get(experimentId) === undefined) throw new NotFoundError('experiment', experimentId);
      for (const [name, mark] of marks) {
        const highest = this.highest.get(experimentId, name) as string | undefined;
        // Both whole numbers (a stored mark, a checked one): the higher is one of them.
        if (highestVersion([highest ?? mark, mark]) !== highest) this.raiseHighest.run(experimentId, name, mark);
      }
    });
  }
}
