import { SqliteAccessRepository } from './sqlite-access-repository.js';
import { SqliteRunInputRepository } from './sqlite-run-input-repository.js';
import type { Readiness } from '../../../application/ports/readiness.js';
import { UnavailableError } from '../../../domain/errors.js';
import { InProcessBlobHolds } from '../shared/in-process-blob-holds.js';
import { SqliteArtifactRepository } from './sqlite-artifact-repository.js';
import { SqliteDatabase, type SqliteOptions } from './sqlite-database.js';
import { SqliteExperimentRepository } from './sqlite-experiment-repository.js';
import { SqliteMetricRepository } from './sqlite-metric-repository.js';
import { SqliteParameterRepository } from './sqlite-parameter-repository.js';
import { SqliteRunRepository } from './sqlite-run-repository.js';
import { SqliteRunSearch } from './sqlite-run-search.js';

/** Every repository over one SQLite file (created and migrated if needed), sharing one connection. */
export function createSqliteStore(file: string, options: SqliteOptions = {}) {
  const db = SqliteDatabase.open(file, options);
  const ping = db.connection.prepare('SELECT 1').pluck();
  const readiness: Readiness = {
    check: async () => {
      try {
        ping.get();
      } catch (error) {
        throw new UnavailableError(`the database is not usable: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
  const artifacts = new SqliteArtifactRepository(db);
  return {
    experiments: new SqliteExperimentRepository(db),
    runs: new SqliteRunRepository(db),
    parameters: new SqliteParameterRepository(db),
    metrics: new SqliteMetricRepository(db),
    artifacts,
    runInputs: new SqliteRunInputRepository(db),
    access: new SqliteAccessRepository(db),
    runSearch: new SqliteRunSearch(db),
    // Coordinated within this process only: see InProcessBlobHolds.
    blobHolds: new InProcessBlobHolds(artifacts),
    readiness,
    database: db,
    close: () => db.close(),
  };
}
