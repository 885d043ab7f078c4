import { createPostgresStore } from '../../src/adapters/persistence/postgres/postgres-store.js';
import { describePostgres } from '../support/postgres.js';
import { runSearchDifferential } from './run-search.differential.js';

describePostgres('PostgreSQL RunSearch', (postgres) => {
  runSearchDifferential({
    name: 'PostgreSQL',
    // A database whose default collation is ICU's en-US, not C: the search must not depend on it
    // (text orders and compares by code point whatever the database's collation).
    open: async () => createPostgresStore({ connectionString: await postgres.createDatabase("ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.utf8'") }),
  });
});
