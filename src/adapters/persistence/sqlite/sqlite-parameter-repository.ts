import type { Database, Statement } from 'better-sqlite3';
import type { ParameterRepository } from '../../../application/ports/parameter-repository.js';
import { newParametersOnly, type Parameter } from '../../../domain/parameter.js';
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface ParameterRow {
  run_id: string;
  key: string;
  type: Parameter['type'];
  text_value: string | null;
  number_value: number | null;
}

/**
 * Parameters keep their type: strings in `text_value`, numbers and booleans (1/0) in
 * `number_value`, so a search can compare numbers as numbers.
 */
export class SqliteParameterRepository implements ParameterRepository {
  private readonly requireRun: (runId: string) => void;
  private readonly held: Statement;
  private readonly forRuns: Statement;
  private readonly insert: (runId: string, parameter: Parameter) => void;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.requireRun = requireRun(c);
    this.held = c.prepare('SELECT * FROM parameters WHERE run_id = ? AND key IN (SELECT value FROM json_each(?))');
    this.forRuns = c.prepare('SELECT * FROM parameters WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key');
    this.insert = insertParameter(c);
  }

  add(runId: string, parameters: readonly Parameter[]): Promise<number> {
    return this.db.write(() => {
      this.requireRun(runId);
      const rows = this.held.all(runId, JSON.stringify(parameters.map((p) => p.key))) as ParameterRow[];
      const fresh = newParametersOnly(new Map(rows.map((row) => [row.key, fromRow(row)])), parameters);
      for (const parameter of fresh) this.insert(runId, parameter);
      return fresh.length;
    });
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Parameter[]>> {
    return this.db.read(() => {
      const result = new Map<string, Parameter[]>(runIds.map((id) => [id, []]));
      for (const row of this.forRuns.all(JSON.stringify(runIds)) as ParameterRow[]) result.get(row.run_id)?.push(fromRow(row));
      return result;
    });
  }
}

/** The one way a parameter row is written (also used when a run is created with its parameters). */
export function insertParameter(connection: Database): (runId: string, parameter: Parameter) => void {
  const statement = connection.prepare('INSERT INTO parameters (run_id, key, type, text_value, number_value) VALUES (?, ?, ?, ?, ?)');
  return (runId, { key, type, value }) => {
    if (type === 'string') statement.run(runId, key, type, value, null);
    else statement.run(runId, key, type, null, type === 'boolean' ? (value ? 1 : 0) : value);
  };
}

function fromRow(row: ParameterRow): Parameter {
  switch (row.type) {
    case 'string':
      return { key: row.key, type: 'string', value: row.text_value as string };
    case 'boolean':
      return { key: row.key, type: 'boolean', value: row.number_value === 1 };
    default:
      return { key: row.key, type: 'number', value: row.number_value as number };
  }
}
