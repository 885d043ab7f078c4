import type { ArtifactRepository, NewArtifact, VersionMarks } from '../../../application/ports/artifact-repository.js';
import { highestVersion, newestFirst, type Artifact, type ArtifactFilter } from '../../../domain/artifact.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import { artifactFromRow, type ArtifactRow } from '../shared/rows.js';
import { assertVersionMarks } from '../shared/version-marks.js';
import type { PostgresDatabase } from './postgres-database.js';
import { storable, storableOnly } from './postgres-text.js';

/**
 * One statement records an artifact and numbers it: the experiment, then the run, are locked
 * against deletion (FOR KEY SHARE; one deleted meanwhile yields no row, so nothing is written and
 * the caller hears NotFoundError), then the upsert on artifact_versions raises the highest number
 * of the name and locks its row until commit, then the record is inserted with it. Under read
 * committed, ON CONFLICT DO UPDATE reads the latest committed row, not the statement's snapshot:
 * concurrent uploads of one name, on any server, queue on that row and each gets the next number,
 * none repeated, none skipped. A number is never taken back by a delete, since deletes leave the
 * row.
 *
 * The experiment is locked first because every writer locks experiment, then run: a purge locks
 * the experiment, then its runs. Locking the run first (the foreign keys of artifact_versions and
 * artifacts would then take the experiment at the end of the statement) made an upload and a purge
 * of its experiment deadlock, each holding what the other waited for, until the database aborted
 * one a second later. The run's lock is taken on the join's rows, so after the experiment's, in
 * whatever order the planner joins (a CTE that locks is never inlined).
 *
 * $1 automatic: whether the store numbers the version. $13: the given version, or NULL. $14: the
 * number the given version raises the highest to ('0' when it is no whole number: it raises
 * nothing, and '0' + 1 is the first number). A given version that is taken violates the
 * artifacts' UNIQUE (experiment_id, name, version): AlreadyExistsError, and the upsert rolls back
 * with the insert. A given whole number raises the highest before it is inserted, so an automatic
 * number taken concurrently never lands on it.
 */
const CREATE = `
  WITH experiment AS (
    SELECT id FROM experiments WHERE id = $4 FOR KEY SHARE
  ), run AS (
    SELECT r.id FROM runs r, experiment WHERE r.id = $3 FOR KEY SHARE OF r
  ), numbered AS (
    INSERT INTO artifact_versions AS v (experiment_id, name, highest)
    SELECT $4, $5, CASE WHEN $1::boolean THEN '1' ELSE $14::text END FROM run
    ON CONFLICT (experiment_id, name) DO UPDATE SET highest = CASE
      WHEN $1::boolean THEN (v.highest::numeric + 1)::text
      ELSE greatest(v.highest::numeric, $14::numeric)::text
    END
    RETURNING highest
  )
  INSERT INTO artifacts (id, run_id, experiment_id, name, type, blob_key, size, sha256, version, tags, content_type, metadata, uploaded_at)
  SELECT $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $1::boolean THEN numbered.highest ELSE $13::text END, $10, $11, $12, $15
  FROM numbered
  RETURNING version`;

/**
 * Raises an experiment's marks in one statement: the experiment is locked against purging (FOR
 * KEY SHARE; one purged meanwhile yields no row, so nothing is written and the caller hears
 * NotFoundError), then each mark is upserted, kept only where it is higher, compared as numbers
 * (the text '10' sorts before '9'). As in CREATE, ON CONFLICT reads and locks the latest committed
 * row, so an upload numbering the name on another server meanwhile is never lowered by this:
 * whichever commits second sees the other's number. Rows are locked in name order, so two raises
 * of overlapping names cannot deadlock. $2, $3: the names and their marks, as parallel arrays.
 */
const RAISE_MARKS = `
  WITH experiment AS (
    SELECT id FROM experiments WHERE id = $1 FOR KEY SHARE
  ), raised AS (
    INSERT INTO artifact_versions AS v (experiment_id, name, highest)
    SELECT experiment.id, mark.name, mark.highest FROM experiment, unnest($2::text[], $3::text[]) AS mark (name, highest)
    ORDER BY mark.name
    ON CONFLICT (experiment_id, name) DO UPDATE SET highest = excluded.highest
    WHERE excluded.highest::numeric > v.highest::numeric
  )
  SELECT EXISTS (SELECT 1 FROM experiment) AS experiment_exists`;

/** The artifacts' UNIQUE (experiment_id, name, version), by PostgreSQL's default name for it. */
const VERSION_TAKEN = 'artifacts_experiment_id_name_version_key';

/**
 * Artifact records. Versions are numbered in the database (see CREATE), so that uploads of one
 * name on several servers never share a number; lists are ordered by the domain's `newestFirst`
 * after the (indexed) selection, as in the other stores.
 */
export class PostgresArtifactRepository implements ArtifactRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async create(input: NewArtifact): Promise<Artifact> {
    if (!storable(input.runId)) throw new NotFoundError('run', input.runId);
    const given = input.version;
    const taken = () => new AlreadyExistsError(`artifact '${input.name}' already has a version '${given ?? ''}' in this experiment`);
    const version = await this.db.write(
      async (sql) => {
        const { rows } = await sql.query<{ version: string }>(CREATE, [
          given === undefined,
          input.id,
          input.runId,
          input.experimentId,
          input.name,
          input.type,
          input.path,
          input.size,
          input.sha256,
          JSON.stringify(input.tags),
          input.contentType,
          JSON.stringify(input.metadata),
          given ?? null,
          given === undefined ? null : (highestVersion([given]) ?? '0'),
          input.uploadedAt,
        ]);
        if (rows.length === 0) throw new NotFoundError('run', input.runId);
        return (rows[0] as { version: string }).version;
      },
      { uniqueViolations: { [VERSION_TAKEN]: taken } },
    );
    return { ...structuredClone(input), version };
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Artifact[]>> {
    const result = new Map<string, Artifact[]>(runIds.map((id) => [id, []]));
    const wanted = storableOnly([...result.keys()]);
    if (wanted.length === 0) return result;
    // Served by artifacts_by_run (run_id, name).
    const rows = await this.db.read(async (sql) => (await sql.query<ArtifactRow>('SELECT * FROM artifacts WHERE run_id = ANY($1::text[])', [wanted])).rows);
    for (const row of rows) result.get(row.run_id)?.push(artifactFromRow(row));
    for (const list of result.values()) list.sort(newestFirst);
    return result;
  }

  async listByExperiment(experimentId: string, filter: ArtifactFilter): Promise<Artifact[]> {
    if (![experimentId, filter.name ?? '', filter.type ?? ''].every(storable)) return [];
    // Served by the UNIQUE (experiment_id, name, version) index.
    const rows = await this.db.read(
      async (sql) =>
        (
          await sql.query<ArtifactRow>(
            'SELECT * FROM artifacts WHERE experiment_id = $1 AND ($2::text IS NULL OR name = $2) AND ($3::text IS NULL OR type = $3)',
            [experimentId, filter.name ?? null, filter.type ?? null],
          )
        ).rows,
    );
    return rows.map(artifactFromRow).sort(newestFirst);
  }

  async find(runId: string, name: string, version?: string): Promise<Artifact | undefined> {
    if (![runId, name, version ?? ''].every(storable)) return undefined;
    const rows = await this.db.read(
      async (sql) =>
        (await sql.query<ArtifactRow>('SELECT * FROM artifacts WHERE run_id = $1 AND name = $2 AND ($3::text IS NULL OR version = $3)', [runId, name, version ?? null]))
          .rows,
    );
    return rows.map(artifactFromRow).sort(newestFirst)[0];
  }

  async deleteByName(runId: string, name: string, options: { below?: boolean } = {}): Promise<string[]> {
    if (!storable(runId)) throw new NotFoundError('run', runId);
    // A name no record holds removes nothing; the run must exist all the same. Compared with
    // NULL, no name matches.
    const named = storable(name) ? name : null;
    // Names under `dir/` sort between 'dir/' and 'dir0' ('0' follows '/') in code point order,
    // which COLLATE "C" is: a range on artifacts_by_run (run_id, name), with no LIKE pattern
    // whose wildcards would need escaping.
    const names = options.below ? "(name = $2 OR (name > $2 || '/' AND name < $2 || '0'))" : 'name = $2';
    const { run_exists: exists, removed } = await this.db.write(
      async (sql) =>
        (
          await sql.query<{ run_exists: boolean; removed: string[] }>(
            `WITH removed AS (DELETE FROM artifacts WHERE run_id = $1 AND ${names} RETURNING blob_key)
             SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1) AS run_exists, ARRAY(SELECT DISTINCT blob_key FROM removed) AS removed`,
            [runId, named],
          )
        ).rows[0] as { run_exists: boolean; removed: string[] },
    );
    if (!exists) throw new NotFoundError('run', runId);
    return removed;
  }

  async referencedBlobs(blobKeys: readonly string[]): Promise<Set<string>> {
    const wanted = storableOnly(blobKeys);
    if (wanted.length === 0) return new Set();
    // Served by artifacts_by_blob.
    const rows = await this.db.read(
      async (sql) => (await sql.query<{ blob_key: string }>('SELECT DISTINCT blob_key FROM artifacts WHERE blob_key = ANY($1::text[])', [wanted])).rows,
    );
    return new Set(rows.map((row) => row.blob_key));
  }

  async versionMarks(experimentId: string): Promise<Map<string, string>> {
    if (!storable(experimentId)) return new Map();
    // Served by the primary key (experiment_id, name). A name only ever given other versions
    // ("prod") has a row holding '0' (see CREATE): no mark.
    const rows = await this.db.read(
      async (sql) =>
        (await sql.query<{ name: string; highest: string }>("SELECT name, highest FROM artifact_versions WHERE experiment_id = $1 AND highest <> '0'", [experimentId]))
          .rows,
    );
    return new Map(rows.map((row) => [row.name, row.highest]));
  }

  async raiseVersionMarks(experimentId: string, marks: VersionMarks): Promise<void> {
    assertVersionMarks(marks);
    if (!storable(experimentId)) throw new NotFoundError('experiment', experimentId);
    const exists = await this.db.write(
      async (sql) =>
        ((await sql.query<{ experiment_exists: boolean }>(RAISE_MARKS, [experimentId, [...marks.keys()], [...marks.values()]])).rows[0] as { experiment_exists: boolean })
          .experiment_exists,
    );
    if (!exists) throw new NotFoundError('experiment', experimentId);
  }
}
