import type { RunSearch } from '../../../application/ports/run-search.js';
import type { RunInputRepository } from '../../../application/ports/run-input-repository.js';
import type { ArtifactRepository } from '../../../application/ports/artifact-repository.js';
import type { MetricRepository } from '../../../application/ports/metric-repository.js';
import type { ParameterRepository } from '../../../application/ports/parameter-repository.js';
import type { RunRepository } from '../../../application/ports/run-repository.js';
import type { ExperimentRepository } from '../../../application/ports/experiment-repository.js';
import { PostgresArtifactRepository } from './postgres-artifact-repository.js';
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
 * TODO(issue 8): the casts go when every repository is written.
 * @throws UnavailableError when the database cannot be reached; PostgresOpenError when it cannot be used.
 */
export async function createPostgresStore(options: PostgresOptions) {
  const db = await PostgresDatabase.open(options);
  return {
    experiments: new PostgresExperimentRepository(db) as unknown as ExperimentRepository,
    runs: new PostgresRunRepository(db) as unknown as RunRepository,
    parameters: new PostgresParameterRepository(db) as unknown as ParameterRepository,
    metrics: new PostgresMetricRepository(db) as unknown as MetricRepository,
    artifacts: new PostgresArtifactRepository(db) as unknown as ArtifactRepository,
    runInputs: new PostgresRunInputRepository(db) as unknown as RunInputRepository,
    runSearch: new PostgresRunSearch(db) as unknown as RunSearch,
    readiness: db.readiness,
    database: db,
    close: () => db.close(),
  };
}

export type PostgresStore = Awaited<ReturnType<typeof createPostgresStore>>;
