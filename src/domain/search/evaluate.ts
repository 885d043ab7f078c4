import type { MetricSummary } from '../metric.js';
import { compareIds, compareText } from '../paging.js';
import type { ParameterValue } from '../parameter.js';
import { runDuration, type Run, type RunId } from '../run.js';
import type { ComparisonOperator, Field, Filter, FilterValue, OrderTerm } from './filter.js';
import { booleanView, fieldType, likeMatcher, numericView, textView } from './values.js';

/**
 * What a filter means, run by run: the reference every store must agree with. The memory store
 * evaluates filters with it; SQL stores compile the same rules to SQL, and a differential test
 * holds them to identical results.
 *
 * Logic is SQL's three-valued logic: a comparison with a missing field (a run without that
 * parameter, tag or metric; a NaN metric value; the completedAt of a running run) is unknown,
 * `not unknown` is unknown, and a run matches only when the whole filter is true. So
 * `params.lr != 0.1` does not match runs that have no `lr`, and neither does its `not`.
 */
export interface RunFacts {
  run: Run;
  parameters: ReadonlyMap<string, ParameterValue>;
  metrics: ReadonlyMap<string, MetricSummary>;
}

type Truth = boolean | null;

export function matches(filter: Filter | undefined, facts: RunFacts): boolean {
  return filter === undefined || evaluate(filter, facts) === true;
}

function evaluate(filter: Filter, facts: RunFacts): Truth {
  switch (filter.type) {
    case 'and': {
      const left = evaluate(filter.left, facts);
      if (left === false) return false;
      const right = evaluate(filter.right, facts);
      if (right === false) return false;
      return left === true && right === true ? true : null;
    }
    case 'or': {
      const left = evaluate(filter.left, facts);
      if (left === true) return true;
      const right = evaluate(filter.right, facts);
      if (right === true) return true;
      return left === false && right === false ? false : null;
    }
    case 'not': {
      const operand = evaluate(filter.operand, facts);
      return operand === null ? null : !operand;
    }
    case 'compare':
      return compare(filter.field, filter.operator, filter.value, facts);
    case 'in': {
      // `x in (a, b)` is `x = a or x = b`, as in SQL; `not in` its negation.
      let result: Truth = false;
      for (const value of filter.values) {
        const one = compare(filter.field, '=', value, facts);
        if (one === true) {
          result = true;
          break;
        }
        if (one === null) result = null;
      }
      return filter.negated && result !== null ? !result : result;
    }
    case 'like': {
      const text = textOf(filter.field, facts);
      if (text === null) return null;
      const matched = likeMatcher(filter.pattern, filter.caseInsensitive)(text);
      return filter.negated ? !matched : matched;
    }
  }
}

/** The literal's type picks the field's view: numbers compare numbers, text compares text. */
function compare(field: Field, operator: ComparisonOperator, literal: FilterValue, facts: RunFacts): Truth {
  let order: number;
  if (typeof literal === 'number') {
    const value = numberOf(field, facts);
    if (value === null) return null;
    order = compareNumbers(value, literal);
  } else if (typeof literal === 'string') {
    const value = textOf(field, facts);
    if (value === null) return null;
    order = Math.sign(compareText(value, literal));
  } else {
    const value = booleanOf(field, facts);
    if (value === null) return null;
    order = Number(value) - Number(literal);
  }
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

const compareNumbers = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** NaN is no value: SQL stores hold it as NULL. */
const present = (value: number | undefined): number | null => (value === undefined || Number.isNaN(value) ? null : value);

function numberOf(field: Field, facts: RunFacts): number | null {
  switch (field.kind) {
    case 'param': {
      const value = facts.parameters.get(field.key);
      return value === undefined ? null : numericView(value);
    }
    case 'metric': {
      const summary = facts.metrics.get(field.key);
      if (!summary) return null;
      return present(field.aggregate === 'latest' ? summary.last.value : summary[field.aggregate]);
    }
    case 'attribute':
      if (field.name === 'startedAt') return facts.run.startedAt;
      if (field.name === 'completedAt') return present(facts.run.completedAt);
      if (field.name === 'duration') return present(runDuration(facts.run));
      return null;
    case 'tag':
      return null;
  }
}

function textOf(field: Field, facts: RunFacts): string | null {
  const run = facts.run;
  switch (field.kind) {
    case 'param': {
      const value = facts.parameters.get(field.key);
      return value === undefined ? null : textView(value);
    }
    case 'tag':
      return Object.hasOwn(run.tags, field.key) ? (run.tags[field.key] as string) : null;
    case 'attribute':
      switch (field.name) {
        case 'id':
          return run.id;
        case 'name':
          return run.name ?? null;
        case 'status':
          return run.status;
        case 'lifecycleStage':
          return run.lifecycleStage;
        case 'experimentId':
          return run.experimentId;
        case 'parentRunId':
          return run.parentRunId ?? null;
        case 'createdBy':
          return run.createdBy;
        default:
          return null;
      }
    case 'metric':
      return null;
  }
}

function booleanOf(field: Field, facts: RunFacts): boolean | null {
  if (field.kind !== 'param') return null;
  const value = facts.parameters.get(field.key);
  return value === undefined ? null : booleanView(textView(value));
}

/**
 * Sorting. Each term sorts by one or more keys, each either a number or text, missing values
 * last whichever the direction; runs that tie on every term are ordered by id, in the direction
 * of the last term. A parameter sorts by its numeric view, then by its text: numbers (in
 * numeric order) before text, so `params.lr` orders 0.001 < 0.01 < 0.1, as logged by MLflow or not.
 */
export type SortValue = number | string | null;

export function sortKeyKinds(field: Field): ('number' | 'text')[] {
  const type = fieldType(field);
  if (type === 'param') return ['number', 'text'];
  return type === 'text' ? ['text'] : ['number'];
}

export function sortKeysOf(terms: readonly OrderTerm[], facts: RunFacts): SortValue[] {
  const keys: SortValue[] = [];
  for (const { field } of terms) {
    if (field.kind === 'param') {
      const value = facts.parameters.get(field.key);
      keys.push(value === undefined ? null : numericView(value), value === undefined ? null : textView(value));
    } else if (fieldType(field) === 'text') keys.push(textOf(field, facts));
    else keys.push(numberOf(field, facts));
  }
  return keys;
}

/** A run's place in a sorted result: its sort keys and its id. */
export interface SortPosition {
  keys: readonly SortValue[];
  id: RunId;
}

/** Negative when `a` comes before `b` under `terms`. */
export function comparePositions(terms: readonly OrderTerm[], a: SortPosition, b: SortPosition): number {
  let k = 0;
  for (const term of terms) {
    for (let n = sortKeyKinds(term.field).length; n > 0; n--, k++) {
      const x = a.keys[k] as SortValue;
      const y = b.keys[k] as SortValue;
      if (x === y) continue;
      // Missing values last, ascending or descending.
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x === 'number' ? compareNumbers(x, y as number) : Math.sign(compareText(x, y as string));
      if (order !== 0) return term.descending ? -order : order;
    }
  }
  const last = terms[terms.length - 1];
  const byId = compareIds(a.id, b.id);
  return last?.descending ? -byId : byId;
}
