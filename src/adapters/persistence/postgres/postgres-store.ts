import { PostgresAccessRepository } from './postgres-access-repository.js';
import { PostgresArtifactRepository } from './postgres-artifact-repository.js';
import { PostgresBlobHolds } from './postgres-blob-holds.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { PostgresExperimentRepository } from './postgres-experiment-repository.js';
import { PostgresMetricRepository } from './postgres-metric-repository.js';
import { PostgresParameterRepository } from './postgres-parameter-repository.js';
import { PostgresRunInputRepository } from './postgres-run-input-repository.js';
import { PostgresRunRepository } from './postgres-run-repository.js';
import { PostgresRunSearch } from './postgres-run-search.js';

/**
 * Every repository over one PostgreSQL database (migrated on open, once across servers), sharing
 * one bounded pool. Several servers may open the same database: every invariant the ports promise
 * is held by the database (constraints, row locks, upserts), not by this process.
 * @throws UnavailableError when the database cannot be reached; PostgresOpenError when it cannot be used.
 */
export async function createPostgresStore(options: PostgresOptions) {
  const db = await PostgresDatabase.open(options);
  return {
    experiments: new PostgresExperimentRepository(db),
    runs: new PostgresRunRepository(db),
    parameters: new PostgresParameterRepository(db),
    metrics: new PostgresMetricRepository(db),
    artifacts: new PostgresArtifactRepository(db),
    runInputs: new PostgresRunInputRepository(db),
    access: new PostgresAccessRepository(db),
    runSearch: new PostgresRunSearch(db),
    // Holds every server sharing the database respects.
    blobHolds: new PostgresBlobHolds(db),
    readiness: db.readiness,
    database: db,
    close: () => db.close(),
  };
}

export type PostgresStore = Awaited<ReturnType<typeof createPostgresStore>>;
