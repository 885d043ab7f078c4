import type { RunInputRepository } from '../../../application/ports/run-input-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { DatasetInput } from '../../../domain/run-input.js';
import type { PostgresDatabase } from './postgres-database.js';
import { storable, storableOnly } from './postgres-text.js';

/** Datasets as JSON documents, one row per (run, name, digest), listed by position. */
export class PostgresRunInputRepository implements RunInputRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async add(runId: string, inputs: readonly DatasetInput[]): Promise<void> {
    if (!storable(runId)) throw new NotFoundError('run', runId);
    // The first of each (name, digest) in the call; the store keeps the first it holds.
    const firsts = new Map<string, DatasetInput>();
    for (const input of inputs) {
      const key = JSON.stringify([input.name, input.digest]);
      if (!firsts.has(key)) firsts.set(key, input);
    }
    // Inserted in (name, digest) order, whatever the caller's, so two adds sharing datasets wait
    // for each other's rows in one order and never deadlock; each keeps its place in the call
    // (n), which is the order listed.
    const fresh = [...firsts.values()].map((input, i) => ({ input, n: i + 1 })).sort((a, b) => byNameAndDigest(a.input, b.input));
    return this.db.write(async (sql) => {
      // Positions continue after the run's last one. Two concurrent adds to one run may number
      // theirs alike; neither came first then, and listing breaks the tie by name and digest.
      // The run is locked FOR KEY SHARE (as the foreign key would) so it stays until the commit,
      // and its absence reads as found = false.
      const { rows } = await sql.query<{ found: boolean }>(
        `WITH run AS (SELECT id FROM runs WHERE id = $1 FOR KEY SHARE),
         added AS (
           INSERT INTO run_inputs (run_id, name, digest, position, document)
           SELECT run.id, i.name, i.digest, last.position + i.n, i.document
           FROM run,
             (SELECT coalesce(max(position), -1) AS position FROM run_inputs WHERE run_id = $1) AS last,
             unnest($2::text[], $3::text[], $4::text[], $5::int[]) AS i(name, digest, document, n)
           ON CONFLICT (run_id, name, digest) DO NOTHING
         )
         SELECT EXISTS (SELECT 1 FROM run) AS found`,
        [runId, fresh.map((f) => f.input.name), fresh.map((f) => f.input.digest), fresh.map((f) => JSON.stringify(f.input)), fresh.map((f) => f.n)],
      );
      if (!rows[0]?.found) throw new NotFoundError('run', runId);
    });
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, DatasetInput[]>> {
    const byRun = new Map<string, DatasetInput[]>(runIds.map((id) => [id, []]));
    const wanted = storableOnly([...byRun.keys()]);
    if (wanted.length === 0) return byRun;
    const { rows } = await this.db.read((sql) =>
      sql.query<{ run_id: string; document: string }>(
        'SELECT run_id, document FROM run_inputs WHERE run_id = ANY($1::text[]) ORDER BY run_id, position, name, digest',
        [wanted],
      ),
    );
    // JSON.parse defines keys (a tag named __proto__ stays a plain key).
    for (const { run_id, document } of rows) byRun.get(run_id)?.push(JSON.parse(document) as DatasetInput);
    return byRun;
  }
}

/** By name, then digest, in code unit order: any one order all adds share does. */
function byNameAndDigest(a: DatasetInput, b: DatasetInput): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}
