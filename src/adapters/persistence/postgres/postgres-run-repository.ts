import pg from 'pg';
import type { RunRepository } from '../../../application/ports/run-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { LifecycleStage } from '../../../domain/experiment.js';
import type { Parameter } from '../../../domain/parameter.js';
import { assertExperimentTakesRuns, changedRun, type Run } from '../../../domain/run.js';
import type { PostgresDatabase } from './postgres-database.js';
import { insertParameters } from './postgres-parameter-repository.js';
import { RUN_COLUMNS, RUN_TAGS, runWithTagsFromRow, type RunWithTagsRow } from './postgres-run-rows.js';
import { storable, storableOnly } from './postgres-text.js';

const NEWEST_FIRST = 'ORDER BY r.started_at DESC, r.id DESC';

/**
 * Runs and their tags. One statement creates a run with its tags: it locks and reads the
 * experiment on the way (see create), and a missing parent is told from the violated foreign key
 * rather than a read before every write.
 */
export class PostgresRunRepository implements RunRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async create(run: Run, parameters: readonly Parameter[]): Promise<void> {
    if (!storable(run.experimentId)) throw new NotFoundError('experiment', run.experimentId);
    if (run.parentRunId !== undefined && !storable(run.parentRunId)) throw new NotFoundError('run', run.parentRunId);
    const tags = Object.entries(run.tags);
    return this.db.write(async (sql) => {
      // The experiment is locked FOR SHARE before the run is inserted (experiment, then run, as
      // every writer locks them), so its stage cannot change until this commits, and is read
      // through the lock: a deletion under way on any server is waited for and its result seen.
      // An active run is inserted only into an active experiment; so a run is either refused or
      // there when the deletion moves the experiment's runs to the trash, never left active in a
      // deleted experiment. No row for the experiment means it does not exist.
      const { rows } = await missingParent(
        sql.query<{ experiment_stage: LifecycleStage | null }>(
          `WITH experiment AS (
             SELECT id, lifecycle_stage FROM experiments WHERE id = $2 FOR SHARE
           ), run AS (
             INSERT INTO runs (id, experiment_id, name, status, parent_run_id, created_by, started_at, completed_at, lifecycle_stage, deleted_by)
             SELECT $1, experiment.id, $3, $4, $5, $6, $7::bigint, $8::bigint, $9::text, $12 FROM experiment
             WHERE experiment.lifecycle_stage = 'active' OR $9::text <> 'active'
             RETURNING id
           ), tags AS (
             INSERT INTO run_tags (run_id, key, value)
             SELECT run.id, t.key, t.value FROM run, unnest($10::text[], $11::text[]) AS t(key, value)
           )
           SELECT (SELECT lifecycle_stage FROM experiment) AS experiment_stage`,
          [
            run.id,
            run.experimentId,
            run.name ?? null,
            run.status,
            run.parentRunId ?? null,
            run.createdBy,
            run.startedAt,
            run.completedAt ?? null,
            run.lifecycleStage,
            tags.map(([key]) => key),
            tags.map(([, value]) => value),
            run.deletedBy ?? null,
          ],
        ),
        run,
      );
      const stage = rows[0]?.experiment_stage ?? null;
      if (stage === null) throw new NotFoundError('experiment', run.experimentId);
      if (run.lifecycleStage === 'active') assertExperimentTakesRuns(run.experimentId, stage);
      if (parameters.length > 0) await insertParameters(sql, run.id, parameters);
    });
  }

  async get(id: string): Promise<Run> {
    if (!storable(id)) throw new NotFoundError('run', id);
    const [run] = await this.select('WHERE r.id = $1', [id]);
    if (!run) throw new NotFoundError('run', id);
    return run;
  }

  async getMany(ids: readonly string[]): Promise<Run[]> {
    const wanted = storableOnly([...new Set(ids)]);
    if (wanted.length === 0) return [];
    const byId = new Map((await this.select('WHERE r.id = ANY($1::text[])', [wanted])).map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async listAllByExperiments(experimentIds: readonly string[]): Promise<Run[]> {
    const wanted = storableOnly([...new Set(experimentIds)]);
    if (wanted.length === 0) return [];
    const { rows } = await this.db.read((sql) =>
      sql.query<RunWithTagsRow>(
        `SELECT ${RUN_COLUMNS}
         FROM unnest($1::text[]) WITH ORDINALITY AS wanted(id, n)
         JOIN runs r ON r.experiment_id = wanted.id ${RUN_TAGS}
         ORDER BY wanted.n, r.started_at DESC, r.id DESC`,
        [wanted],
      ),
    );
    return rows.map(runWithTagsFromRow);
  }

  async listChildren(parentRunId: string): Promise<Run[]> {
    if (!storable(parentRunId)) return [];
    return this.select(`WHERE r.parent_run_id = $1 ${NEWEST_FIRST}`, [parentRunId]);
  }

  async update(id: string, change: (current: Run, experiment: { lifecycleStage: LifecycleStage }) => Run): Promise<Run> {
    if (!storable(id)) throw new NotFoundError('run', id);
    return this.db.write(async (sql) => {
      // The experiment is locked FOR SHARE before the run (the lock order is experiment, then
      // run): its stage cannot change until this commits, so a run is never restored into an
      // experiment being deleted. The run is locked FOR NO KEY UPDATE, which serialises changes
      // of it on every server without blocking writes under it (parameters, metrics, artifacts
      // take FOR KEY SHARE through their foreign keys). Both are read by the next statement: under
      // read committed its snapshot starts after the locks are held, so it sees the run's tags as
      // the change it may have waited for left them (a locking read refreshes only locked rows).
      const locked = await sql.query(
        `WITH experiment AS (
           SELECT id FROM experiments WHERE id = (SELECT experiment_id FROM runs WHERE id = $1) FOR SHARE
         )
         SELECT 1 FROM runs r JOIN experiment ON experiment.id = r.experiment_id WHERE r.id = $1 FOR NO KEY UPDATE OF r`,
        [id],
      );
      if (locked.rows.length === 0) throw new NotFoundError('run', id);
      const { rows } = await sql.query<RunWithTagsRow & { experiment_stage: LifecycleStage }>(
        `SELECT ${RUN_COLUMNS}, e.lifecycle_stage AS experiment_stage
         FROM runs r JOIN experiments e ON e.id = r.experiment_id ${RUN_TAGS} WHERE r.id = $1`,
        [id],
      );
      const row = rows[0] as RunWithTagsRow & { experiment_stage: LifecycleStage };
      const current = runWithTagsFromRow(row);
      const next = changedRun(current, change(structuredClone(current), { lifecycleStage: row.experiment_stage }));
      if (next.parentRunId !== undefined && !storable(next.parentRunId)) throw new NotFoundError('run', next.parentRunId);
      // Only the tags that changed are written. A new parent is checked by its foreign key.
      const removed = Object.keys(current.tags).filter((key) => !Object.hasOwn(next.tags, key));
      const written = Object.entries(next.tags).filter(([key, value]) => !Object.hasOwn(current.tags, key) || current.tags[key] !== value);
      await missingParent(
        sql.query(
          `WITH removed AS (
             DELETE FROM run_tags WHERE run_id = $1 AND key = ANY($7::text[])
           ), written AS (
             INSERT INTO run_tags (run_id, key, value)
             SELECT $1, t.key, t.value FROM unnest($8::text[], $9::text[]) AS t(key, value)
             ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value
           )
           UPDATE runs SET name = $2, status = $3, completed_at = $4, lifecycle_stage = $5, parent_run_id = $6, deleted_by = $10 WHERE id = $1`,
          [
            id,
            next.name ?? null,
            next.status,
            next.completedAt ?? null,
            next.lifecycleStage,
            next.parentRunId ?? null,
            removed,
            written.map(([key]) => key),
            written.map(([, value]) => value),
            next.deletedBy ?? null,
          ],
        ),
        next,
      );
      return next;
    });
  }

  async delete(id: string): Promise<string[]> {
    if (!storable(id)) throw new NotFoundError('run', id);
    return this.db.write(async (sql) => {
      // Locking the run first waits for the writes under it in flight (they hold FOR KEY SHARE
      // on it) and keeps new ones out, so the next statement, with a snapshot of its own, reads
      // every artifact that goes with the run.
      const locked = await sql.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [id]);
      if (locked.rows.length === 0) throw new NotFoundError('run', id);
      // Tags, parameters, metrics, inputs and artifacts go by cascade; children keep living
      // without a parent (ON DELETE SET NULL).
      const { rows } = await sql.query<{ blob_key: string }>(
        `WITH gone AS (DELETE FROM runs WHERE id = $1)
         SELECT blob_key FROM artifacts WHERE run_id = $1`,
        [id],
      );
      return rows.map((row) => row.blob_key);
    });
  }

  private async select(where: string, values: unknown[]): Promise<Run[]> {
    const { rows } = await this.db.read((sql) => sql.query<RunWithTagsRow>(`SELECT ${RUN_COLUMNS} FROM runs r ${RUN_TAGS} ${where}`, values));
    return rows.map(runWithTagsFromRow);
  }
}

/**
 * Waits for a statement writing a run, and turns a violated parent reference into the
 * NotFoundError it means: the parent run does not exist.
 */
async function missingParent<T>(statement: Promise<T>, run: Run): Promise<T> {
  try {
    return await statement;
  } catch (error) {
    if (error instanceof pg.DatabaseError && error.code === '23503' && error.constraint === 'runs_parent_run_id_fkey' && run.parentRunId !== undefined) {
      throw new NotFoundError('run', run.parentRunId);
    }
    throw error;
  }
}
