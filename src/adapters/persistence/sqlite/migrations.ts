import { latestVersion, type Migration } from '../shared/migration.js';
/**
 * The schema, as numbered migrations. A migration is never edited once released: a change is a
 * new migration appended at the end. Each one runs inside the start-up transaction that records
 * it in `schema_migrations`.
 *
 * Layout notes:
 * - Strings compare with SQLite's BINARY collation (UTF-8 bytes, which is code point order).
 * - Timestamps are epoch milliseconds (INTEGER).
 * - Metric values are REAL; NaN is stored as NULL (SQLite has no NaN), and NULL means NaN in
 *   every REAL column of the metric tables.
 * - `metric_points` is a WITHOUT ROWID table keyed by (series, step): one B-tree, no separate
 *   index, about 30 bytes per point. A series is one (run, key), and carries the aggregates kept
 *   on write, so run views never read histories.
 */
export type { Migration } from '../shared/migration.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tracking core',
    sql: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted'))
      );
      CREATE UNIQUE INDEX experiments_active_name ON experiments (name) WHERE lifecycle_stage = 'active';
      CREATE INDEX experiments_by_created ON experiments (lifecycle_stage, created_at, id);
      CREATE INDEX experiments_by_updated ON experiments (lifecycle_stage, updated_at, id);
      CREATE INDEX experiments_by_name ON experiments (lifecycle_stage, name, id);

      CREATE TABLE experiment_tags (
        experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (experiment_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX experiment_tags_by_tag ON experiment_tags (tag, experiment_id);

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        name TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        parent_run_id TEXT REFERENCES runs (id) ON DELETE SET NULL,
        created_by TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        completed_at INTEGER,
        lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted'))
      );
      CREATE INDEX runs_by_experiment ON runs (experiment_id, started_at DESC, id DESC);
      CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

      CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX run_tags_by_key ON run_tags (key, value);

      CREATE TABLE parameters (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('string', 'number', 'boolean')),
        text_value TEXT CHECK ((type = 'string') = (text_value IS NOT NULL)),
        number_value REAL CHECK ((type <> 'string') = (number_value IS NOT NULL)),
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX parameters_by_key ON parameters (key, number_value, text_value);

      CREATE TABLE metric_series (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        last_value REAL,
        last_step INTEGER NOT NULL,
        last_timestamp INTEGER NOT NULL,
        first_step INTEGER NOT NULL,
        min REAL,
        max REAL,
        sum REAL,
        numeric_count INTEGER NOT NULL,
        count INTEGER NOT NULL,
        UNIQUE (run_id, key)
      );
      CREATE INDEX metric_series_by_key ON metric_series (key, last_value);

      CREATE TABLE metric_points (
        series_id INTEGER NOT NULL,
        step INTEGER NOT NULL,
        value REAL,
        timestamp INTEGER NOT NULL,
        PRIMARY KEY (series_id, step)
      ) WITHOUT ROWID;
      -- Points go with their series. A trigger, not a foreign key: a foreign key would look the
      -- series up again for every inserted point, and the write path already holds its id.
      CREATE TRIGGER metric_series_delete AFTER DELETE ON metric_series BEGIN
        DELETE FROM metric_points WHERE series_id = OLD.id;
      END;

      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        experiment_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        version TEXT NOT NULL,
        tags TEXT NOT NULL,
        content_type TEXT NOT NULL,
        metadata TEXT NOT NULL,
        uploaded_at INTEGER NOT NULL,
        UNIQUE (experiment_id, name, version)
      );
      CREATE INDEX artifacts_by_run ON artifacts (run_id, name);
      CREATE INDEX artifacts_by_blob ON artifacts (blob_key);
    `,
  },
  {
    version: 2,
    name: 'metric chunks',
    // A series' older points sealed by the thousand into one row each: reading a million points
    // is a thousand blob copies instead of a million rows (see docs/storage.md). A v1 series is
    // all rows, which stays valid: nothing is sealed yet, and its next append seals it.
    sql: `
      -- points: count Float64 steps, then count values (NaN stored as NaN), then count
      -- timestamps, little-endian. The step bounds and count come before the blob, so range
      -- checks read them from the row's first page and never follow the blob's overflow pages.
      -- A rowid table, unlike metric_points: in a WITHOUT ROWID table the whole row is the key,
      -- and SQLite reads a key in full (blob and overflow pages) to compare it at every step of
      -- a range scan; here the range runs over the small primary-key index instead (a 1M-point
      -- read: about 45 ms instead of 90).
      CREATE TABLE metric_chunks (
        series_id INTEGER NOT NULL,
        first_step INTEGER NOT NULL,
        last_step INTEGER NOT NULL,
        count INTEGER NOT NULL,
        points BLOB NOT NULL,
        PRIMARY KEY (series_id, first_step)
      );

      -- sealed_through: the last step held in chunks (NULL while none is); every row left in
      -- metric_points is past it. tail_count: the points still held as rows.
      ALTER TABLE metric_series ADD COLUMN sealed_through INTEGER;
      ALTER TABLE metric_series ADD COLUMN tail_count INTEGER NOT NULL DEFAULT 0;
      UPDATE metric_series SET tail_count = count;

      DROP TRIGGER metric_series_delete;
      CREATE TRIGGER metric_series_delete AFTER DELETE ON metric_series BEGIN
        DELETE FROM metric_points WHERE series_id = OLD.id;
        DELETE FROM metric_chunks WHERE series_id = OLD.id;
      END;
    `,
  },
  {
    version: 3,
    name: 'search: parameter views, metric indexes',
    // Every parameter gets the text and numeric views searches compare (see the domain's
    // search/values.ts): `value` is the text view, `number_value` the numeric view, NULL for
    // booleans and for strings that are not numbers. MLflow clients log every parameter as a
    // string, so `params.lr < 0.01` needs "0.001" as a number too.
    sql: `
      CREATE TABLE parameters_v3 (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('string', 'number', 'boolean')),
        value TEXT NOT NULL,
        number_value REAL CHECK ((type <> 'number' OR number_value IS NOT NULL) AND (type <> 'boolean' OR number_value IS NULL)),
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;
      INSERT INTO parameters_v3 (run_id, key, type, value, number_value)
        SELECT run_id, key, type,
          CASE type WHEN 'string' THEN text_value WHEN 'boolean' THEN iif(number_value = 1, 'true', 'false') ELSE fathom_number_text(number_value) END,
          CASE type WHEN 'string' THEN fathom_numeric_view(text_value) WHEN 'number' THEN number_value END
        FROM parameters;
      DROP TABLE parameters;
      ALTER TABLE parameters_v3 RENAME TO parameters;
      -- Serves the parameter space of an experiment and lookups by key.
      CREATE INDEX parameters_by_key ON parameters (key, number_value, value);
      -- A search ordered by a metric's best value walks these (like metric_series_by_key for the
      -- latest value) and stops at the page's end.
      CREATE INDEX metric_series_by_min ON metric_series (key, min);
      CREATE INDEX metric_series_by_max ON metric_series (key, max);
    `,
  },
  {
    version: 4,
    name: 'MLflow parity: run statuses, experiment properties, run inputs',
    // SQLite cannot widen a CHECK in place, so runs is rebuilt (the migration runner turns
    // foreign keys off around migrations, so dropping the old table cascades nothing, and checks
    // every reference before committing). Indexes are recreated as they were.
    sql: `
      CREATE TABLE runs_v4 (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        name TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'scheduled', 'completed', 'failed', 'killed')),
        parent_run_id TEXT REFERENCES runs (id) ON DELETE SET NULL,
        created_by TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        completed_at INTEGER,
        lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted'))
      );
      INSERT INTO runs_v4 (id, experiment_id, name, status, parent_run_id, created_by, started_at, completed_at, lifecycle_stage)
        SELECT id, experiment_id, name, status, parent_run_id, created_by, started_at, completed_at, lifecycle_stage FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_v4 RENAME TO runs;
      CREATE INDEX runs_by_experiment ON runs (experiment_id, started_at DESC, id DESC);
      CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

      -- Key/value properties of an experiment (MLflow's experiment tags).
      CREATE TABLE experiment_properties (
        experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (experiment_id, key)
      ) WITHOUT ROWID;

      -- Datasets a run used (MLflow's log-inputs), one per (name, digest), as JSON documents.
      CREATE TABLE run_inputs (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        position INTEGER NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (run_id, name, digest)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'artifact version numbers outlive their records',
    // The highest whole-number version ever recorded per (experiment, name), so automatic
    // numbering continues past versions whose records were deleted (one artifact, or its run)
    // and a number the store gave never names two different contents. Filled from the records
    // present; "whole number" as the domain's artifact.ts defines it (1-63 digits, no leading 0).
    sql: `
      CREATE TABLE artifact_versions (
        experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        highest TEXT NOT NULL,
        PRIMARY KEY (experiment_id, name)
      ) WITHOUT ROWID;
      INSERT INTO artifact_versions (experiment_id, name, highest)
        SELECT experiment_id, name, version FROM (
          SELECT experiment_id, name, version,
            row_number() OVER (PARTITION BY experiment_id, name ORDER BY length(version) DESC, version DESC) AS rank
          FROM artifacts
          WHERE version GLOB '[1-9]*' AND version NOT GLOB '*[^0-9]*' AND length(version) <= 63
            AND experiment_id IN (SELECT id FROM experiments)
        ) WHERE rank = 1;
    `,
  },
  {
    version: 6,
    name: 'users and API tokens',
    // A token is kept as the SHA-256 of its secret only. Removing a user removes its tokens.
    sql: `
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        label TEXT,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_used_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX api_tokens_by_user ON api_tokens (user_name, created_at, id);
    `,
  },
  {
    version: 7,
    name: 'who deleted an experiment or run',
    // Set when moved to the trash, cleared on restore; NULL for everything deleted before.
    sql: `
      ALTER TABLE experiments ADD COLUMN deleted_by TEXT;
      ALTER TABLE runs ADD COLUMN deleted_by TEXT;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = latestVersion(MIGRATIONS);
