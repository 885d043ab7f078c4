import type { ExperimentListQuery, ExperimentRepository } from '../../../application/ports/experiment-repository.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import type { Experiment, ExperimentSummary } from '../../../domain/experiment.js';
import { deletedByOfMovedRuns } from '../../../domain/run.js';
import { entries, EXPERIMENT_ORDER_COLUMNS, experimentFromRow, type ExperimentRow } from '../shared/rows.js';
import type { PostgresDatabase, Sql } from './postgres-database.js';
import { storable, storableOnly } from './postgres-text.js';

/** An experiment's row as EXPERIMENT_COLUMNS read it: with its tags and properties. */
interface ExperimentWithTagsRow extends ExperimentRow {
  tags: string[];
  property_keys: string[];
  property_values: string[];
}

/** An experiment (alias `e`, joined with PROPERTIES) with its tags and properties, in one row. */
const EXPERIMENT_COLUMNS = `e.id, e.name, e.description, e.created_by, e.created_at, e.updated_at, e.lifecycle_stage, e.deleted_by,
  ARRAY(SELECT t.tag FROM experiment_tags t WHERE t.experiment_id = e.id ORDER BY t.position) AS tags,
  ep.keys AS property_keys, ep.values AS property_values`;

/** The properties of experiment `e` as two arrays in key order, for EXPERIMENT_COLUMNS. */
const PROPERTIES = `CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(p.key ORDER BY p.key), '{}') AS keys, coalesce(array_agg(p.value ORDER BY p.key), '{}') AS values
  FROM experiment_properties p WHERE p.experiment_id = e.id
) ep`;

/** Beyond every stored time (safe integers), and exactly a double. */
const BEYOND = 2 ** 53;

/**
 * Experiments, their tags (labels, in order) and properties. Names are unique among active
 * experiments by the partial unique index experiments_active_name, so on every server at once;
 * its violation is the AlreadyExistsError the port promises.
 */
export class PostgresExperimentRepository implements ExperimentRepository {
  constructor(private readonly db: PostgresDatabase) {}

  create(experiment: Experiment): Promise<void> {
    const properties = Object.entries(experiment.properties);
    return this.db.write(
      async (sql) => {
        // One statement: the foreign keys of the tag and property rows are checked at its end,
        // when the experiment row is there.
        await sql.query(
          `WITH experiment AS (
             INSERT INTO experiments (id, name, name_folded, description, created_by, created_at, updated_at, lifecycle_stage, deleted_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $12)
           ), tags AS (
             INSERT INTO experiment_tags (experiment_id, tag, position)
             SELECT $1, t.tag, t.n - 1 FROM unnest($9::text[]) WITH ORDINALITY AS t(tag, n)
           )
           INSERT INTO experiment_properties (experiment_id, key, value)
           SELECT $1, p.key, p.value FROM unnest($10::text[], $11::text[]) AS p(key, value)`,
          [
            experiment.id,
            experiment.name,
            experiment.name.toLowerCase(),
            experiment.description ?? null,
            experiment.createdBy,
            experiment.createdAt,
            experiment.updatedAt,
            experiment.lifecycleStage,
            experiment.tags,
            properties.map(([key]) => key),
            properties.map(([, value]) => value),
            experiment.deletedBy ?? null,
          ],
        );
      },
      {
        uniqueViolations: {
          experiments_active_name: () => nameTaken(experiment.name),
          experiments_pkey: () => new AlreadyExistsError(`an experiment with id '${experiment.id}' already exists`),
        },
      },
    );
  }

  async get(id: string): Promise<Experiment> {
    if (!storable(id)) throw new NotFoundError('experiment', id);
    return this.db.read((sql) => find(sql, id));
  }

  async findByName(name: string): Promise<Experiment | undefined> {
    if (!storable(name)) return undefined;
    const [found] = await this.select(
      "WHERE e.name = $1 ORDER BY e.lifecycle_stage = 'active' DESC, e.updated_at DESC, e.id DESC LIMIT 1",
      [name],
    );
    return found;
  }

  async getMany(ids: readonly string[]): Promise<Experiment[]> {
    const wanted = storableOnly([...new Set(ids)]);
    if (wanted.length === 0) return [];
    const byId = new Map((await this.select('WHERE e.id = ANY($1::text[])', [wanted])).map((e) => [e.id, e]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async list({ filter, order, page }: ExperimentListQuery): Promise<ExperimentSummary[]> {
    // Text no experiment holds: a required name part, creator or tag matches none, and a tag
    // that any one of several may carry is left out of them.
    const anyTags = filter.anyTags && storableOnly(filter.anyTags);
    const ids = filter.ids && storableOnly([...new Set(filter.ids)]);
    const unmatchable = [filter.nameContains ?? '', filter.createdBy ?? '', ...(filter.allTags ?? [])].some((text) => !storable(text));
    if (unmatchable || (filter.anyTags?.length && anyTags?.length === 0) || ids?.length === 0) return [];
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const where: string[] = [];
    // By primary key: the light read of one experiment's summary goes through here.
    if (ids) where.push(`e.id = ANY(${bind(ids)}::text[])`);
    if (filter.lifecycle !== 'all') where.push(`e.lifecycle_stage = ${bind(filter.lifecycle)}`);
    if (filter.allTags?.length) {
      const tags = [...new Set(filter.allTags)];
      where.push(`(SELECT count(*) FROM experiment_tags t WHERE t.experiment_id = e.id AND t.tag = ANY(${bind(tags)}::text[])) = ${bind(tags.length)}`);
    }
    if (anyTags?.length) {
      where.push(`EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.id AND t.tag = ANY(${bind(anyTags)}::text[]))`);
    }
    // A substring of the folded name (see the migration): strpos has no wildcards.
    if (filter.nameContains) where.push(`strpos(e.name_folded, ${bind(filter.nameContains.toLowerCase())}) > 0`);
    if (filter.createdBy !== undefined) where.push(`e.created_by = ${bind(filter.createdBy)}`);
    const bound = (column: string, operator: '>' | '<', value: number | undefined): void => {
      if (value !== undefined) where.push(`e.${column} ${operator} ${bind(wholeBound(value, operator))}`);
    };
    bound('created_at', '>', filter.createdAfter);
    bound('created_at', '<', filter.createdBefore);
    bound('updated_at', '>', filter.updatedAfter);
    bound('updated_at', '<', filter.updatedBefore);
    const column = EXPERIMENT_ORDER_COLUMNS[order.field];
    const direction = order.descending ? 'DESC' : 'ASC';
    if (page.after) {
      const operator = order.descending ? '<' : '>';
      const { value, id } = page.after;
      // A time that is no whole number equals no stored one: the rows past it are those past its bound.
      if (typeof value === 'number' && order.field !== 'name' && !Number.isSafeInteger(value)) bound(column, operator, value);
      else where.push(`(e.${column}, e.id) ${operator} (${bind(value)}, ${bind(id)})`);
    }
    const ordering = `ORDER BY e.${column} ${direction}, e.id ${direction}`;
    // The page is chosen first, so tags, properties and run counts are read for its rows only.
    const { rows } = await this.db.read((sql) =>
      sql.query<ExperimentWithTagsRow & { run_count: number }>(
        `SELECT ${EXPERIMENT_COLUMNS}, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count
         FROM (SELECT * FROM experiments e ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${ordering} LIMIT ${bind(page.limit)}) e ${PROPERTIES}
         ${ordering}`,
        values,
      ),
    );
    return rows.map((row) => ({ ...fromRow(row), runCount: row.run_count }));
  }

  async update(id: string, change: (current: Experiment) => Experiment): Promise<Experiment> {
    if (!storable(id)) throw new NotFoundError('experiment', id);
    let name = '';
    return this.db.write(
      async (sql) => {
        // Locked first, read after: the read's snapshot (read committed) then starts after the
        // change this one may have waited for, tags and properties included.
        const locked = await sql.query('SELECT 1 FROM experiments WHERE id = $1 FOR UPDATE', [id]);
        if (locked.rows.length === 0) throw new NotFoundError('experiment', id);
        const current = await find(sql, id);
        const next = { ...change(structuredClone(current)), id };
        name = next.name;
        // Tags are few (at most 64) and ordered: all are written. Properties may be many and
        // long: only those that changed are.
        const removed = Object.keys(current.properties).filter((key) => !Object.hasOwn(next.properties, key));
        const written = Object.entries(next.properties).filter(
          ([key, value]) => !Object.hasOwn(current.properties, key) || current.properties[key] !== value,
        );
        // Moving the experiment moves every run of it not already there (a run in the trash keeps who
        // put it there); a run moved alone stays where it is otherwise.
        await sql.query(
          `WITH tags_removed AS (
             DELETE FROM experiment_tags WHERE experiment_id = $1 AND tag <> ALL($7::text[])
           ), tags_written AS (
             INSERT INTO experiment_tags (experiment_id, tag, position)
             SELECT $1, t.tag, t.n - 1 FROM unnest($7::text[]) WITH ORDINALITY AS t(tag, n)
             ON CONFLICT (experiment_id, tag) DO UPDATE SET position = EXCLUDED.position
             WHERE experiment_tags.position <> EXCLUDED.position
           ), properties_removed AS (
             DELETE FROM experiment_properties WHERE experiment_id = $1 AND key = ANY($8::text[])
           ), properties_written AS (
             INSERT INTO experiment_properties (experiment_id, key, value)
             SELECT $1, p.key, p.value FROM unnest($9::text[], $10::text[]) AS p(key, value)
             ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value
           ), runs_moved AS (
             UPDATE runs SET lifecycle_stage = $6, deleted_by = $13 WHERE experiment_id = $1 AND $11 AND lifecycle_stage <> $6
           )
           UPDATE experiments SET name = $2, name_folded = $3, description = $4, updated_at = $5, lifecycle_stage = $6, deleted_by = $12 WHERE id = $1`,
          [
            id,
            next.name,
            next.name.toLowerCase(),
            next.description ?? null,
            next.updatedAt,
            next.lifecycleStage,
            next.tags,
            removed,
            written.map(([key]) => key),
            written.map(([, value]) => value),
            next.lifecycleStage !== current.lifecycleStage,
            next.deletedBy ?? null,
            deletedByOfMovedRuns(next) ?? null,
          ],
        );
        return next;
      },
      // The name is the result's, known once the change ran.
      { uniqueViolations: { experiments_active_name: () => nameTaken(name) } },
    );
  }

  async purge(id: string): Promise<string[]> {
    if (!storable(id)) throw new NotFoundError('experiment', id);
    return this.db.write(async (sql) => {
      // The experiment, then its runs, are locked before the artifacts are read: the experiment
      // lock keeps new runs out (their foreign key takes FOR KEY SHARE on it) and waits for those
      // in flight; the run locks do the same for artifacts. The read that follows, with a
      // snapshot of its own, then sees every artifact that goes.
      const locked = await sql.query('SELECT 1 FROM experiments WHERE id = $1 FOR UPDATE', [id]);
      if (locked.rows.length === 0) throw new NotFoundError('experiment', id);
      await sql.query('WITH locked AS (SELECT 1 FROM runs WHERE experiment_id = $1 FOR UPDATE) SELECT count(*) FROM locked', [id]);
      // Runs and everything under them go by cascade; runs elsewhere lose a parent it held.
      const { rows } = await sql.query<{ blob_key: string }>(
        `WITH gone AS (DELETE FROM experiments WHERE id = $1)
         SELECT blob_key FROM artifacts WHERE experiment_id = $1`,
        [id],
      );
      return rows.map((row) => row.blob_key);
    });
  }

  private async select(where: string, values: unknown[]): Promise<Experiment[]> {
    const { rows } = await this.db.read((sql) => sql.query<ExperimentWithTagsRow>(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e ${PROPERTIES} ${where}`, values));
    return rows.map(fromRow);
  }
}

async function find(sql: Sql, id: string): Promise<Experiment> {
  const { rows } = await sql.query<ExperimentWithTagsRow>(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e ${PROPERTIES} WHERE e.id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('experiment', id);
  return fromRow(rows[0]);
}

function nameTaken(name: string): AlreadyExistsError {
  return new AlreadyExistsError(`an active experiment is already named '${name}'`);
}

/**
 * A time bound a bigint column is compared with, as a whole number within ±2^53: the comparison
 * then uses the column's index and never fails on a cast, whatever finite number was given.
 * `column > x` holds exactly when `column > floor(x)`, `column < x` exactly when
 * `column < ceil(x)`, and every stored time (a safe integer) lies strictly within ±2^53.
 */
function wholeBound(value: number, operator: '>' | '<'): number {
  const whole = operator === '>' ? Math.floor(value) : Math.ceil(value);
  return Math.min(Math.max(whole, -BEYOND), BEYOND);
}

function fromRow(row: ExperimentWithTagsRow): Experiment {
  return experimentFromRow(row, row.tags, entries(row.property_keys, row.property_values));
}
