import type { Statement } from 'better-sqlite3';
import type { RunSearch, RunSearchQuery } from '../../../application/ports/run-search.js';
import { sortKeyKinds, type SortPosition, type SortValue } from '../../../domain/search/evaluate.js';
import { compileSearch } from './sqlite-search-sql.js';
import type { SqliteDatabase } from './sqlite-database.js';

/** Statements kept prepared: a table page re-asked with another cursor reuses its SQL. */
const CACHED_STATEMENTS = 200;

/** Runs searched in one SQL query compiled from the filter (see sqlite-search-sql.ts). */
export class SqliteRunSearch implements RunSearch {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  async search(query: RunSearchQuery): Promise<SortPosition[]> {
    const parts = compileSearch(query, query.filter, query.orderBy, query.after);
    const keyCount = query.orderBy.reduce((n, term) => n + sortKeyKinds(term.field).length, 0);
    return this.db.read(() => {
      const found: SortPosition[] = [];
      // Parts are in sort order: each one only runs when those before it left the page short.
      for (const part of parts) {
        if (found.length >= query.limit) break;
        const rows = this.statement(part.sql).raw(true).all(...part.params, query.limit - found.length) as [string, ...SortValue[]][];
        for (const [id, ...keys] of rows) found.push({ id, keys: keys.slice(0, keyCount) });
      }
      return found;
    });
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Most recently used last: the first entry is the one to evict.
      this.statements.delete(sql);
    } else {
      statement = this.db.connection.prepare(sql);
      if (this.statements.size >= CACHED_STATEMENTS) this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}
