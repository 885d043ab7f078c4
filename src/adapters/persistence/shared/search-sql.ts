import type { SortPosition } from '../../../domain/search/evaluate.js';
import type { ComparisonOperator, Field, Filter, FilterValue, OrderTerm } from '../../../domain/search/filter.js';

/**
 * What compiling the filter language to SQL means whatever the SQL store: the plan of a search's
 * queries, one joined table per field, and the shape of a filter's condition. The SQL itself
 * (placeholders, types, collations, how a join and a leaf condition are written, NULL ordering,
 * keysets) is each dialect's, in sqlite-search-sql.ts and postgres-search-sql.ts.
 */

export interface SearchScope {
  experimentIds?: readonly string[];
}

/** The filter language's comparison operators as SQL's. */
export const OPERATORS: Record<ComparisonOperator, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** Metric columns with an index on (key, column): a sort by them can walk the index. */
export const INDEXED_METRIC_COLUMNS: Partial<Record<string, string>> = { latest: 'last_value', min: 'min', max: 'max' };

/**
 * One query of a search: every run (`all`), or, when the first sort key is an indexed metric
 * column, the runs that have a value in it (`present`) or those that do not (`missing`).
 */
export type SearchPart = 'all' | 'present' | 'missing';

/**
 * The queries of one search, to run in order until the limit is reached.
 *
 * Mostly one query. When the first sort term is a metric with an index (latest, min, max), two:
 * runs that have a value, found by walking that index from the best value and stopping at the
 * limit (a page of 100 out of 10,000 runs reads a few hundred rows instead of every run's
 * parameters), then the runs without one, which sort last. The second runs only when the first
 * leaves the page short.
 */
export function searchParts(orderBy: readonly OrderTerm[], after: SortPosition | undefined): SearchPart[] {
  const first = orderBy[0]?.field;
  if (first?.kind !== 'metric' || INDEXED_METRIC_COLUMNS[first.aggregate] === undefined) return ['all'];
  // After a cursor without a value, only runs without a value remain.
  return !after || after.keys[0] !== null ? ['present', 'missing'] : ['missing'];
}

/**
 * One joined table per distinct parameter, metric or tag a query names, shared by filter and
 * order, under an alias of its own: the table its kind lives in, looked up by (run_id, key) for
 * run `r`. How the join is written (and its key bound) is the dialect's `join`.
 */
export class FieldJoins {
  private readonly aliases = new Map<string, string>();
  private readonly clauses: string[] = [];

  constructor(private readonly join: (table: 'parameters' | 'metric_series' | 'run_tags', alias: string, key: string) => string) {}

  /** The alias of the table that drives the query (it gets no join of its own). */
  driving(field: Field & { kind: 'metric' }): string {
    const alias = `${field.kind[0]}${this.aliases.size}`;
    this.aliases.set(`${field.kind}:${field.key}`, alias);
    return alias;
  }

  of(field: Field & { kind: 'param' | 'metric' | 'tag' }): string {
    const id = `${field.kind}:${field.key}`;
    let alias = this.aliases.get(id);
    if (alias) return alias;
    alias = `${field.kind[0]}${this.aliases.size}`;
    this.clauses.push(this.join(field.kind === 'param' ? 'parameters' : field.kind === 'metric' ? 'metric_series' : 'run_tags', alias, field.key));
    this.aliases.set(id, alias);
    return alias;
  }

  sql(): string {
    return this.clauses.join(' ');
  }
}

/** A field's view as the domain defines it: the literal's type picks the one a comparison uses. */
export type ViewKind = 'number' | 'text' | 'boolean';

/** Which view of a field a literal compares with: its type picks it, as in the domain. */
export const kindOf = (value: FilterValue): ViewKind => (typeof value === 'number' ? 'number' : typeof value === 'string' ? 'text' : 'boolean');

/** The conditions a dialect writes for the leaves of a filter, binding their values as it goes. */
export interface FilterLeaves {
  compare(field: Field, operator: ComparisonOperator, value: FilterValue): string;
  /** `field`'s `kind` view equal to one of `values` (all of that kind): NULL when the view is. */
  oneOf(field: Field, kind: ViewKind, values: readonly FilterValue[]): string;
  /** `field`'s text view matching `pattern` as the domain's likeMatcher matches (search/values.ts). */
  like(field: Field, pattern: string, caseInsensitive: boolean): string;
}

/**
 * A filter as one SQL condition, following the domain's definition (search/evaluate.ts): a
 * missing field is NULL and SQL's three-valued logic does the rest; `in` means an OR of
 * equalities, so the values of each type become one `oneOf`, the types OR-ed. Leaves are written,
 * and their values bound, in textual order.
 */
export function compileFilter(filter: Filter, leaves: FilterLeaves): string {
  switch (filter.type) {
    case 'and':
    case 'or':
      return balanced(
        flatten(filter, filter.type).map((operand) => compileFilter(operand, leaves)),
        filter.type.toUpperCase(),
      );
    case 'not':
      return `(NOT ${compileFilter(filter.operand, leaves)})`;
    case 'compare':
      return leaves.compare(filter.field, filter.operator, filter.value);
    case 'in': {
      const lists: string[] = [];
      for (const kind of ['number', 'text', 'boolean'] as const) {
        const values = filter.values.filter((value) => kindOf(value) === kind);
        if (values.length > 0) lists.push(leaves.oneOf(filter.field, kind, values));
      }
      const any = balanced(lists, 'OR');
      return filter.negated ? `(NOT ${any})` : any;
    }
    case 'like': {
      const like = leaves.like(filter.field, filter.pattern, filter.caseInsensitive);
      return filter.negated ? `(NOT ${like})` : like;
    }
  }
}

/**
 * The operands of a chain of one connective (a or b or c), however the parser nested it. A chain
 * of a thousand ors is a thousand levels deep as parsed, past the SQL parsers' limits on
 * expression depth: it is rebuilt with `balanced`.
 */
function flatten(filter: Filter, type: 'and' | 'or'): Filter[] {
  const operands: Filter[] = [];
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const next = pending.pop() as Filter;
    if (next.type === type) pending.push(next.right, next.left);
    else operands.push(next);
  }
  return operands;
}

/** `a OP b OP c OP d` as ((a OP b) OP (c OP d)): log2(n) deep. Operands, and so parameters, stay in textual order. */
function balanced(operands: readonly string[], operator: string): string {
  if (operands.length === 1) return operands[0] as string;
  const middle = Math.ceil(operands.length / 2);
  return `(${balanced(operands.slice(0, middle), operator)} ${operator} ${balanced(operands.slice(middle), operator)})`;
}
