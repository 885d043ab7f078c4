import { latestVersion, type Migration } from '../shared/migration.js';
/**
 * The PostgreSQL schema, as numbered migrations: version 1 is the SQLite store's schema in its
 * final shape (SQLite versions 1-5), so both stores hold the same records the same way. A released
 * migration is never edited: a change is a new migration appended at the end. All pending
 * migrations run in one transaction, under an advisory lock (see postgres-database.ts).
 *
 * Layout notes:
 * - Every text column is COLLATE "C": strings compare as UTF-8 bytes, which is code point order,
 *   the order the ports promise, whatever the database's default collation (often en_US).
 * - Timestamps are epoch milliseconds (bigint), steps are bigint (the domain keeps both to safe
 *   integers); the database's pool reads bigint back as a JavaScript number.
 * - B-tree entries are limited to about 2.7 kB. Keys (250 characters), names and versions fit;
 *   tag values (8,000 characters) and parameter values (6,000) may not, so indexes hold a
 *   256-character prefix of them: an equality lookup that wants the index adds
 *   `left(value, 256) = left($v, 256)` to its condition.
 * - Metric values are double precision. Postgres has NaN, so points hold it as it is; the value
 *   columns of metric_series hold NULL for NaN, as in SQLite: search treats a NaN as no value,
 *   SQL's NULL says the same, and the (key, value) indexes never hold NaN (which Postgres sorts
 *   above +Infinity).
 * - Foreign keys cascade (runs → everything of a run, series → points and chunks); Postgres does
 *   not index referencing columns by itself, so every one of them leads some index.
 */
export type { Migration } from '../shared/migration.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tracking core (the SQLite schema as of its version 5)',
    sql: `
      CREATE TABLE experiments (
        id text COLLATE "C" PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        -- The name as JavaScript's toLowerCase() folds it, written with the name: nameContains
        -- is a substring of it (strpos, so % and _ are plain characters), which is exactly the
        -- memory and SQLite stores' rule. lower() cannot stand in: under COLLATE "C" it folds
        -- ASCII only, and under another collation it folds as that collation's library does.
        name_folded text COLLATE "C" NOT NULL,
        description text COLLATE "C",
        created_by text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        lifecycle_stage text COLLATE "C" NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted'))
      );
      -- Unique names among active experiments, enforced across every server.
      CREATE UNIQUE INDEX experiments_active_name ON experiments (name) WHERE lifecycle_stage = 'active';
      CREATE INDEX experiments_by_created ON experiments (lifecycle_stage, created_at, id);
      CREATE INDEX experiments_by_updated ON experiments (lifecycle_stage, updated_at, id);
      CREATE INDEX experiments_by_name ON experiments (lifecycle_stage, name, id);

      CREATE TABLE experiment_tags (
        experiment_id text COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        tag text COLLATE "C" NOT NULL,
        position integer NOT NULL,
        PRIMARY KEY (experiment_id, tag)
      );
      CREATE INDEX experiment_tags_by_tag ON experiment_tags (tag, experiment_id);

      -- Key/value properties of an experiment (MLflow's experiment tags).
      CREATE TABLE experiment_properties (
        experiment_id text COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        key text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        PRIMARY KEY (experiment_id, key)
      );

      CREATE TABLE runs (
        id text COLLATE "C" PRIMARY KEY,
        experiment_id text COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        name text COLLATE "C",
        status text COLLATE "C" NOT NULL CHECK (status IN ('running', 'scheduled', 'completed', 'failed', 'killed')),
        parent_run_id text COLLATE "C" REFERENCES runs (id) ON DELETE SET NULL,
        created_by text COLLATE "C" NOT NULL,
        started_at bigint NOT NULL,
        completed_at bigint,
        lifecycle_stage text COLLATE "C" NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted'))
      );
      CREATE INDEX runs_by_experiment ON runs (experiment_id, started_at DESC, id DESC);
      -- Also serves ON DELETE SET NULL of a deleted parent.
      CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

      CREATE TABLE run_tags (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE INDEX run_tags_by_key ON run_tags (key, left(value, 256));

      -- value is the text view searches compare, number_value the numeric view: NULL for booleans
      -- and for strings that are not numbers (see the domain's search/values.ts). Write-once: the
      -- primary key refuses a second value for a key, on whichever server it arrives.
      CREATE TABLE parameters (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key text COLLATE "C" NOT NULL,
        type text COLLATE "C" NOT NULL CHECK (type IN ('string', 'number', 'boolean')),
        value text COLLATE "C" NOT NULL,
        number_value double precision CHECK ((type <> 'number' OR number_value IS NOT NULL) AND (type <> 'boolean' OR number_value IS NULL)),
        PRIMARY KEY (run_id, key)
      );
      -- Serves the parameter space of an experiment and lookups by key.
      CREATE INDEX parameters_by_key ON parameters (key, number_value, left(value, 256));

      -- One row per (run, key): the latest point and the running aggregates, updated in the same
      -- transaction as the points, so run views never read histories. mean is sum / numeric_count
      -- as the server computed it in JavaScript, the domain's division, for searches: PostgreSQL's
      -- float8 division raises an error where a quotient underflows (5e-324 / 2), and JavaScript
      -- gives 0. sealed_through: the last step held in chunks (NULL while none is); tail_count: the
      -- points held as rows. An append locks its series rows, which serialises appends to one
      -- series across servers.
      CREATE TABLE metric_series (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key text COLLATE "C" NOT NULL,
        last_value double precision,
        last_step bigint NOT NULL,
        last_timestamp bigint NOT NULL,
        first_step bigint NOT NULL,
        min double precision,
        max double precision,
        sum double precision,
        mean double precision,
        numeric_count bigint NOT NULL,
        count bigint NOT NULL,
        sealed_through bigint,
        tail_count integer NOT NULL DEFAULT 0,
        UNIQUE (run_id, key)
      );
      -- A search ordered by a metric walks these and stops at the page's end.
      CREATE INDEX metric_series_by_key ON metric_series (key, last_value);
      CREATE INDEX metric_series_by_min ON metric_series (key, min);
      CREATE INDEX metric_series_by_max ON metric_series (key, max);

      -- A history is its chunks in step order, then its tail rows (see docs/storage.md): chunks
      -- never overlap, every tail row is past sealed_through, and a step is stored once.
      --
      -- points: count Float64 steps, then count values (NaN as NaN), then count timestamps,
      -- little-endian: the SQLite store's chunk format. Why chunks here too: read as rows, a
      -- 100,000-point history took 200-280 ms through pg (2 s per million) and rows cost about
      -- 92 bytes a point; as chunks a million points read in 150-370 ms (as hex text: pg 8's
      -- binary result mode decodes every field as UTF-8, which corrupts bytea) and batches of 1,000 points per key were ingested at ~1.5 M points/s against ~100 k/s
      -- as rows inserted with unnest (one client, 2-core VM). Insert chunks as a multi-row VALUES
      -- with Buffer parameters (pg sends them binary; a bytea[] for unnest goes as hex text,
      -- half as fast); insert tail rows with unnest arrays.
      CREATE TABLE metric_chunks (
        series_id bigint NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
        first_step bigint NOT NULL,
        last_step bigint NOT NULL,
        count integer NOT NULL CHECK (count > 0),
        points bytea NOT NULL,
        PRIMARY KEY (series_id, first_step)
      );
      -- lz4 compresses chunks to ~17 bytes a point (steps and timestamps are regular) at almost
      -- the speed of storing them raw (25 bytes a point); the default pglz halves ingest speed.
      -- Servers built without lz4 keep their default.
      DO $$
      BEGIN
        EXECUTE 'ALTER TABLE metric_chunks ALTER COLUMN points SET COMPRESSION lz4';
      EXCEPTION WHEN feature_not_supported THEN NULL;
      END $$;

      -- The tail: the latest points of small appends as rows (fewer than 1,024 per series).
      CREATE TABLE metric_points (
        series_id bigint NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
        step bigint NOT NULL,
        value double precision NOT NULL,
        timestamp bigint NOT NULL,
        PRIMARY KEY (series_id, step)
      );

      -- Artifact records; versions are numbered inside the write transaction through
      -- artifact_versions, so concurrent uploads of one name never share a version.
      -- tags and metadata are JSON text, kept as written.
      CREATE TABLE artifacts (
        id text COLLATE "C" PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        experiment_id text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        type text COLLATE "C" NOT NULL,
        blob_key text COLLATE "C" NOT NULL,
        size bigint NOT NULL,
        sha256 text COLLATE "C" NOT NULL,
        version text COLLATE "C" NOT NULL,
        tags text NOT NULL,
        content_type text COLLATE "C" NOT NULL,
        metadata text NOT NULL,
        uploaded_at bigint NOT NULL,
        UNIQUE (experiment_id, name, version)
      );
      CREATE INDEX artifacts_by_run ON artifacts (run_id, name);
      -- Garbage collection asks which blobs are still referenced.
      CREATE INDEX artifacts_by_blob ON artifacts (blob_key);

      -- The highest whole-number version ever recorded per (experiment, name), raised in the same
      -- transaction as the record (an upsert, which locks the row: concurrent uploads of one name
      -- on several servers queue on it). Deleting records leaves it, so numbers are never reused.
      CREATE TABLE artifact_versions (
        experiment_id text COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        name text COLLATE "C" NOT NULL,
        highest text COLLATE "C" NOT NULL,
        PRIMARY KEY (experiment_id, name)
      );

      -- Datasets a run used (MLflow's log-inputs), one per (name, digest), as JSON documents.
      CREATE TABLE run_inputs (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name text COLLATE "C" NOT NULL,
        digest text COLLATE "C" NOT NULL,
        position integer NOT NULL,
        document text NOT NULL,
        PRIMARY KEY (run_id, name, digest)
      );
    `,
  },
  {
    version: 2,
    name: 'blob holds shared by every server',
    sql: `
      -- An upload holds its blob's key from the moment the content address is known until its
      -- record exists, so that no server frees the blob in between (see postgres-blob-holds.ts).
      -- One row per hold; a released hold deletes its row. A server that crashed leaves its rows,
      -- which stop counting at expires_at (the database's clock, so server clocks never matter):
      -- holders renew them while they last. free_put_off is set by a free that found the key
      -- held, so the last holder tries that free again on release.
      CREATE TABLE blob_holds (
        id uuid PRIMARY KEY,
        key text COLLATE "C" NOT NULL,
        expires_at timestamptz NOT NULL,
        free_put_off boolean NOT NULL DEFAULT false
      );
      CREATE INDEX blob_holds_by_key ON blob_holds (key);
    `,
  },
  {
    version: 3,
    name: 'users and API tokens',
    // A token is kept as the SHA-256 of its secret only. Removing a user removes its tokens.
    sql: `
      CREATE TABLE users (
        name text COLLATE "C" PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
        created_at bigint NOT NULL
      );
      CREATE TABLE api_tokens (
        id text COLLATE "C" PRIMARY KEY,
        user_name text COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        label text,
        secret_hash text NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint,
        last_used_at bigint
      );
      CREATE INDEX api_tokens_by_user ON api_tokens (user_name, created_at, id);
    `,
  },
  {
    version: 4,
    name: 'who deleted an experiment or run',
    // Set when moved to the trash, cleared on restore; NULL for everything deleted before.
    sql: `
      ALTER TABLE experiments ADD COLUMN deleted_by text;
      ALTER TABLE runs ADD COLUMN deleted_by text;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = latestVersion(MIGRATIONS);
