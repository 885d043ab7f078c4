import { InvalidArgumentError } from '../errors.js';
import { fieldName, fieldType, hasText, literalFor } from './values.js';

/**
 * The run filter language, one for every API and the UI:
 *
 *   params.lr < 0.01 and metrics.acc >= 0.9 and tags.team = 'nlp' and status = 'completed'
 *
 * - comparisons `= != < <= > >=`, `[not] in (...)`, `[not] like` / `[not] ilike` with `%` and `_`;
 *   `and`, `or`, `not` and parentheses (`not` binds tightest, then `and`, then `or`);
 * - fields: `params.<key>`, `metrics.<key>` (the latest value) and `metrics.<key>.min|max|mean|count`,
 *   `tags.<key>`, and the attributes below; keys may hold letters, digits, `_ - / :`; a key with
 *   spaces or dots goes in backticks (`` metrics.`val.loss` ``; a backtick inside is doubled);
 * - values: 'text' or "text" (the quote doubled inside), numbers (`-1.5e-3`), true, false;
 * - keywords are case-insensitive.
 *
 * This module only parses: stores compile the tree (to parameterised SQL, or to an in-memory test).
 */

export const ATTRIBUTES = ['id', 'name', 'status', 'lifecycleStage', 'startedAt', 'completedAt', 'duration', 'experimentId', 'parentRunId', 'createdBy'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
export const METRIC_AGGREGATES = ['min', 'max', 'mean', 'count'] as const;
export type MetricAggregate = 'latest' | (typeof METRIC_AGGREGATES)[number];

export type Field =
  | { kind: 'param'; key: string }
  | { kind: 'metric'; key: string; aggregate: MetricAggregate }
  | { kind: 'tag'; key: string }
  | { kind: 'attribute'; name: Attribute };

export type FilterValue = string | number | boolean;
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Filter =
  | { type: 'and' | 'or'; left: Filter; right: Filter }
  | { type: 'not'; operand: Filter }
  | { type: 'compare'; field: Field; operator: ComparisonOperator; value: FilterValue }
  | { type: 'in'; field: Field; values: FilterValue[]; negated: boolean }
  | { type: 'like'; field: Field; pattern: string; caseInsensitive: boolean; negated: boolean };

export const MAX_FILTER_LENGTH = 10_000;
/** Nesting deeper than this is refused, so a hostile filter cannot exhaust the stack. */
export const MAX_FILTER_DEPTH = 64;

type TokenType = 'word' | 'quoted-name' | 'string' | 'number' | 'operator' | '(' | ')' | ',' | '.' | 'end';

interface Token {
  type: TokenType;
  text: string;
  /** For strings and quoted names: the text without quotes, unescaped. */
  value: string;
  /** 0-based offset in the filter. */
  at: number;
}

/** A syntax error: 400 on `path` (`/filter` unless said), saying where (1-based character) and what was expected. */
export function errorAt(filterText: string, at: number, message: string, path = '/filter'): InvalidArgumentError {
  const end = path === '/filter' ? 'the end of the filter' : 'the end of the term';
  const shown = at >= filterText.length ? end : `'${[...filterText.slice(at)].slice(0, 20).join('')}'`;
  // Counted in characters (code points), as a person counts them, not in UTF-16 units.
  const character = [...filterText.slice(0, at)].length + 1;
  return InvalidArgumentError.field(path, `at character ${character} (${shown}): ${message}`);
}

function tokenize(text: string, path: string): Token[] {
  const filterError = (source: string, at: number, message: string) => errorAt(source, at, message, path);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw filterError(text, start, `this ${c === '`' ? 'quoted name' : 'string'} is never closed (expected ${c})`);
        if (text[i] === c) {
          if (text[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      if (/[\uD800-\uDFFF]/u.test(value)) throw filterError(text, start, 'this text is not well-formed Unicode (it holds an unpaired surrogate)');
      // No stored text holds NUL (checkText): refused like a lone surrogate, so every store
      // answers alike instead of one matching nothing and another failing on it.
      if (value.includes('\u0000')) throw filterError(text, start, 'this text holds the NUL character (U+0000), which no stored text holds');
      tokens.push({ type: c === '`' ? 'quoted-name' : 'string', text: text.slice(start, i), value, at: start });
      continue;
    }
    const previous = tokens[tokens.length - 1]?.type;
    // After a name, '.' separates (params.x); right after a '.', what follows is a name, even
    // when it is all digits (params.123, tags.2023-01).
    const afterName = previous === 'word' || previous === 'quoted-name';
    const number = previous === '.' || (c === '.' && afterName) ? null : /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      const glued = /^[A-Za-z0-9_.]+/.exec(text.slice(i + number[0].length));
      if (!glued) {
        tokens.push({ type: 'number', text: number[0], value: number[0], at: start });
        i += number[0].length;
        continue;
      }
      // A number glued to letters (1.5abc) is neither a number nor a name: one token, so the
      // error quotes all of it.
      const whole = number[0] + glued[0];
      tokens.push({ type: 'word', text: whole, value: whole, at: start });
      i += whole.length;
      continue;
    }
    // Words may start with a digit (a key like 2nd_layer) and hold / and : (train/loss).
    const word = /^[A-Za-z0-9_][A-Za-z0-9_\-/:]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ type: 'word', text: word[0], value: word[0], at: start });
      i += word[0].length;
      continue;
    }
    const operator = /^(<=|>=|!=|<>|=|<|>)/.exec(text.slice(i));
    if (operator) {
      tokens.push({ type: 'operator', text: operator[0], value: operator[0] === '<>' ? '!=' : operator[0], at: start });
      i += operator[0].length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      tokens.push({ type: c, text: c, value: c, at: start });
      i++;
      continue;
    }
    throw filterError(text, start, `unexpected character '${String.fromCodePoint(text.codePointAt(i) as number)}'`);
  }
  tokens.push({ type: 'end', text: '', value: '', at: text.length });
  return tokens;
}

const isKeyword = (token: Token, keyword: string): boolean => token.type === 'word' && token.text.toLowerCase() === keyword;

/** Parses a filter; an empty or blank filter is undefined (everything matches). @throws InvalidArgumentError on `/filter` */
export function parseFilter(text: string): Filter | undefined {
  if (text.length > MAX_FILTER_LENGTH) throw InvalidArgumentError.field('/filter', `must be at most ${MAX_FILTER_LENGTH} characters`);
  if (text.trim() === '') return undefined;
  const p = parser(text, '/filter');
  const filter = p.parseOr(0);
  if (p.peek().type !== 'end') p.fail(p.peek(), "'and', 'or' or the end of the filter");
  return filter;
}

/** One sort term: a field of the filter language, ascending unless `desc`. */
export interface OrderTerm {
  field: Field;
  descending: boolean;
}

export const MAX_ORDER_TERMS = 5;

/**
 * Parses sort terms such as `metrics.acc desc`, `params.lr`, `startedAt desc`.
 * @throws InvalidArgumentError on `/orderBy/<i>`
 */
export function parseOrderBy(terms: readonly string[]): OrderTerm[] {
  if (terms.length > MAX_ORDER_TERMS) throw InvalidArgumentError.field('/orderBy', `must hold at most ${MAX_ORDER_TERMS} terms`);
  return terms.map((term, i) => {
    const path = `/orderBy/${i}`;
    if (term.length > 1_000) throw InvalidArgumentError.field(path, 'must be at most 1000 characters');
    const p = parser(term, path);
    const field = p.parseField();
    const direction = p.peek();
    const descending = isKeyword(direction, 'desc');
    if (descending || isKeyword(direction, 'asc')) p.next();
    if (p.peek().type !== 'end') p.fail(p.peek(), "'asc', 'desc' or the end of the term");
    return { field, descending };
  });
}

function parser(text: string, path: string) {
  const filterError = (source: string, at: number, message: string) => errorAt(source, at, message, path);
  const tokens = tokenize(text, path);
  let position = 0;
  const peek = (): Token => tokens[position] as Token;
  const next = (): Token => tokens[position++] as Token;
  const fail = (token: Token, expected: string): never => {
    const found = token.type === 'end' ? '' : `, found '${token.text}'`;
    throw filterError(text, token.at, `expected ${expected}${found}`);
  };

  const parseOr = (depth: number): Filter => {
    let left = parseAnd(depth);
    while (isKeyword(peek(), 'or')) {
      next();
      left = { type: 'or', left, right: parseAnd(depth) };
    }
    return left;
  };
  const parseAnd = (depth: number): Filter => {
    let left = parseNot(depth);
    while (isKeyword(peek(), 'and')) {
      next();
      left = { type: 'and', left, right: parseNot(depth) };
    }
    return left;
  };
  const parseNot = (depth: number): Filter => {
    if (depth > MAX_FILTER_DEPTH) throw filterError(text, peek().at, `nesting deeper than ${MAX_FILTER_DEPTH} levels`);
    if (isKeyword(peek(), 'not')) {
      next();
      return { type: 'not', operand: parseNot(depth + 1) };
    }
    if (peek().type === '(') {
      next();
      const inner = parseOr(depth + 1);
      if (peek().type !== ')') fail(peek(), "')' or 'and' / 'or'");
      next();
      return inner;
    }
    return parseCondition();
  };

  const parseCondition = (): Filter => {
    const fieldToken = peek();
    const field = parseField();
    const token = next();
    if (token.type === 'operator') return { type: 'compare', field, operator: token.value as ComparisonOperator, value: literal(field) };
    let negated = false;
    let keyword = token;
    if (isKeyword(token, 'not')) {
      negated = true;
      keyword = next();
    }
    if (isKeyword(keyword, 'in')) {
      if (next().type !== '(') fail(tokens[position - 1] as Token, "'(' to start the list");
      const values = [literal(field)];
      while (peek().type === ',') {
        next();
        values.push(literal(field));
      }
      if (peek().type !== ')') fail(peek(), "',' or ')'");
      next();
      return { type: 'in', field, values, negated };
    }
    if (isKeyword(keyword, 'like') || isKeyword(keyword, 'ilike')) {
      if (!hasText(field)) throw filterError(text, fieldToken.at, `${fieldName(field)} holds ${fieldType(field) === 'time' ? 'times' : 'numbers'}: like and ilike apply to params, tags and text attributes`);
      const pattern = next();
      if (pattern.type !== 'string') fail(pattern, 'a quoted pattern');
      return { type: 'like', field, pattern: pattern.value, caseInsensitive: isKeyword(keyword, 'ilike'), negated };
    }
    return fail(keyword, negated ? "'in', 'like' or 'ilike' after 'not'" : "a comparison (=, !=, <, <=, >, >=, in, not in, like, ilike)");
  };

  /** A value, checked against the field it is compared with. */
  const literal = (field: Field): FilterValue => {
    const at = peek().at;
    const checked = literalFor(field, parseValue());
    if ('error' in checked) throw filterError(text, at, checked.error);
    return checked.value;
  };

  const name = (): string => {
    const token = next();
    if (token.type === 'word' || token.type === 'quoted-name') return token.value;
    return fail(token, 'a name (in backticks if it holds spaces or dots)');
  };

  const parseField = (): Field => {
    const first = peek();
    if (first.type !== 'word') return fail(first, 'a field: params.<key>, metrics.<key>, tags.<key> or an attribute');
    next();
    const head = first.text;
    const lower = head.toLowerCase();
    if (lower === 'params' || lower === 'tags' || lower === 'metrics') {
      if (next().type !== '.') fail(tokens[position - 1] as Token, `'.' and a key after '${head}'`);
      const key = name();
      if (lower === 'params') return { kind: 'param', key };
      if (lower === 'tags') return { kind: 'tag', key };
      if (peek().type === '.') {
        next();
        const aggregate = peek();
        const value = name().toLowerCase();
        if (!(METRIC_AGGREGATES as readonly string[]).includes(value)) {
          fail(aggregate, `one of ${METRIC_AGGREGATES.join(', ')} after the metric key (put a key with dots in backticks)`);
        }
        return { kind: 'metric', key, aggregate: value as MetricAggregate };
      }
      return { kind: 'metric', key, aggregate: 'latest' };
    }
    let attribute = head;
    if (lower === 'attributes') {
      if (next().type !== '.') fail(tokens[position - 1] as Token, "'.' and an attribute after 'attributes'");
      const token = peek();
      attribute = name();
      if (!ATTRIBUTES.some((a) => a.toLowerCase() === attribute.toLowerCase())) fail(token, `an attribute (${ATTRIBUTES.join(', ')})`);
    }
    const match = ATTRIBUTES.find((a) => a.toLowerCase() === attribute.toLowerCase());
    if (!match) return fail(first, `a field: params.<key>, metrics.<key>, tags.<key> or an attribute (${ATTRIBUTES.join(', ')})`);
    return { kind: 'attribute', name: match };
  };

  const parseValue = (): FilterValue => {
    const token = next();
    if (token.type === 'string') return token.value;
    if (token.type === 'number') {
      const value = Number(token.text);
      if (!Number.isFinite(value)) throw filterError(text, token.at, `${token.text} is not a finite number`);
      return value;
    }
    if (isKeyword(token, 'true')) return true;
    if (isKeyword(token, 'false')) return false;
    return fail(token, "a value: 'text', a number, true or false");
  };

  return { parseOr, parseField, peek, next, fail };
}
