import type { Statement } from 'better-sqlite3';
import type { ExperimentListQuery, ExperimentRepository } from '../../../application/ports/experiment-repository.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import type { Experiment, ExperimentSummary } from '../../../domain/experiment.js';
import { deletedByOfMovedRuns } from '../../../domain/run.js';
import { defineEntry, EXPERIMENT_ORDER_COLUMNS, experimentFromRow, type ExperimentRow } from '../shared/rows.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteExperimentRepository implements ExperimentRepository {
  private readonly insert: Statement;
  private readonly selectOne: Statement;
  private readonly selectMany: Statement;
  private readonly selectNamed: Statement;
  private readonly selectTags: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTags: Statement;
  private readonly selectProperties: Statement;
  private readonly insertProperty: Statement;
  private readonly deleteProperties: Statement;
  private readonly updateRow: Statement;
  private readonly moveRuns: Statement;
  private readonly activeNamed: Statement;
  private readonly blobKeys: Statement;
  private readonly deleteOne: Statement;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.insert = c.prepare(
      `INSERT INTO experiments (id, name, description, created_by, created_at, updated_at, lifecycle_stage, deleted_by)
       VALUES (@id, @name, @description, @createdBy, @createdAt, @updatedAt, @lifecycleStage, @deletedBy)`,
    );
    this.selectOne = c.prepare('SELECT * FROM experiments WHERE id = ?');
    this.selectMany = c.prepare('SELECT * FROM experiments WHERE id IN (SELECT value FROM json_each(?))');
    this.selectNamed = c.prepare(
      "SELECT * FROM experiments WHERE name = ? ORDER BY lifecycle_stage = 'active' DESC, updated_at DESC, id DESC LIMIT 1",
    );
    this.selectTags = c.prepare(
      'SELECT experiment_id, tag FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY experiment_id, position',
    );
    this.insertTag = c.prepare('INSERT INTO experiment_tags (experiment_id, tag, position) VALUES (?, ?, ?)');
    this.deleteTags = c.prepare('DELETE FROM experiment_tags WHERE experiment_id = ?');
    this.selectProperties = c.prepare(
      'SELECT experiment_id, key, value FROM experiment_properties WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY experiment_id, key',
    );
    this.insertProperty = c.prepare('INSERT INTO experiment_properties (experiment_id, key, value) VALUES (?, ?, ?)');
    this.deleteProperties = c.prepare('DELETE FROM experiment_properties WHERE experiment_id = ?');
    this.updateRow = c.prepare(
      `UPDATE experiments SET name = @name, description = @description, updated_at = @updatedAt,
       lifecycle_stage = @lifecycleStage, deleted_by = @deletedBy WHERE id = @id`,
    );
    // Only the runs whose stage changes: a run already in the trash keeps who put it there.
    this.moveRuns = c.prepare('UPDATE runs SET lifecycle_stage = ?, deleted_by = ? WHERE experiment_id = ? AND lifecycle_stage <> ?');
    this.activeNamed = c.prepare("SELECT id FROM experiments WHERE name = ? AND lifecycle_stage = 'active' AND id <> ?").pluck();
    this.blobKeys = c.prepare('SELECT blob_key FROM artifacts WHERE experiment_id = ?').pluck();
    this.deleteOne = c.prepare('DELETE FROM experiments WHERE id = ?');
  }

  create(experiment: Experiment): Promise<void> {
    return this.db.write(() => {
      this.assertNameFree(experiment);
      if (this.selectOne.get(experiment.id) !== undefined) throw new AlreadyExistsError(`an experiment with id '${experiment.id}' already exists`);
      this.insert.run(toRow(experiment));
      this.writeTags(experiment);
    });
  }

  async get(id: string): Promise<Experiment> {
    return this.db.read(() => this.find(id));
  }

  async findByName(name: string): Promise<Experiment | undefined> {
    return this.db.read(() => {
      const row = this.selectNamed.get(name) as ExperimentRow | undefined;
      return row ? this.withTags([row])[0] : undefined;
    });
  }

  async getMany(ids: readonly string[]): Promise<Experiment[]> {
    return this.db.read(() => {
      const found = this.withTags(this.selectMany.all(JSON.stringify(ids)) as ExperimentRow[]);
      const byId = new Map(found.map((e) => [e.id, e]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    });
  }

  async list({ filter, order, page }: ExperimentListQuery): Promise<ExperimentSummary[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ids) {
      // By primary key: the light read of one experiment's summary goes through here.
      where.push('e.id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.ids));
    }
    if (filter.lifecycle !== 'all') {
      where.push('e.lifecycle_stage = ?');
      params.push(filter.lifecycle);
    }
    if (filter.allTags?.length) {
      const tags = [...new Set(filter.allTags)];
      where.push(
        `(SELECT COUNT(*) FROM experiment_tags t WHERE t.experiment_id = e.id AND t.tag IN (SELECT value FROM json_each(?))) = ?`,
      );
      params.push(JSON.stringify(tags), tags.length);
    }
    if (filter.anyTags?.length) {
      where.push('EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.id AND t.tag IN (SELECT value FROM json_each(?)))');
      params.push(JSON.stringify(filter.anyTags));
    }
    if (filter.nameContains) {
      where.push('fathom_icontains(e.name, ?)');
      params.push(filter.nameContains);
    }
    const equal = (column: string, value: unknown): void => {
      where.push(`e.${column} = ?`);
      params.push(value);
    };
    if (filter.createdBy !== undefined) equal('created_by', filter.createdBy);
    const bound = (column: string, operator: '>' | '<', value: number | undefined): void => {
      if (value === undefined) return;
      where.push(`e.${column} ${operator} ?`);
      params.push(value);
    };
    bound('created_at', '>', filter.createdAfter);
    bound('created_at', '<', filter.createdBefore);
    bound('updated_at', '>', filter.updatedAfter);
    bound('updated_at', '<', filter.updatedBefore);
    const column = EXPERIMENT_ORDER_COLUMNS[order.field];
    const direction = order.descending ? 'DESC' : 'ASC';
    if (page.after) {
      where.push(`(e.${column}, e.id) ${order.descending ? '<' : '>'} (?, ?)`);
      params.push(page.after.value, page.after.id);
    }
    const sql = `SELECT e.*, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count
      FROM experiments e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.${column} ${direction}, e.id ${direction} LIMIT ?`;
    params.push(page.limit);
    return this.db.read(() => {
      const rows = this.db.connection.prepare(sql).all(...params) as (ExperimentRow & { run_count: number })[];
      const counts = new Map(rows.map((row) => [row.id, row.run_count]));
      return this.withTags(rows).map((e) => ({ ...e, runCount: counts.get(e.id) ?? 0 }));
    });
  }

  update(id: string, change: (current: Experiment) => Experiment): Promise<Experiment> {
    return this.db.write(() => {
      const current = this.find(id);
      const next = { ...change(structuredClone(current)), id };
      this.assertNameFree(next);
      this.updateRow.run(toRow(next));
      this.deleteTags.run(id);
      this.deleteProperties.run(id);
      this.writeTags(next);
      if (next.lifecycleStage !== current.lifecycleStage) {
        this.moveRuns.run(next.lifecycleStage, deletedByOfMovedRuns(next) ?? null, id, next.lifecycleStage);
      }
      return next;
    });
  }

  purge(id: string): Promise<string[]> {
    return this.db.write(() => {
      this.find(id);
      const keys = this.blobKeys.all(id) as string[];
      // Runs, their tags, parameters, metric series (and, by trigger, points) and artifacts
      // go by cascade.
      this.deleteOne.run(id);
      return keys;
    });
  }

  private find(id: string): Experiment {
    const row = this.selectOne.get(id) as ExperimentRow | undefined;
    if (!row) throw new NotFoundError('experiment', id);
    return this.withTags([row])[0] as Experiment;
  }

  /** Completes rows with their tags and properties: two queries however many rows. */
  private withTags(rows: ExperimentRow[]): Experiment[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const tags = new Map<string, string[]>(rows.map((row) => [row.id, []]));
    for (const { experiment_id, tag } of this.selectTags.all(ids) as { experiment_id: string; tag: string }[]) {
      tags.get(experiment_id)?.push(tag);
    }
    const properties = new Map<string, Record<string, string>>(rows.map((row) => [row.id, {}]));
    for (const { experiment_id, key, value } of this.selectProperties.all(ids) as { experiment_id: string; key: string; value: string }[]) {
      const held = properties.get(experiment_id);
      if (held) defineEntry(held, key, value);
    }
    return rows.map((row) => experimentFromRow(row, tags.get(row.id) ?? [], properties.get(row.id) ?? {}));
  }

  /** Writes tags and properties of a new or just-cleared experiment. */
  private writeTags(experiment: Experiment): void {
    experiment.tags.forEach((tag, position) => this.insertTag.run(experiment.id, tag, position));
    for (const [key, value] of Object.entries(experiment.properties)) this.insertProperty.run(experiment.id, key, value);
  }

  private assertNameFree(experiment: Experiment): void {
    if (experiment.lifecycleStage !== 'active') return;
    if (this.activeNamed.get(experiment.name, experiment.id) !== undefined) {
      throw new AlreadyExistsError(`an active experiment is already named '${experiment.name}'`);
    }
  }
}

function toRow(e: Experiment) {
  return {
    id: e.id,
    name: e.name,
    description: e.description ?? null,
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    lifecycleStage: e.lifecycleStage,
    deletedBy: e.deletedBy ?? null,
  };
}
