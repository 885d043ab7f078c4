import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { parseFilter, parseOrderBy } from '../../../src/domain/search/filter.js';
import { givenExperiment, givenRun, param } from '../../contract/repositories/support.js';
import { describePostgres } from '../../support/postgres.js';

/**
 * A number parameter comes back as the double it was logged as, -0 included, as from the memory
 * store (the SQLite store reads it back as 0: its REAL column drops the sign). -0 is still the
 * same value as 0 everywhere else: for write-once, for searches and for the parameter space.
 */
describePostgres('PostgreSQL parameters', (postgres) => {
  let store: PostgresStore;

  beforeAll(async () => {
    store = await createPostgresStore({ connectionString: await postgres.createDatabase() });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('keeps -0, which is the same value as 0', async () => {
    const experiment = await givenExperiment(store);
    const run = await givenRun(store, experiment.id, {}, [param('at-creation', -0)]);
    expect(await store.parameters.add(run.id, [param('z', -0), param('n', -1.5e-300)])).toBe(2);
    const stored = (await store.parameters.listForRuns([run.id])).get(run.id) ?? [];
    expect(stored.map((p) => [p.key, p.value])).toEqual([['at-creation', -0], ['n', -1.5e-300], ['z', -0]]);
    expect(await store.parameters.add(run.id, [param('z', 0)])).toBe(0);
    const search = (filter: string) => store.runSearch.search({ filter: parseFilter(filter), orderBy: parseOrderBy(['startedAt']), limit: 10 });
    expect(await search('params.z = 0 and params.z >= 0')).toHaveLength(1);
    expect(await search("params.z = '0'")).toHaveLength(1);
    expect(await search('params.z < 0')).toHaveLength(0);
  });
});
