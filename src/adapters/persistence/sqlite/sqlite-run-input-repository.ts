import type { Statement } from 'better-sqlite3';
import type { RunInputRepository } from '../../../application/ports/run-input-repository.js';
import type { DatasetInput } from '../../../domain/run-input.js';
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteRunInputRepository implements RunInputRepository {
  private readonly insert: Statement;
  private readonly select: Statement;
  private readonly requireRun: (runId: string) => void;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    // The position continues after the run's last one; a (name, digest) already held is ignored.
    this.insert = c.prepare(
      `INSERT INTO run_inputs (run_id, name, digest, position, document)
       VALUES (@runId, @name, @digest, (SELECT COALESCE(MAX(position), -1) + 1 FROM run_inputs WHERE run_id = @runId), @document)
       ON CONFLICT (run_id, name, digest) DO NOTHING`,
    );
    this.select = c.prepare('SELECT run_id, document FROM run_inputs WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, position');
    this.requireRun = requireRun(c);
  }

  add(runId: string, inputs: readonly DatasetInput[]): Promise<void> {
    return this.db.write(() => {
      this.requireRun(runId);
      for (const input of inputs) this.insert.run({ runId, name: input.name, digest: input.digest, document: JSON.stringify(input) });
    });
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, DatasetInput[]>> {
    return this.db.read(() => {
      const byRun = new Map<string, DatasetInput[]>(runIds.map((id) => [id, []]));
      for (const { run_id, document } of this.select.all(JSON.stringify(runIds)) as { run_id: string; document: string }[]) {
        // JSON.parse defines keys (a tag named __proto__ stays a plain key).
        byRun.get(run_id)?.push(JSON.parse(document) as DatasetInput);
      }
      return byRun;
    });
  }
}
