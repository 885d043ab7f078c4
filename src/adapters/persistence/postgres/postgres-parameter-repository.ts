import type { PostgresDatabase } from './postgres-database.js';

/** TODO(issue 8): being written; every method refuses until then. */
export class PostgresParameterRepository {
  constructor(readonly db: PostgresDatabase) {}
}
