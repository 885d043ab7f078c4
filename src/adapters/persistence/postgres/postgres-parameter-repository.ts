import type { ParameterRepository } from '../../../application/ports/parameter-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import { newParametersOnly, type Parameter } from '../../../domain/parameter.js';
import type { ParameterValueCount } from '../../../domain/parameter-space.js';
import { numericView, textView } from '../../../domain/search/values.js';
import { parameterFromRow } from '../shared/rows.js';
import { numbers } from './postgres-arrays.js';
import type { PostgresDatabase, Sql } from './postgres-database.js';

type ParameterTuple = [key: string, type: Parameter['type'], value: string, numberValue: number | null];

/**
 * Parameters keep their type, their text view in `value` and their numeric view in
 * `number_value`, so a search compares numbers as numbers, whoever logged them. Write-once rests
 * on the primary key (run_id, key), so it holds across servers; see `insertParameters`.
 */
export class PostgresParameterRepository implements ParameterRepository {
  constructor(private readonly db: PostgresDatabase) {}

  add(runId: string, parameters: readonly Parameter[]): Promise<number> {
    return this.db.write((sql) => insertParameters(sql, runId, parameters));
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, Parameter[]>> {
    const result = new Map<string, Parameter[]>(runIds.map((id) => [id, []]));
    if (result.size === 0) return result;
    // Array rows: run views read thousands of parameters per page, and row objects cost more.
    const { rows } = await this.db.read((sql) =>
      sql.query<[string, ...ParameterTuple]>({
        text: 'SELECT run_id, key, type, value, number_value FROM parameters WHERE run_id = ANY($1::text[]) ORDER BY run_id, key',
        values: [[...result.keys()]],
        rowMode: 'array',
      }),
    );
    for (const [runId, ...parameter] of rows) result.get(runId)?.push(parameterFromRow(...parameter));
    return result;
  }

  async valueCounts(experimentId: string): Promise<ParameterValueCount[]> {
    // The runs an experiment's views count (domain/experiment-view.ts): those in the experiment's
    // own lifecycle stage, compared in this one statement so the stage and the counts agree.
    const { rows } = await this.db.read((sql) =>
      sql.query<[...ParameterTuple, number]>({
        text: `SELECT p.key, p.type, p.value, p.number_value, count(*) AS runs
          FROM experiments AS e
          JOIN runs AS r ON r.experiment_id = e.id AND r.lifecycle_stage = e.lifecycle_stage
          JOIN parameters AS p ON p.run_id = r.id
          WHERE e.id = $1 GROUP BY p.key, p.type, p.value, p.number_value`,
        values: [experimentId],
        rowMode: 'array',
      }),
    );
    return rows.map(([key, type, value, numberValue, runs]) => ({ key, value: parameterFromRow(key, type, value, numberValue).value, runs }));
  }
}

/**
 * Adds parameters to a run inside the caller's transaction, write-once: the one way parameter
 * rows are written (also when a run is created with its parameters).
 *
 * Every row is inserted with ON CONFLICT DO NOTHING, and only the keys it did not insert are read
 * back and compared. That read is a statement of its own, so under read committed it sees a value
 * another transaction committed while the insert waited for it (the insert of a key another
 * transaction holds uncommitted waits for that one to end): of concurrent adds of one key with
 * different values, on any servers, exactly one is stored and the others get a ConflictError,
 * which rolls back their whole batch. Keys are inserted in sorted order, so two batches sharing
 * keys wait for each other in one order instead of deadlocking.
 * @returns how many parameters were new.
 * @throws NotFoundError when the run does not exist; ConflictError naming the key and both values.
 */
export async function insertParameters(sql: Sql, runId: string, parameters: readonly Parameter[]): Promise<number> {
  const sorted = [...parameters].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // The run is locked FOR KEY SHARE (what the foreign key takes anyway) so it cannot go before
  // this transaction ends, and its absence is told apart from a batch that added nothing.
  const { rows } = await sql.query<{ found: boolean; added: string[] }>(
    `WITH run AS (SELECT id FROM runs WHERE id = $1 FOR KEY SHARE),
     added AS (
       INSERT INTO parameters (run_id, key, type, value, number_value)
       SELECT run.id, p.key, p.type, p.value, p.number_value
       FROM run, unnest($2::text[], $3::text[], $4::text[], $5::float8[]) AS p(key, type, value, number_value)
       ON CONFLICT (run_id, key) DO NOTHING
       RETURNING key
     )
     SELECT EXISTS (SELECT 1 FROM run) AS found, ARRAY(SELECT key FROM added) AS added`,
    [
      runId,
      sorted.map((p) => p.key),
      sorted.map((p) => p.type),
      sorted.map((p) => textView(p.value)),
      // As array text of our own: pg's would store -0 as 0.
      numbers(sorted.map((p) => numericView(p.value))),
    ],
  );
  const { found, added } = rows[0] as { found: boolean; added: string[] };
  if (!found) throw new NotFoundError('run', runId);
  const inserted = new Set(added);
  // In the caller's order, so the conflict named is the first of the batch, as in every store.
  const held = parameters.filter((p) => !inserted.has(p.key));
  if (held.length > 0) {
    const current = await sql.query<ParameterTuple>({
      text: 'SELECT key, type, value, number_value FROM parameters WHERE run_id = $1 AND key = ANY($2::text[])',
      values: [runId, held.map((p) => p.key)],
      rowMode: 'array',
    });
    newParametersOnly(new Map(current.rows.map((row) => [row[0], parameterFromRow(...row)])), held);
  }
  return inserted.size;
}
