import { afterEach } from 'vitest';
import { describePostgres } from '../support/postgres.js';
import { postgresServers } from '../support/postgres-servers.js';
import { sqlInjectionSuite } from './sql-injection.js';

/** The SQL injection suite on the PostgreSQL store: its own search SQL, its own quoting rules ($$, E'', \). */
describePostgres('SQL injection payloads on PostgreSQL', (postgres) => {
  const servers = postgresServers();
  afterEach(() => servers.closeAll());
  sqlInjectionSuite(async () => servers.serve(await postgres.createDatabase()));
});
