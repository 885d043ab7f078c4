import { MemoryAccessRepository } from './memory-access-repository.js';
import { MemoryRunInputRepository } from './memory-run-input-repository.js';
import type { Readiness } from '../../../application/ports/readiness.js';
import { InProcessBlobHolds } from '../shared/in-process-blob-holds.js';
import { MemoryArtifactRepository } from './memory-artifact-repository.js';
import { MemoryRunSearch } from './memory-run-search.js';
import { MemoryDatabase } from './memory-database.js';
import { MemoryExperimentRepository } from './memory-experiment-repository.js';
import { MemoryMetricRepository } from './memory-metric-repository.js';
import { MemoryParameterRepository } from './memory-parameter-repository.js';
import { MemoryRunRepository } from './memory-run-repository.js';

/** Every repository over one shared in-memory database: fast, and gone when the process ends. */
export function createMemoryStore() {
  const db = new MemoryDatabase();
  const readiness: Readiness = { check: async () => undefined };
  const artifacts = new MemoryArtifactRepository(db);
  return {
    experiments: new MemoryExperimentRepository(db),
    runs: new MemoryRunRepository(db),
    parameters: new MemoryParameterRepository(db),
    metrics: new MemoryMetricRepository(db),
    artifacts,
    runInputs: new MemoryRunInputRepository(db),
    access: new MemoryAccessRepository(),
    runSearch: new MemoryRunSearch(db),
    blobHolds: new InProcessBlobHolds(artifacts),
    readiness,
    close: async () => undefined,
  };
}
