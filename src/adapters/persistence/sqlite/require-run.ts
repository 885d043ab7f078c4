import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../../domain/errors.js';

/** A check every write under a run starts with: throws NotFoundError when the run does not exist. */
export function requireRun(connection: Database): (runId: string) => void {
  const exists = connection.prepare('SELECT 1 FROM runs WHERE id = ?').pluck();
  return (runId) => {
    if (exists.get(runId) === undefined) throw new NotFoundError('run', runId);
  };
}
