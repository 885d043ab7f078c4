import type { Database, Statement } from 'better-sqlite3';
import type { ParameterRepository } from '../../../application/ports/parameter-repository.js';
import { newParametersOnly, type Parameter } from '../../../domain/parameter.js';
import type { ParameterValueCount } from '../../../domain/parameter-space.js';
import { numericView, textView } from '../../../domain/search/values.js';
import { parameterFromRow } from '../shared/rows.js';
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface ParameterRow {
  run_id: string;
  key: string;
  type: Parameter['type'];
  value: string;
  number_value: number | null;
}

/**
 * Parameters keep their type, their text view in `value` and their numeric view in
 * `number_value` (see migration 3), so a search compares numbers as numbers, whoever logged them.
 */
export class SqliteParameterRepository implements ParameterRepository {
  private readonly requireRun: (runId: string) => void;
  private readonly held: Statement;
  private readonly forRuns: Statement;
  private readonly insert: (runId: string, parameter: Parameter) => void;
  private readonly counts: Statement;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.requireRun = requireRun(c);
    this.held = c.prepare('SELECT * FROM parameters WHERE run_id = ? AND key IN (SELECT value FROM json_each(?))');
    // Raw rows: run views read thousands of parameters per page, and row objects cost 3x more.
    this.forRuns = c
      .prepare('SELECT run_id, key, type, value, number_value FROM parameters WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key')
      .raw(true);
    this.insert = insertParameter(c);
    // The runs an experiment's views count (domain/experiment-view.ts): those in the experiment's
    // own lifecycle stage, compared in this one statement so the stage and the counts agree.
    this.counts = c.prepare(
      `SELECT p.key, p.type, p.value, p.number_value, count(*) AS runs
       FROM experiments AS e
       JOIN runs AS r ON r.experiment_id = e.id AND r.lifecycle_stage = e.lifecycle_stage
       JOIN parameters AS p ON p.run_id = r.id
       WHERE e.id = ? GROUP BY p.key, p.type, p.value`,
    );
  }

  add(runId: string, parameters: readonly Parameter[]): Promise<number> {
    return this.db.write(() => {
      this.requireRun(runId);
      const rows = this.held.all(runId, JSON.stringify(parameters.map((p) => p.key))) as ParameterRow[];
      const fresh = newParametersOnly(new Map(rows.map((row) => [row.key, parameterFromRow(row.key, row.type, row.value, row.number_value)])), parameters);
      for (const parameter of fresh) this.insert(runId, parameter);
      return fresh.length;
    });
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Parameter[]>> {
    return this.db.read(() => {
      const result = new Map<string, Parameter[]>(runIds.map((id) => [id, []]));
      type Raw = [string, string, Parameter['type'], string, number | null];
      for (const [runId, key, type, value, numberValue] of this.forRuns.all(JSON.stringify(runIds)) as Raw[]) {
        result.get(runId)?.push(parameterFromRow(key, type, value, numberValue));
      }
      return result;
    });
  }

  async valueCounts(experimentId: string): Promise<ParameterValueCount[]> {
    return this.db.read(() =>
      (this.counts.all(experimentId) as (Omit<ParameterRow, 'run_id'> & { runs: number })[]).map((row) => ({
        key: row.key,
        value: parameterFromRow(row.key, row.type, row.value, row.number_value).value,
        runs: row.runs,
      })),
    );
  }
}

/** The one way a parameter row is written (also used when a run is created with its parameters). */
export function insertParameter(connection: Database): (runId: string, parameter: Parameter) => void {
  const statement = connection.prepare('INSERT INTO parameters (run_id, key, type, value, number_value) VALUES (?, ?, ?, ?, ?)');
  return (runId, { key, type, value }) => {
    statement.run(runId, key, type, textView(value), numericView(value));
  };
}
