import { InvalidArgumentError } from '../../../domain/errors.js';
import { MAX_ORDER_TERMS } from '../../../domain/search/filter.js';
import { likeMatcher } from '../../../domain/search/values.js';
import {
  checkComparison,
  NUMERIC_COMPARATORS,
  parseClauses,
  parseDirection,
  parseIdentifier,
  Scanner,
  TEXT_COMPARATORS,
  type Clause,
  type Identifier,
  type Text,
  type Value,
} from './mlflow-grammar.js';
import { MLFLOW_STATUSES, PARENT_RUN_TAG, RUN_NAME_TAG } from './mlflow-semantics.js';

/**
 * MLflow run filters and orders (search-runs) → text of Fathom's filter language, which
 * SearchRuns parses again, so runs are found by the one definition every store shares. Owns
 * MLflow's run fields: its attributes, its statuses, and the system tags that are attributes here.
 */

/** MLflow's run statuses and Fathom's. MLflow compares them case-sensitively, in upper case. */
const STATUSES = new Map(Object.entries(MLFLOW_STATUSES).map(([fathom, mlflow]) => [mlflow as string, fathom]));

const RUN_ATTRIBUTES = 'run_id, run_name, status, start_time (or created), end_time and user_id';

interface Target {
  field: string;
  kind: 'number' | 'text' | 'status';
}

/** A key as Fathom writes it: bare when it can be, else in backticks, a backtick doubled. */
function fathomKey(key: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_\-/:]*$/.test(key) ? key : `\`${key.replaceAll('`', '``')}\``;
}

const fathomText = (value: string): string => `'${value.replaceAll("'", "''")}'`;

function runTarget(s: Scanner, { entity, key, at }: Identifier): Target {
  switch (entity) {
    case 'metric':
      return { field: `metrics.${fathomKey(key)}`, kind: 'number' };
    case 'param':
      return { field: `params.${fathomKey(key)}`, kind: 'text' };
    case 'tag':
      // The system tags that are Fathom attributes: the run's name and its parent (lineage).
      if (key === RUN_NAME_TAG) return { field: 'name', kind: 'text' };
      if (key === PARENT_RUN_TAG) return { field: 'parentRunId', kind: 'text' };
      return { field: `tags.${fathomKey(key)}`, kind: 'text' };
    case 'dataset':
      return s.fail(at, 'searching by dataset is not supported by Fathom');
    case 'attribute':
      // MLflow's spellings, in any case: run_name is also `run name` (in quotes), start_time `created`.
      switch (key.toLowerCase().replaceAll(' ', '_')) {
        case 'run_id':
          return { field: 'id', kind: 'text' };
        case 'run_name':
          return { field: 'name', kind: 'text' };
        case 'user_id':
          return { field: 'createdBy', kind: 'text' };
        case 'status':
          return { field: 'status', kind: 'status' };
        case 'start_time':
        case 'created':
          return { field: 'startedAt', kind: 'number' };
        case 'end_time':
          return { field: 'completedAt', kind: 'number' };
        case 'artifact_uri':
          return s.fail(at, `the attribute ${key} is not supported by Fathom; the others are ${RUN_ATTRIBUTES}`);
        default:
          return s.fail(at, `unknown attribute '${key}': MLflow's run attributes are ${RUN_ATTRIBUTES}`);
      }
  }
}

function fathomStatus(s: Scanner, status: Text): string {
  const fathom = STATUSES.get(status.value);
  if (fathom === undefined) s.fail(status.at, `status is one of ${[...STATUSES.keys()].join(', ')} (upper case, as MLflow writes them)`);
  return fathomText(fathom);
}

function translateRunClause(s: Scanner, clause: Clause): string {
  const { field, kind } = runTarget(s, clause.identifier);
  const { comparator, value } = clause;
  if (kind === 'number') {
    checkComparison(s, clause, NUMERIC_COMPARATORS, 'numbers');
    return `${field} ${comparator} ${(value as Value & { kind: 'number' }).text}`;
  }
  checkComparison(s, clause, TEXT_COMPARATORS, 'text');
  const text = kind === 'status' ? (v: Text) => fathomStatus(s, v) : (v: Text) => fathomText(v.value);
  if (value.kind === 'list') return `${field} ${comparator.toLowerCase()} (${value.values.map(text).join(', ')})`;
  const single = value as Value & { kind: 'string' };
  if (comparator !== 'LIKE' && comparator !== 'ILIKE') return `${field} ${comparator} ${text(single)}`;
  if (kind === 'text') return `${field} ${comparator.toLowerCase()} ${fathomText(single.value)}`;
  // A status pattern is matched against MLflow's names here, since Fathom's differ: the statuses it
  // finds, or (when it finds none) a condition no run meets, as every run has a status.
  const matching = [...STATUSES].filter(([mlflow]) => likeMatcher(single.value, comparator === 'ILIKE')(mlflow));
  return matching.length === 0 ? "status not like '%'" : `status in (${matching.map(([, fathom]) => fathomText(fathom)).join(', ')})`;
}

const RUN_FIELDS = 'a field: metrics.<key>, params.<key>, tags.<key> or an attribute (run_id, run_name, status, start_time, end_time, user_id)';

/**
 * MLflow run filter → Fathom filter text ('' for an empty filter).
 * @throws InvalidArgumentError on `/filter`, saying what is wrong and at which character of the MLflow text
 */
export function translateRunFilter(filter: string): string {
  const s = new Scanner(filter, '/filter');
  return parseClauses(s, RUN_FIELDS)
    .map((clause) => translateRunClause(s, clause))
    .join(' and ');
}

/** Fathom refuses longer sort terms (no key is that long). */
const MAX_TERM_LENGTH = 1_000;

/**
 * MLflow run order_by clauses → Fathom sort terms, each one `parseOrderBy` reads. MLflow breaks
 * ties by start time, newest first (unless start time is ordered already), then by run id: those
 * terms are appended, as far as Fathom's limit of terms allows (Fathom breaks whatever ties remain
 * by run id itself). A term on a field already sorted by never decides anything, nor does any
 * term after the run id: such terms are left out.
 * @throws InvalidArgumentError on `/order_by/<i>`, or `/order_by` for more fields than Fathom sorts by
 */
export function translateRunOrderBy(orderBy: readonly string[]): string[] {
  const terms: { field: string; descending: boolean }[] = [];
  const add = (term: { field: string; descending: boolean }): void => {
    if (!terms.some((t) => t.field === term.field || t.field === 'id')) terms.push(term);
  };
  orderBy.forEach((clause, i) => {
    const s = new Scanner(clause, `/order_by/${i}`);
    const identifier = parseIdentifier(s, RUN_FIELDS);
    const { field } = runTarget(s, identifier);
    if (field.length > MAX_TERM_LENGTH - ' desc'.length) s.fail(identifier.at, `this key is longer than any Fathom keeps`);
    add({ field, descending: parseDirection(s) === 'DESC' });
  });
  if (terms.length > MAX_ORDER_TERMS) throw InvalidArgumentError.field('/order_by', `Fathom sorts by at most ${MAX_ORDER_TERMS} fields`);
  for (const tieBreak of [{ field: 'startedAt', descending: true }, { field: 'id', descending: false }]) {
    if (terms.length < MAX_ORDER_TERMS) add(tieBreak);
  }
  return terms.map(({ field, descending }) => `${field} ${descending ? 'desc' : 'asc'}`);
}

