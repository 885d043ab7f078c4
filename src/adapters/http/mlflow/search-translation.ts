import { InvalidArgumentError } from '../../../domain/errors.js';
import { compareText } from '../../../domain/paging.js';
import { errorAt, MAX_ORDER_TERMS } from '../../../domain/search/filter.js';
import { likeMatcher } from '../../../domain/search/values.js';

/**
 * MLflow's search syntax (what its SearchUtils accepts) in Fathom's terms. Run filters and orders
 * become text of Fathom's filter language, which SearchRuns parses again, so runs are found by
 * the one definition every store shares; experiment filters and orders become a predicate and a
 * comparator, because experiments have no search language of their own.
 *
 * MLflow's grammar: comparisons `<entity>.<key> <comparator> <value>` joined by AND (no OR, NOT
 * or parentheses). Entities: metric(s), param(s)/parameter(s), tag(s), attribute(s)/attr/run,
 * dataset(s), in any case; without one, the name is an attribute. A key is everything after the
 * first dot (`metrics.val.loss` is the metric `val.loss`), or a name in backticks or quotes.
 * Strings are in single or double quotes, the quote doubled inside; a backslash is an ordinary
 * character except in LIKE patterns, where `%`, `_` and `\` mean what they mean in Fathom.
 */

type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
const ENTITIES = new Map<string, Entity>([
  ...(['metric', 'metrics'] as const).map((name) => [name, 'metric'] as const),
  ...(['param', 'params', 'parameter', 'parameters'] as const).map((name) => [name, 'param'] as const),
  ...(['tag', 'tags'] as const).map((name) => [name, 'tag'] as const),
  ...(['attribute', 'attributes', 'attr', 'run'] as const).map((name) => [name, 'attribute'] as const),
  ...(['dataset', 'datasets'] as const).map((name) => [name, 'dataset'] as const),
]);

interface Identifier {
  entity: Entity;
  key: string;
  /** Where it starts in the MLflow text, and how it was written there (for messages). */
  at: number;
  written: string;
}

type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';
const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const TEXT_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

interface Text {
  value: string;
  at: number;
}
type Value = { kind: 'number'; text: string; value: number; at: number } | ({ kind: 'string' } & Text) | { kind: 'list'; values: Text[]; at: number };

interface Clause {
  identifier: Identifier;
  comparator: Comparator;
  comparatorAt: number;
  value: Value;
}

/** A number as MLflow (and Fathom) reads one: -1.5, .5, 1e-3; not glued to letters. */
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.])/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
/** An unquoted key runs to the next space, comparison, parenthesis, comma or quote. */
const BARE_KEY = /[^\s=!<>(),'"`]+/y;
const SYMBOL_COMPARATOR = /<=|>=|!=|<>|=|<|>/y;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Reads MLflow text left to right; every error names the path and the character it is at. */
class Scanner {
  private position = 0;

  constructor(
    readonly text: string,
    readonly path: string,
  ) {}

  get at(): number {
    return this.position;
  }

  fail(at: number, message: string): never {
    throw errorAt(this.text, at, message, this.path);
  }

  skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position] as string)) this.position++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  advance(): void {
    this.position++;
  }

  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text)?.[0];
    if (found !== undefined) this.position += found.length;
    return found;
  }

  /** A keyword in any case, consumed only when it is the one asked for. */
  keyword(...words: string[]): string | undefined {
    const at = this.position;
    const word = this.match(WORD)?.toUpperCase();
    if (word !== undefined && words.includes(word)) return word;
    this.position = at;
    return undefined;
  }

  /** Text in the quote at the current position, the quote doubled inside. */
  quoted(): string {
    const at = this.position;
    const quote = this.text[at] as string;
    let value = '';
    let i = at + 1;
    for (;;) {
      if (i >= this.text.length) this.fail(at, `this ${quote === '`' ? 'name' : 'string'} is never closed (expected ${quote})`);
      const c = this.text[i] as string;
      if (c === quote && this.text[i + 1] === quote) {
        value += quote;
        i += 2;
      } else if (c === quote) {
        break;
      } else {
        value += c;
        i++;
      }
    }
    this.position = i + 1;
    this.wellFormed(value, at);
    return value;
  }

  wellFormed(value: string, at: number): void {
    if (LONE_SURROGATE.test(value)) this.fail(at, 'this text is not well-formed Unicode (it holds an unpaired surrogate)');
  }
}

const isQuote = (c: string): boolean => c === "'" || c === '"' || c === '`';

function parseIdentifier(s: Scanner, expected: string): Identifier {
  s.skipSpace();
  const at = s.at;
  const c = s.peek();
  if (c === '(') s.fail(at, 'MLflow filters have no parentheses: write comparisons joined by AND');
  let head: string;
  if (c === '`' || c === '"') head = s.quoted();
  else head = s.match(WORD) ?? s.fail(at, `expected ${expected}`);
  if (c !== '`' && c !== '"' && head.toUpperCase() === 'NOT') s.fail(at, 'MLflow filters have no NOT: use != or NOT IN');
  if (s.peek() !== '.') return { entity: 'attribute', key: head, at, written: s.text.slice(at, s.at) };
  s.advance();
  const keyAt = s.at;
  let key: string;
  if (isQuote(s.peek())) key = s.quoted();
  else {
    key = s.match(BARE_KEY) ?? s.fail(keyAt, `expected a key after '${head}.'`);
    s.wellFormed(key, keyAt);
  }
  const entity = ENTITIES.get(head.toLowerCase()) ?? s.fail(at, `unknown entity '${head}': MLflow's are metrics, params, tags, attributes and datasets`);
  if (key === '') s.fail(keyAt, 'expected a key: an empty one names nothing');
  return { entity, key, at, written: s.text.slice(at, s.at) };
}

function parseComparator(s: Scanner): Comparator {
  s.skipSpace();
  const symbol = s.match(SYMBOL_COMPARATOR);
  if (symbol !== undefined) return symbol === '<>' ? '!=' : (symbol as Comparator);
  const word = s.keyword('LIKE', 'ILIKE', 'IN', 'NOT');
  if (word === 'NOT') {
    s.skipSpace();
    if (!s.keyword('IN')) s.fail(s.at, 'expected IN after NOT (MLflow has NOT IN, not NOT LIKE)');
    return 'NOT IN';
  }
  return (word as Comparator | undefined) ?? s.fail(s.at, 'expected a comparator: =, !=, >, >=, <, <=, LIKE, ILIKE, IN or NOT IN');
}

function parseValue(s: Scanner, comparator: Comparator): Value {
  s.skipSpace();
  const at = s.at;
  const c = s.peek();
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (c !== '(') s.fail(at, `expected '(' and a list of quoted strings after ${comparator}`);
    s.advance();
    const values: Text[] = [];
    for (;;) {
      s.skipSpace();
      const valueAt = s.at;
      if (s.peek() !== "'" && s.peek() !== '"') s.fail(valueAt, values.length === 0 ? 'expected a quoted string: the list holds at least one' : 'expected a quoted string');
      values.push({ value: s.quoted(), at: valueAt });
      s.skipSpace();
      const next = s.peek();
      s.advance();
      if (next === ')') return { kind: 'list', values, at };
      if (next !== ',') s.fail(s.at - 1, "expected ',' or ')'");
    }
  }
  if (c === "'" || c === '"') return { kind: 'string', value: s.quoted(), at };
  const number = s.match(NUMBER);
  if (number !== undefined) {
    const value = Number(number);
    if (!Number.isFinite(value)) s.fail(at, `${number} is not a finite number`);
    return { kind: 'number', text: number, value, at };
  }
  if (c === '(') s.fail(at, `a list of values goes with IN or NOT IN, not ${comparator}`);
  return s.fail(at, 'expected a value: a number, or a string in quotes');
}

/** Comparisons joined by AND; none for an empty filter. */
function parseClauses(s: Scanner, fields: string): Clause[] {
  const clauses: Clause[] = [];
  if (s.atEnd()) return clauses;
  for (;;) {
    const identifier = parseIdentifier(s, fields);
    s.skipSpace();
    const comparatorAt = s.at;
    const comparator = parseComparator(s);
    clauses.push({ identifier, comparator, comparatorAt, value: parseValue(s, comparator) });
    if (s.atEnd()) return clauses;
    const at = s.at;
    const joint = s.keyword('AND', 'OR');
    if (joint === 'OR') s.fail(at, 'MLflow filters have no OR: join comparisons with AND (search once for each alternative)');
    if (joint !== 'AND') s.fail(at, 'expected AND or the end of the filter');
  }
}

/** Checks a comparison against what its field compares with, naming the field as written. */
function check(s: Scanner, clause: Clause, comparators: readonly Comparator[], holds: 'numbers' | 'text'): void {
  const { identifier, comparator, value } = clause;
  if (!comparators.includes(comparator)) s.fail(clause.comparatorAt, `${identifier.written} compares with ${comparators.join(', ')}`);
  if (holds === 'numbers' && value.kind !== 'number') s.fail(value.at, `${identifier.written} holds numbers: compare it with a number, without quotes`);
  if (holds === 'text' && value.kind === 'number') s.fail(value.at, `${identifier.written} compares as text in MLflow: quote the value ('${value.text}')`);
}

// ---------------------------------------------------------------------------------------------
// Runs: MLflow text → Fathom text.
// ---------------------------------------------------------------------------------------------

/** MLflow's run statuses and Fathom's. MLflow compares them case-sensitively, in upper case. */
const STATUSES = new Map([
  ['RUNNING', 'running'],
  ['SCHEDULED', 'scheduled'],
  ['FINISHED', 'completed'],
  ['FAILED', 'failed'],
  ['KILLED', 'killed'],
]);

/** MLflow keeps the run name in this tag too; Fathom keeps it as the run's name only. */
const RUN_NAME_TAG = 'mlflow.runName';
/** The parent of a nested run: Fathom's lineage attribute, which runs made through either API have. */
const PARENT_RUN_TAG = 'mlflow.parentRunId';
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
    check(s, clause, NUMERIC_COMPARATORS, 'numbers');
    return `${field} ${comparator} ${(value as Value & { kind: 'number' }).text}`;
  }
  check(s, clause, TEXT_COMPARATORS, 'text');
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

function parseDirection(s: Scanner): 'ASC' | 'DESC' {
  if (s.atEnd()) return 'ASC';
  const direction = (s.keyword('ASC', 'DESC') as 'ASC' | 'DESC' | undefined) ?? s.fail(s.at, 'expected ASC, DESC or the end of the clause');
  if (!s.atEnd()) s.fail(s.at, 'expected the end of the clause');
  return direction;
}

// ---------------------------------------------------------------------------------------------
// Experiments: MLflow text → a predicate and a comparator.
// ---------------------------------------------------------------------------------------------

/** What an experiment search looks at: MLflow's view of an experiment (tags are its key/values). */
export interface ExperimentFacts {
  id: string;
  name: string;
  creationTime: number;
  lastUpdateTime: number;
  tags: Readonly<Record<string, string>>;
}

type ExperimentTest = (experiment: ExperimentFacts) => boolean;
const EXPERIMENT_FIELDS = 'a field: name, creation_time, last_update_time or tags.<key>';

function compareNumbers(a: number, operator: Comparator, b: number): boolean {
  switch (operator) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

/** `=`, `!=`, LIKE or ILIKE on text, compiled once: LIKE means what it means in run search. */
function textTest(operator: Comparator, value: string): (text: string) => boolean {
  if (operator === '=') return (text) => text === value;
  if (operator === '!=') return (text) => text !== value;
  return likeMatcher(value, operator === 'ILIKE');
}

function experimentTest(s: Scanner, clause: Clause): ExperimentTest {
  const { identifier, comparator, value } = clause;
  const textComparators: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
  if (identifier.entity === 'tag') {
    check(s, clause, textComparators, 'text');
    const { key } = identifier;
    const test = textTest(comparator, (value as Text).value);
    // A tag the experiment does not have makes the comparison false, != included (as in MLflow).
    return (experiment) => Object.hasOwn(experiment.tags, key) && test(experiment.tags[key] as string);
  }
  if (identifier.entity !== 'attribute') s.fail(identifier.at, `experiments are searched by name, creation_time, last_update_time and tags.<key>, not by ${identifier.entity}s`);
  switch (identifier.key.toLowerCase()) {
    case 'name': {
      check(s, clause, textComparators, 'text');
      const test = textTest(comparator, (value as Text).value);
      return (experiment) => test(experiment.name);
    }
    case 'creation_time':
    case 'last_update_time': {
      check(s, clause, NUMERIC_COMPARATORS, 'numbers');
      const bound = (value as Value & { kind: 'number' }).value;
      const created = identifier.key.toLowerCase() === 'creation_time';
      return (experiment) => compareNumbers(created ? experiment.creationTime : experiment.lastUpdateTime, comparator, bound);
    }
    default:
      return s.fail(identifier.at, `unknown attribute '${identifier.key}': experiments are searched by name, creation_time, last_update_time and tags.<key>`);
  }
}

/**
 * MLflow search-experiments filter → a predicate: true when every comparison holds.
 * @throws InvalidArgumentError on `/filter`
 */
export function parseExperimentFilter(filter: string): (experiment: ExperimentFacts) => boolean {
  const s = new Scanner(filter, '/filter');
  const tests = parseClauses(s, EXPERIMENT_FIELDS).map((clause) => experimentTest(s, clause));
  return (experiment) => tests.every((test) => test(experiment));
}

/** Ids that are both digit strings compare as integers (MLflow's are), of any length; others by code point. */
function compareExperimentIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
    const order = compareText(x, y);
    if (order !== 0) return order;
  }
  return compareText(a, b);
}

type ExperimentOrder = 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';
const EXPERIMENT_ORDERS: Record<ExperimentOrder, (a: ExperimentFacts, b: ExperimentFacts) => number> = {
  name: (a, b) => compareText(a.name, b.name),
  experiment_id: (a, b) => compareExperimentIds(a.id, b.id),
  creation_time: (a, b) => Math.sign(a.creationTime - b.creationTime),
  last_update_time: (a, b) => Math.sign(a.lastUpdateTime - b.lastUpdateTime),
};

/**
 * MLflow search-experiments order_by → a comparator. Without clauses, `creation_time DESC,
 * experiment_id ASC`; experiment_id ascending always breaks the remaining ties.
 * @throws InvalidArgumentError on `/order_by/<i>`
 */
export function parseExperimentOrderBy(orderBy: readonly string[]): (a: ExperimentFacts, b: ExperimentFacts) => number {
  const terms = orderBy.map((clause, i) => {
    const s = new Scanner(clause, `/order_by/${i}`);
    const identifier = parseIdentifier(s, 'name, experiment_id, creation_time or last_update_time');
    const key = identifier.key.toLowerCase();
    if (identifier.entity !== 'attribute' || !Object.hasOwn(EXPERIMENT_ORDERS, key)) {
      s.fail(identifier.at, `experiments are sorted by name, experiment_id, creation_time or last_update_time, not by ${identifier.written}`);
    }
    return { compare: EXPERIMENT_ORDERS[key as ExperimentOrder], descending: parseDirection(s) === 'DESC' };
  });
  if (terms.length === 0) terms.push({ compare: EXPERIMENT_ORDERS.creation_time, descending: true });
  terms.push({ compare: EXPERIMENT_ORDERS.experiment_id, descending: false });
  return (a, b) => {
    for (const { compare, descending } of terms) {
      const order = compare(a, b);
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
}
