import { sortKeyKinds, type SortPosition } from '../../../domain/search/evaluate.js';
import type { Field, Filter, FilterValue, OrderTerm } from '../../../domain/search/filter.js';
import { compileFilter, FieldJoins, INDEXED_METRIC_COLUMNS, kindOf, OPERATORS, searchParts, type FilterLeaves, type SearchPart, type SearchScope } from '../shared/search-sql.js';

/**
 * Compiles the filter language to SQLite SQL, following the domain's definition rule for rule
 * (search/evaluate.ts): the literal's type picks the field's view, a missing field is NULL and
 * SQL's three-valued logic does the rest, `in` is an OR of equalities. Values never enter the
 * SQL text: every literal and key is a bound parameter; only fixed column names and operators
 * from closed lists are written into it.
 */
export interface CompiledSearch {
  sql: string;
  /** Every parameter but the last, the LIMIT, which the caller appends. */
  params: Bindable[];
}

type Bindable = string | number | null;

/** The queries of one search, to run in order until the limit is reached (see `searchParts`). */
export function compileSearch(scope: SearchScope, filter: Filter | undefined, orderBy: readonly OrderTerm[], after: SortPosition | undefined): CompiledSearch[] {
  return searchParts(orderBy, after).map((part) => compilePart(scope, filter, orderBy, after, part));
}

function compilePart(
  scope: SearchScope,
  filter: Filter | undefined,
  orderBy: readonly OrderTerm[],
  after: SortPosition | undefined,
  part: SearchPart,
): CompiledSearch {
  // Joined tables come before WHERE in the text: their keys are the first parameters.
  const joinParams: Bindable[] = [];
  const joins = new FieldJoins((table, alias, key) => {
    joinParams.push(key);
    return `LEFT JOIN ${table} AS ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ?`;
  });
  const where: string[] = [];
  const whereParams: Bindable[] = [];
  let from = 'runs AS r';
  if (part === 'present') {
    // The metric's series table drives the query, in its index order (CROSS JOIN fixes the
    // order of the loop in SQLite); rows without a value are the other part's.
    const field = (orderBy[0] as OrderTerm).field as Field & { kind: 'metric' };
    const alias = joins.driving(field);
    const column = `${alias}.${INDEXED_METRIC_COLUMNS[field.aggregate] as string}`;
    from = `metric_series AS ${alias} CROSS JOIN runs AS r ON r.id = ${alias}.run_id`;
    where.push(`${alias}.key = ?`, `${column} IS NOT NULL`);
    whereParams.push(field.key);
    const start = after?.keys[0];
    if (typeof start === 'number') {
      // Where the index walk starts: no run before the cursor can follow it.
      where.push(`${column} ${(orderBy[0] as OrderTerm).descending ? '<=' : '>='} ?`);
      whereParams.push(start);
    }
  }
  if (scope.experimentIds) {
    where.push(`r.experiment_id IN (${scope.experimentIds.map(() => '?').join(', ')})`);
    whereParams.push(...scope.experimentIds);
  } else {
    where.push("r.lifecycle_stage = 'active'");
  }
  if (filter) where.push(compileFilter(filter, leaves(joins, whereParams)));

  // Sort keys: one expression per key of each term, as `sortKeysOf` lists them.
  const keys: { expression: string; descending: boolean }[] = [];
  for (const term of orderBy) {
    for (const expression of sortExpressions(term.field, joins)) keys.push({ expression, descending: term.descending });
  }
  if (part === 'missing') where.push(`${(keys[0] as { expression: string }).expression} IS NULL`);
  const idDescending = orderBy[orderBy.length - 1]?.descending ?? false;
  if (after) where.push(keyset(keys, idDescending, after, whereParams));

  const select = ['r.id AS id', ...keys.map((k, i) => `${k.expression} AS k${i}`)].join(', ');
  const order = [
    // Missing values last both ways. DESC NULLS LAST is SQLite's own DESC order, so an index on a
    // sort key can serve a descending sort and stop at the limit; where no value is missing
    // (the 'present' part) a plain ASC can be served by the index too.
    ...keys.map((k, i) => `${k.expression} ${k.descending ? 'DESC' : 'ASC'}${part === 'present' && i === 0 ? '' : ' NULLS LAST'}`),
    `r.id ${idDescending ? 'DESC' : 'ASC'}`,
  ].join(', ');
  const sql = `SELECT ${select} FROM ${from} ${joins.sql()} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
  return { sql, params: [...joinParams, ...whereParams] };
}

const ATTRIBUTE_COLUMNS = {
  id: 'r.id',
  name: 'r.name',
  status: 'r.status',
  lifecycleStage: 'r.lifecycle_stage',
  experimentId: 'r.experiment_id',
  parentRunId: 'r.parent_run_id',
  createdBy: 'r.created_by',
  startedAt: 'r.started_at',
  completedAt: 'r.completed_at',
  // Seconds, computed as the domain computes them: (completedAt - startedAt) / 1000.
  duration: '((r.completed_at - r.started_at) / 1000.0)',
} as const;

/** The SQL for a field's view: NULL where the domain says the value is missing. */
function view(field: Field, kind: 'number' | 'text' | 'boolean', joins: FieldJoins): string {
  switch (field.kind) {
    case 'param': {
      const p = joins.of(field);
      if (kind === 'number') return `${p}.number_value`;
      if (kind === 'text') return `${p}.value`;
      // The boolean view: 'true' / 'false' in any ASCII case (SQLite's lower() is ASCII only, as
      // the domain's test is).
      return `(CASE WHEN lower(${p}.value) IN ('true', 'false') THEN lower(${p}.value) = 'true' END)`;
    }
    case 'metric': {
      const m = joins.of(field);
      switch (field.aggregate) {
        case 'latest':
          return `${m}.last_value`;
        case 'mean':
          // NULL when no value is a number, as the domain's NaN mean.
          return `(${m}.sum / nullif(${m}.numeric_count, 0))`;
        default:
          return `${m}.${field.aggregate}`;
      }
    }
    case 'tag':
      return `${joins.of(field)}.value`;
    case 'attribute':
      return ATTRIBUTE_COLUMNS[field.name];
  }
}

function sortExpressions(field: Field, joins: FieldJoins): string[] {
  const kinds = sortKeyKinds(field);
  return kinds.map((kind) => view(field, kind, joins));
}

/** SQLite binds a boolean as 0 or 1, what its boolean view gives. */
const bindable = (value: FilterValue): Bindable => (typeof value === 'boolean' ? Number(value) : value);

/** The filter's leaves in SQLite SQL: a list is an IN list, `like` the domain's matcher as a function. */
function leaves(joins: FieldJoins, params: Bindable[]): FilterLeaves {
  return {
    compare(field, operator, value) {
      params.push(bindable(value));
      return `(${view(field, kindOf(value), joins)} ${OPERATORS[operator]} ?)`;
    },
    oneOf(field, kind, values) {
      params.push(...values.map(bindable));
      return `(${view(field, kind, joins)} IN (${values.map(() => '?').join(', ')}))`;
    },
    like(field, pattern, caseInsensitive) {
      params.push(pattern, caseInsensitive ? 1 : 0);
      return `fathom_like(${view(field, 'text', joins)}, ?, ?)`;
    },
  };
}

/**
 * Rows strictly after the cursor under ORDER BY (k IS NULL), k [dir], ..., id [dir]: for some
 * key i, the keys before it equal the cursor's and key i comes after it. Missing values sort
 * last: after a present value come larger (or smaller) values and missing ones; after a missing
 * value, on that key, nothing.
 */
function keyset(keys: readonly { expression: string; descending: boolean }[], idDescending: boolean, after: SortPosition, params: Bindable[]): string {
  const alternatives: string[] = [];
  const equalSoFar: string[] = [];
  const equalParams: Bindable[] = [];
  keys.forEach((key, i) => {
    const value = after.keys[i] ?? null;
    if (value !== null) {
      alternatives.push(`(${[...equalSoFar, `(${key.expression} ${key.descending ? '<' : '>'} ? OR ${key.expression} IS NULL)`].join(' AND ')})`);
      params.push(...equalParams, value);
    }
    equalSoFar.push(`${key.expression} IS ?`);
    equalParams.push(value);
  });
  alternatives.push(`(${[...equalSoFar, `r.id ${idDescending ? '<' : '>'} ?`].join(' AND ')})`);
  params.push(...equalParams, after.id);
  return `(${alternatives.join(' OR ')})`;
}
