import { compareText } from '../../../domain/paging.js';
import { likeMatcher } from '../../../domain/search/values.js';
import { checkComparison, NUMERIC_COMPARATORS, parseClauses, parseDirection, parseIdentifier, Scanner, type Clause, type Comparator, type Text, type Value } from './mlflow-grammar.js';

/**
 * MLflow experiment filters and orders (search-experiments) → a predicate and a comparator,
 * because experiments have no search language of their own in Fathom. Owns what an experiment
 * is searched and sorted by: its name, its times, its tags, and (for sorting) its id.
 */

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
    checkComparison(s, clause, textComparators, 'text');
    const { key } = identifier;
    const test = textTest(comparator, (value as Text).value);
    // A tag the experiment does not have makes the comparison false, != included (as in MLflow).
    return (experiment) => Object.hasOwn(experiment.tags, key) && test(experiment.tags[key] as string);
  }
  if (identifier.entity !== 'attribute') s.fail(identifier.at, `experiments are searched by name, creation_time, last_update_time and tags.<key>, not by ${identifier.entity}s`);
  switch (identifier.key.toLowerCase()) {
    case 'name': {
      checkComparison(s, clause, textComparators, 'text');
      const test = textTest(comparator, (value as Text).value);
      return (experiment) => test(experiment.name);
    }
    case 'creation_time':
    case 'last_update_time': {
      checkComparison(s, clause, NUMERIC_COMPARATORS, 'numbers');
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
