import type { RunSearch, RunSearchQuery } from '../../../application/ports/run-search.js';
import type { SortPosition, SortValue } from '../../../domain/search/evaluate.js';
import type { PostgresDatabase } from './postgres-database.js';
import { compileSearch } from './postgres-search-sql.js';

/**
 * Runs searched with SQL compiled from the filter (see postgres-search-sql.ts): one query, or two
 * in a snapshot when the first sort term is an indexed metric, so both parts see one state.
 */
export class PostgresRunSearch implements RunSearch {
  constructor(private readonly db: PostgresDatabase) {}

  async search(query: RunSearchQuery): Promise<SortPosition[]> {
    const parts = compileSearch(query, query.filter, query.orderBy, query.after);
    return this.db.read(
      async (sql) => {
        const found: SortPosition[] = [];
        // Parts are in sort order: each one only runs when those before it left the page short.
        for (const part of parts) {
          if (found.length >= query.limit) break;
          part.params[0] = query.limit - found.length;
          const { rows } = await sql.query<[string, ...SortValue[]]>({ text: part.sql, values: part.params, rowMode: 'array' });
          for (const [id, ...keys] of rows) found.push({ id, keys });
        }
        return found;
      },
      { snapshot: parts.length > 1 },
    );
  }
}
