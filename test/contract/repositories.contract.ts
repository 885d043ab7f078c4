import { afterEach, beforeEach, describe } from 'vitest';
import { accessContract } from './repositories/access-repository.contract.js';
import { artifactContract } from './repositories/artifact-repository.contract.js';
import { experimentContract } from './repositories/experiment-repository.contract.js';
import { metricContract } from './repositories/metric-repository.contract.js';
import { parameterContract } from './repositories/parameter-repository.contract.js';
import { runContract } from './repositories/run-repository.contract.js';
import { runInputContract } from './repositories/run-input-repository.contract.js';
import { runSearchContract } from './repositories/run-search.contract.js';
import type { RepositoryStore } from './repositories/support.js';
import { unstorableTextContract } from './repositories/unstorable-text.contract.js';

export type { RepositoryStore } from './repositories/support.js';

// ---------------------------------------------------------------------------------------------
// The contract.
// ---------------------------------------------------------------------------------------------

/**
 * The repository ports' contract, written once and run against every store (memory, SQLite,
 * PostgreSQL). `makeStore` gives a fresh, empty store; `close` releases it. Everything here goes
 * through the port interfaces only, so a store passes it unchanged.
 */
export function repositoryContract(name: string, makeStore: () => Promise<RepositoryStore>): void {
  describe(`Repository contract: ${name}`, () => {
    let current: RepositoryStore | undefined;
    const store = (): RepositoryStore => current as RepositoryStore;

    beforeEach(async () => {
      current = await makeStore();
    });

    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    describe('ExperimentRepository', () => experimentContract(store));
    describe('RunRepository', () => runContract(store));
    describe('ParameterRepository', () => parameterContract(store));
    describe('MetricRepository', () => metricContract(store));
    describe('ArtifactRepository', () => artifactContract(store));
    describe('RunInputRepository', () => runInputContract(store));
    describe('RunSearch', () => runSearchContract(store));
    describe('AccessRepository', () => accessContract(store));
    describe('Lookups by text no store holds', () => unstorableTextContract(store));
  });
}
