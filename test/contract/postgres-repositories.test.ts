import { afterAll } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/adapters/persistence/postgres/postgres-store.js';
import { describePostgres } from '../support/postgres.js';
import { repositoryContract } from './repositories.contract.js';

describePostgres('PostgreSQL store', (postgres) => {
  // One migrated database for the file, emptied before each test: a database per test would cost
  // 0.2-0.4 s each, TRUNCATE a few milliseconds. Every table hangs off experiments, so one
  // cascading TRUNCATE empties them all (users and their tokens are the other root).
  let store: PostgresStore | undefined;
  afterAll(async () => {
    await store?.close();
  });

  repositoryContract('PostgreSQL store', async () => {
    store ??= await createPostgresStore({ connectionString: await postgres.createDatabase() });
    await store.database.write(async (sql) => {
      await sql.query('TRUNCATE experiments, users CASCADE');
    });
    return { ...store, close: async () => undefined };
  });
});
