import type { Statement } from 'better-sqlite3';
import type { RunRepository } from '../../../application/ports/run-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { Parameter } from '../../../domain/parameter.js';
import type { LifecycleStage } from '../../../domain/experiment.js';
import { assertExperimentTakesRuns, changedRun, type Run } from '../../../domain/run.js';
import { defineEntry, runFromRow, type RunRow } from '../shared/rows.js';
import { insertParameter } from './sqlite-parameter-repository.js';
import { requireRun } from './require-run.js';
import type { SqliteDatabase } from './sqlite-database.js';

const NEWEST_FIRST = 'ORDER BY started_at DESC, id DESC';

export class SqliteRunRepository implements RunRepository {
  private readonly insert: Statement;
  private readonly experimentStage: Statement;
  private readonly requireRun: (runId: string) => void;
  private readonly selectOne: Statement;
  private readonly selectMany: Statement;
  private readonly selectTags: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTags: Statement;
  private readonly allOfExperiments: Statement;
  private readonly children: Statement;
  private readonly updateRow: Statement;
  private readonly blobKeys: Statement;
  private readonly deleteOne: Statement;
  private readonly addParameter: (runId: string, parameter: Parameter) => void;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.insert = c.prepare(
      `INSERT INTO runs (id, experiment_id, name, status, parent_run_id, created_by, started_at, completed_at, lifecycle_stage, deleted_by)
       VALUES (@id, @experimentId, @name, @status, @parentRunId, @createdBy, @startedAt, @completedAt, @lifecycleStage, @deletedBy)`,
    );
    this.experimentStage = c.prepare('SELECT lifecycle_stage FROM experiments WHERE id = ?').pluck();
    this.requireRun = requireRun(c);
    this.selectOne = c.prepare('SELECT * FROM runs WHERE id = ?');
    this.selectMany = c.prepare('SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?))');
    this.selectTags = c.prepare('SELECT run_id, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key');
    this.insertTag = c.prepare('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
    this.deleteTags = c.prepare('DELETE FROM run_tags WHERE run_id = ?');
    this.allOfExperiments = c.prepare(
      `SELECT runs.* FROM json_each(?) AS wanted JOIN runs ON runs.experiment_id = wanted.value
       ORDER BY wanted.key, runs.started_at DESC, runs.id DESC`,
    );
    this.children = c.prepare(`SELECT * FROM runs WHERE parent_run_id = ? ${NEWEST_FIRST}`);
    this.updateRow = c.prepare(
      'UPDATE runs SET name = @name, status = @status, completed_at = @completedAt, lifecycle_stage = @lifecycleStage, parent_run_id = @parentRunId, deleted_by = @deletedBy WHERE id = @id',
    );
    this.blobKeys = c.prepare('SELECT blob_key FROM artifacts WHERE run_id = ?').pluck();
    this.deleteOne = c.prepare('DELETE FROM runs WHERE id = ?');
    this.addParameter = insertParameter(c);
  }

  create(run: Run, parameters: readonly Parameter[]): Promise<void> {
    return this.db.write(() => {
      const stage = this.experimentStage.get(run.experimentId) as LifecycleStage | undefined;
      if (stage === undefined) throw new NotFoundError('experiment', run.experimentId);
      if (run.lifecycleStage === 'active') assertExperimentTakesRuns(run.experimentId, stage);
      if (run.parentRunId !== undefined) this.requireRun(run.parentRunId);
      this.insert.run(toRow(run));
      this.writeTags(run);
      for (const parameter of parameters) this.addParameter(run.id, parameter);
    });
  }

  async get(id: string): Promise<Run> {
    return this.db.read(() => this.find(id));
  }

  async getMany(ids: readonly string[]): Promise<Run[]> {
    return this.db.read(() => {
      const byId = new Map(this.withTags(this.selectMany.all(JSON.stringify(ids)) as RunRow[]).map((r) => [r.id, r]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    });
  }

  async listAllByExperiments(experimentIds: readonly string[]): Promise<Run[]> {
    return this.db.read(() => this.withTags(this.allOfExperiments.all(JSON.stringify([...new Set(experimentIds)])) as RunRow[]));
  }

  async listChildren(parentRunId: string): Promise<Run[]> {
    return this.db.read(() => this.withTags(this.children.all(parentRunId) as RunRow[]));
  }

  update(id: string, change: (current: Run, experiment: { lifecycleStage: LifecycleStage }) => Run): Promise<Run> {
    return this.db.write(() => {
      const current = this.find(id);
      const lifecycleStage = this.experimentStage.get(current.experimentId) as LifecycleStage;
      const next = changedRun(current, change(structuredClone(current), { lifecycleStage }));
      if (next.parentRunId !== undefined && next.parentRunId !== current.parentRunId) this.requireRun(next.parentRunId);
      this.updateRow.run(toRow(next));
      this.deleteTags.run(id);
      this.writeTags(next);
      return next;
    });
  }

  delete(id: string): Promise<string[]> {
    return this.db.write(() => {
      this.find(id);
      const keys = this.blobKeys.all(id) as string[];
      // Tags, parameters, metric series (points by trigger) and artifacts go by cascade;
      // children keep living without a parent (ON DELETE SET NULL).
      this.deleteOne.run(id);
      return keys;
    });
  }

  private find(id: string): Run {
    const row = this.selectOne.get(id) as RunRow | undefined;
    if (!row) throw new NotFoundError('run', id);
    return this.withTags([row])[0] as Run;
  }

  private withTags(rows: RunRow[]): Run[] {
    if (rows.length === 0) return [];
    const tags = new Map<string, Record<string, string>>(rows.map((row) => [row.id, {}]));
    const ids = JSON.stringify([...tags.keys()]);
    for (const { run_id, key, value } of this.selectTags.all(ids) as { run_id: string; key: string; value: string }[]) {
      const held = tags.get(run_id);
      if (held) defineEntry(held, key, value);
    }
    return rows.map((row) => runFromRow(row, tags.get(row.id) ?? {}));
  }

  private writeTags(run: Run): void {
    for (const [key, value] of Object.entries(run.tags)) this.insertTag.run(run.id, key, value);
  }
}

function toRow(run: Run) {
  return {
    id: run.id,
    experimentId: run.experimentId,
    name: run.name ?? null,
    status: run.status,
    parentRunId: run.parentRunId ?? null,
    createdBy: run.createdBy,
    startedAt: run.startedAt,
    completedAt: run.completedAt ?? null,
    lifecycleStage: run.lifecycleStage,
    deletedBy: run.deletedBy ?? null,
  };
}
