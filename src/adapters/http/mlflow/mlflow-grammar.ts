import { errorAt } from '../../../domain/search/filter.js';

/**
 * MLflow's search grammar (what its SearchUtils accepts), read into clauses with the position of
 * every part, so each error names the path and the character it is at. What a clause means for
 * runs or experiments is decided by run-search-translation.ts and experiment-search.ts.
 *
 * MLflow's grammar: comparisons `<entity>.<key> <comparator> <value>` joined by AND (no OR, NOT
 * or parentheses). Entities: metric(s), param(s)/parameter(s), tag(s), attribute(s)/attr/run,
 * dataset(s), in any case; without one, the name is an attribute. A key is everything after the
 * first dot (`metrics.val.loss` is the metric `val.loss`), or a name in backticks or quotes.
 * Strings are in single or double quotes, the quote doubled inside; a backslash is an ordinary
 * character except in LIKE patterns, where `%`, `_` and `\` mean what they mean in Fathom.
 * Order-by clauses are one identifier and an optional ASC or DESC.
 */

export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
const ENTITIES = new Map<string, Entity>([
  ...(['metric', 'metrics'] as const).map((name) => [name, 'metric'] as const),
  ...(['param', 'params', 'parameter', 'parameters'] as const).map((name) => [name, 'param'] as const),
  ...(['tag', 'tags'] as const).map((name) => [name, 'tag'] as const),
  ...(['attribute', 'attributes', 'attr', 'run'] as const).map((name) => [name, 'attribute'] as const),
  ...(['dataset', 'datasets'] as const).map((name) => [name, 'dataset'] as const),
]);

export interface Identifier {
  entity: Entity;
  key: string;
  /** Where it starts in the MLflow text, and how it was written there (for messages). */
  at: number;
  written: string;
}

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';
export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
export const TEXT_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

export interface Text {
  value: string;
  at: number;
}
export type Value = { kind: 'number'; text: string; value: number; at: number } | ({ kind: 'string' } & Text) | { kind: 'list'; values: Text[]; at: number };

export interface Clause {
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
export class Scanner {
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

  /** Text no store holds is refused, as Fathom's own filter language refuses it (see domain/keys.ts). */
  wellFormed(value: string, at: number): void {
    if (LONE_SURROGATE.test(value)) this.fail(at, 'this text is not well-formed Unicode (it holds an unpaired surrogate)');
    if (value.includes('\u0000')) this.fail(at, 'this text holds the NUL character (U+0000), which no stored text holds');
  }
}

const isQuote = (c: string): boolean => c === "'" || c === '"' || c === '`';

export function parseIdentifier(s: Scanner, expected: string): Identifier {
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
export function parseClauses(s: Scanner, fields: string): Clause[] {
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

/** An order-by clause's direction, ascending when none is given, and then the end of the clause. */
export function parseDirection(s: Scanner): 'ASC' | 'DESC' {
  if (s.atEnd()) return 'ASC';
  const direction = (s.keyword('ASC', 'DESC') as 'ASC' | 'DESC' | undefined) ?? s.fail(s.at, 'expected ASC, DESC or the end of the clause');
  if (!s.atEnd()) s.fail(s.at, 'expected the end of the clause');
  return direction;
}

/** Checks a comparison against what its field compares with, naming the field as written. */
export function checkComparison(s: Scanner, clause: Clause, comparators: readonly Comparator[], holds: 'numbers' | 'text'): void {
  const { identifier, comparator, value } = clause;
  if (!comparators.includes(comparator)) s.fail(clause.comparatorAt, `${identifier.written} compares with ${comparators.join(', ')}`);
  if (holds === 'numbers' && value.kind !== 'number') s.fail(value.at, `${identifier.written} holds numbers: compare it with a number, without quotes`);
  if (holds === 'text' && value.kind === 'number') s.fail(value.at, `${identifier.written} compares as text in MLflow: quote the value ('${value.text}')`);
}
