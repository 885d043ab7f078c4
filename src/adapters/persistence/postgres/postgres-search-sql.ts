import { sortKeyKinds, type SortPosition, type SortValue } from '../../../domain/search/evaluate.js';
import type { Field, Filter, FilterValue, OrderTerm } from '../../../domain/search/filter.js';
import { compileFilter, FieldJoins, INDEXED_METRIC_COLUMNS, kindOf, OPERATORS, searchParts, type FilterLeaves, type SearchPart, type SearchScope } from '../shared/search-sql.js';
import { likeTest } from './postgres-like.js';

/**
 * Compiles the filter language to PostgreSQL SQL, following the domain's definition rule for rule
 * (search/evaluate.ts), as sqlite-search-sql.ts does for SQLite: the literal's type picks the
 * field's view, a missing field is NULL and SQL's three-valued logic does the rest, `in` is an OR
 * of equalities. Values never enter the SQL text: every literal and key is a bound parameter
 * (a list is one array), cast to its type; only fixed column names and operators from closed
 * lists are written into it.
 *
 * Where PostgreSQL differs from the domain, the SQL says so:
 * - text columns are COLLATE "C" (code point order, the domain's), and comparisons with a bound
 *   text state it, so the database's default collation never decides;
 * - numbers compare as float8: bigint columns (times, counts) are compared with bigint parameters
 *   when the number is whole, so their indexes serve, and widened (exactly, for safe integers)
 *   otherwise; duration is divided as a float8, as JavaScript divides;
 * - NULLS LAST is written wherever a missing value may meet an ordering (PostgreSQL sorts NULL
 *   first in descending order), and left out for columns that are never NULL, so an index on them
 *   (runs_by_experiment) gives the order;
 * - `like` and `ilike` go through postgres-like.ts, since ILIKE does not fold case as the domain does.
 */
export interface CompiledSearch {
  sql: string;
  /** Every parameter, the LIMIT ($1) first: set it before running the query. */
  params: unknown[];
}

/** The queries of one search, to run in order until the limit is reached (see `searchParts`). */
export function compileSearch(scope: SearchScope, filter: Filter | undefined, orderBy: readonly OrderTerm[], after: SortPosition | undefined): CompiledSearch[] {
  return searchParts(orderBy, after).map((part) => compilePart(scope, filter, orderBy, after, part));
}

type SqlType = 'text' | 'float8' | 'bigint' | 'boolean';

/** A field's view as SQL: its expression, its type, and whether it can be NULL (a missing value). */
interface View {
  sql: string;
  type: SqlType;
  nullable: boolean;
}

type Key = View & { descending: boolean };

/** Bound parameters, numbered in the order they are added; $1 is the LIMIT. */
class Params {
  readonly values: unknown[] = [null];

  /** A placeholder for `value`, cast, so PostgreSQL never has to guess its type. */
  add(value: unknown, type: SqlType | `${SqlType}[]`): string {
    this.values.push(value);
    return `$${this.values.length}::${type}${type === 'text' ? ' COLLATE "C"' : ''}`;
  }

  /** A value compared with `view`: a number against a bigint column stays bigint when it is whole. */
  compared(value: FilterValue | SortValue, view: View): string {
    if (typeof value === 'string') return this.add(value, 'text');
    if (typeof value === 'boolean') return this.add(value, 'boolean');
    return this.add(value, view.type === 'bigint' && Number.isSafeInteger(value) ? 'bigint' : 'float8');
  }
}

function compilePart(
  scope: SearchScope,
  filter: Filter | undefined,
  orderBy: readonly OrderTerm[],
  after: SortPosition | undefined,
  part: SearchPart,
): CompiledSearch {
  const params = new Params();
  const joins = new FieldJoins(part === 'present' ? lateralJoin(params) : plainJoin(params));
  const where: string[] = [];
  let from = 'runs AS r';
  if (part === 'present') {
    // The metric's series drive the query, in the order of their (key, column) index, and the
    // walk stops at the limit. Rows without a value are the other part's.
    const field = (orderBy[0] as OrderTerm).field as Field & { kind: 'metric' };
    const alias = joins.driving(field);
    from = `metric_series AS ${alias} JOIN runs AS r ON r.id = ${alias}.run_id`;
    where.push(`${alias}.key = ${params.add(field.key, 'text')}`, `${alias}.${INDEXED_METRIC_COLUMNS[field.aggregate] as string} IS NOT NULL`);
  }
  const experiments = scope.experimentIds;
  if (!experiments) where.push("r.lifecycle_stage = 'active'");
  // One experiment as an equality, so runs_by_experiment can give the runs in started_at order.
  else if (experiments.length === 1) where.push(`r.experiment_id = ${params.add(experiments[0], 'text')}`);
  else where.push(`r.experiment_id = ANY(${params.add(experiments, 'text[]')})`);
  if (filter) where.push(compileFilter(filter, leaves(joins, params)));

  // Sort keys: one per key of each term, as `sortKeysOf` lists them. In the 'present' part the
  // first one is never missing.
  const keys: Key[] = orderBy.flatMap((term) => sortKeyKinds(term.field).map((kind) => ({ ...view(term.field, kind, joins), descending: term.descending })));
  if (part === 'present') keys[0] = { ...(keys[0] as Key), nullable: false };
  if (part === 'missing') where.push(`${(keys[0] as Key).sql} IS NULL`);
  const idDescending = orderBy[orderBy.length - 1]?.descending ?? false;
  if (after) where.push(...keyset(keys, idDescending, after, params));

  const select = ['r.id', ...keys.map((k, i) => `${k.sql} AS k${i}`)].join(', ');
  const order = [
    // Missing values last both ways; a key that is never NULL gets the plain ASC or DESC an
    // index gives, forwards or backwards.
    ...keys.map((k, i) => `k${i} ${k.descending ? 'DESC' : 'ASC'}${k.nullable ? ' NULLS LAST' : ''}`),
    `r.id ${idDescending ? 'DESC' : 'ASC'}`,
  ].join(', ');
  const sql = `SELECT ${select} FROM ${from} ${joins.sql()} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $1`;
  return { sql, params: params.values };
}

/** A field's table as a LEFT JOIN: a lookup by primary key (run_id, key). */
const plainJoin =
  (params: Params) =>
  (table: string, alias: string, key: string): string =>
    `LEFT JOIN ${table} AS ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ${params.add(key, 'text')}`;

/**
 * A field's table where an index walk drives the query: a LATERAL subquery behind OFFSET 0, which
 * the planner cannot flatten into a join it would reorder, so the lookups happen only for the runs
 * the walk reaches, and the walk stops at the limit. As plain joins, the planner prefers to read
 * every run's rows and sort (W5: 20-40 ms against 4-10 ms for the walk over 10,000 runs).
 */
const lateralJoin =
  (params: Params) =>
  (table: string, alias: string, key: string): string =>
    `LEFT JOIN LATERAL (SELECT * FROM ${table} WHERE run_id = r.id AND key = ${params.add(key, 'text')} OFFSET 0) AS ${alias} ON true`;

const ATTRIBUTES: Record<string, View> = {
  id: { sql: 'r.id', type: 'text', nullable: false },
  name: { sql: 'r.name', type: 'text', nullable: true },
  status: { sql: 'r.status', type: 'text', nullable: false },
  lifecycleStage: { sql: 'r.lifecycle_stage', type: 'text', nullable: false },
  experimentId: { sql: 'r.experiment_id', type: 'text', nullable: false },
  parentRunId: { sql: 'r.parent_run_id', type: 'text', nullable: true },
  createdBy: { sql: 'r.created_by', type: 'text', nullable: false },
  startedAt: { sql: 'r.started_at', type: 'bigint', nullable: false },
  completedAt: { sql: 'r.completed_at', type: 'bigint', nullable: true },
  // Seconds, computed as the domain computes them: (completedAt - startedAt) / 1000 in float8.
  duration: { sql: '((r.completed_at - r.started_at)::float8 / 1000)', type: 'float8', nullable: true },
};

/** A field's view: NULL where the domain says the value is missing. */
function view(field: Field, kind: 'number' | 'text' | 'boolean', joins: FieldJoins): View {
  switch (field.kind) {
    case 'param': {
      const p = joins.of(field);
      if (kind === 'number') return { sql: `${p}.number_value`, type: 'float8', nullable: true };
      if (kind === 'text') return { sql: `${p}.value`, type: 'text', nullable: true };
      // The boolean view: 'true' / 'false' in any ASCII case, as the domain's test (lower()
      // under "C" folds ASCII only).
      return { sql: `(CASE WHEN lower(${p}.value COLLATE "C") IN ('true', 'false') THEN lower(${p}.value COLLATE "C") = 'true' END)`, type: 'boolean', nullable: true };
    }
    case 'metric': {
      const m = joins.of(field);
      switch (field.aggregate) {
        case 'latest':
          return { sql: `${m}.last_value`, type: 'float8', nullable: true };
        case 'mean':
          // Stored as the domain divides (see metric_series): NULL for the NaN mean, when no value
          // is a number or +Infinity and -Infinity were both logged.
          return { sql: `${m}.mean`, type: 'float8', nullable: true };
        case 'count':
          return { sql: `${m}.count`, type: 'bigint', nullable: true };
        default:
          return { sql: `${m}.${field.aggregate}`, type: 'float8', nullable: true };
      }
    }
    case 'tag':
      return { sql: `${joins.of(field)}.value`, type: 'text', nullable: true };
    case 'attribute':
      return ATTRIBUTES[field.name] as View;
  }
}

/** The filter's leaves in PostgreSQL SQL: a list is one `= ANY(array)`, `like` goes through postgres-like.ts. */
function leaves(joins: FieldJoins, params: Params): FilterLeaves {
  return {
    compare(field, operator, value) {
      const left = view(field, kindOf(value), joins);
      return `(${left.sql} ${OPERATORS[operator]} ${params.compared(value, left)})`;
    },
    oneOf(field, kind, values) {
      const left = view(field, kind, joins);
      const type = kind === 'text' ? 'text' : kind === 'boolean' ? 'boolean' : left.type === 'bigint' && values.every(Number.isSafeInteger) ? 'bigint' : 'float8';
      return `(${left.sql} = ANY(${params.add(values, `${type}[]`)}))`;
    },
    like(field, pattern, caseInsensitive) {
      const test = likeTest(pattern, caseInsensitive);
      return `(${view(field, 'text', joins).sql} ${test.operator} ${params.add(test.pattern, 'text')})`;
    },
  };
}

/**
 * Conditions for the rows strictly after the cursor under ORDER BY k [dir] NULLS LAST, ...,
 * id [dir]: for some key i, the keys before it equal the cursor's and key i comes after it.
 * Missing values sort last: after a present value come larger (or smaller) values and missing
 * ones; after a missing value, on that key, nothing.
 *
 * When the first key cannot be missing here, a range on it too (nothing after the cursor lies
 * before its first key), which an index on it can start from instead of walking from the top.
 */
function keyset(keys: readonly Key[], idDescending: boolean, after: SortPosition, params: Params): string[] {
  const alternatives: string[] = [];
  const equalSoFar: string[] = [];
  keys.forEach((key, i) => {
    const value = after.keys[i] ?? null;
    if (value !== null) {
      const beyond = `${key.sql} ${key.descending ? '<' : '>'} ${params.compared(value, key)}`;
      alternatives.push(`(${[...equalSoFar, key.nullable ? `(${beyond} OR ${key.sql} IS NULL)` : beyond].join(' AND ')})`);
    }
    equalSoFar.push(value === null ? `${key.sql} IS NULL` : `${key.sql} = ${params.compared(value, key)}`);
  });
  alternatives.push(`(${[...equalSoFar, `r.id ${idDescending ? '<' : '>'} ${params.add(after.id, 'text')}`].join(' AND ')})`);
  const conditions = [`(${alternatives.join(' OR ')})`];
  const first = keys[0] as Key;
  const start = after.keys[0] ?? null;
  if (!first.nullable && start !== null) conditions.push(`${first.sql} ${first.descending ? '<=' : '>='} ${params.compared(start, first)}`);
  return conditions;
}
