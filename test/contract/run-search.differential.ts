import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSearchQuery } from '../../src/application/ports/run-search.js';
import { createMemoryStore } from '../../src/adapters/persistence/memory/memory-store.js';
import type { MetricDraft } from '../../src/domain/metric.js';
import type { Parameter, ParameterValue } from '../../src/domain/parameter.js';
import { RUN_STATUSES, type Run } from '../../src/domain/run.js';
import type { SortPosition } from '../../src/domain/search/evaluate.js';
import { ATTRIBUTES, parseFilter, parseOrderBy, type Attribute, type ComparisonOperator, type Field, type Filter, type FilterValue } from '../../src/domain/search/filter.js';
import { fieldType, hasText, literalFor } from '../../src/domain/search/values.js';
import { anExperiment, type RepositoryStore } from './repositories/support.js';

/**
 * The memory store evaluates the domain's definition of a search; the SQL stores compile it to
 * SQL. Each SQL store and the memory store get the same pseudo-random runs, then the same
 * pseudo-random filters (written as text and parsed, so the parser is exercised too) and orders,
 * and must give the same runs in the same order, whole and page by page. Set FATHOM_SEARCH_SEED
 * to replay or explore another seed. Each store's test file runs `runSearchDifferential`.
 */
const SEED = Number(process.env.FATHOM_SEARCH_SEED ?? 20260115);
const RUNS = 200;
const QUERIES = 300;
const T0 = Date.UTC(2026, 0, 15, 10);

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}
type Random = ReturnType<typeof random>;

// The vocabulary data and filters share, rich in the cases stores get wrong (the Kelvin sign K and
// the long ſ fold to k and s under Unicode's simple case folding, as final ς folds to σ).
const PARAM_KEYS = ['lr', 'opt', 'amp', 'n', 'batch size', 'a.b', '2nd'];
const PARAM_VALUES: ParameterValue[] = [
  0, -0, 1, 2, 10, 0.1, 0.001, 1e-7, 1e21, -3.5, 42, 1 / 3,
  '0', '-0', '1', '01', '1.0', '0.001', '1e-3', '+5', '.5', ' 5', '1e400', 'NaN', 'Infinity', '-2', '0x10',
  'adam', 'Adam', 'ADAM', 'ädam', 'ÄDAM', 'straße', 'STRASSE', 'Résumé', 'ΟΔΟΣ', 'οδοσ', 'İ', 'i', '🚀', '🚀🚀', '～', 'é', '',
  'a_b', 'a%b', 'a\\b', "it's", 'say "hi"', 'true', 'True', 'FALSE', 'yes', true, false, 'e\u0301', 'E\u0301', '\u212a', 'ſ',
];
const TAG_KEYS = ['team', 'note', 'with space', 'a.b', '__proto__', 'mlflow.user'];
const TAG_VALUES = ['', 'nlp', 'NLP', 'vision', 'ΟΔΟΣ', 'straße', 'Résumé', '🚀', '～', 'a_b', '100%', '0.5', 'TRUE', "it's", 'x\\y', 'ada'];
const METRIC_KEYS = ['loss', 'acc', 'val.loss', 'train/loss'];
const METRIC_VALUES = [0, 0.1, 0.2, 0.3, 0.5, 0.9, 1, -1, 1 / 3, 2 / 3, 1e308, NaN, NaN, Infinity, -Infinity];
const NAMES = ['resnet-50', 'resnet-🚀', 'ResNet', 'Résumé', 'ΟΔΟΣ', 'straße', 'run_1', 'run%2', 'a\\b', "it's", '～', '🚀'];
const CREATORS = ['ada', 'Ada', 'bob', 'zoë'];
const LIKE_PATTERNS = [
  '%', '_', '__', '%a%', 'a%', '%A%', 'resnet%', 'RES%', '%🚀', '_🚀', '🚀_', 'run\\_%', 'run\\%%', '%\\%', '%\\\\%', 'a\\\\b', 'a_b',
  'ΟΔΟ_', 'οδο%', 'STRA%E', 'straße', '%ÉSUMÉ', 'é', '_%_', '1%', '0.%', '%e%', 'tru_', 'i', 'İ', '', "it''s", '%.%',
  'run-%', 'RUN-%a%', 'run-_0%', '%f', 'οδος', 'k', '%S%',
];
const AGGREGATES = ['latest', 'latest', 'min', 'max', 'mean', 'count'] as const;

// ---------------------------------------------------------------------------------------------
// Data: one plan, applied to both stores.
// ---------------------------------------------------------------------------------------------

interface PlannedRun {
  run: Run;
  parameters: Parameter[];
  batches: MetricDraft[][];
  /** Changed after every run exists: new tags (a null removes one) and name. */
  change?: { tags: Record<string, string | null>; name?: string };
  /** Deleted after every run exists: its children lose their parent. */
  deleted?: boolean;
  /** Moved to the trash (MLflow's run delete), so lifecycleStage differs within an experiment. */
  trashed?: boolean;
}

function planRuns(r: Random, experimentIds: readonly string[]): PlannedRun[] {
  const planned: PlannedRun[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    let id: string;
    // Mostly lower-case ids, some not: ids compare and sort by code point like any text.
    do id = `${r.pick(['run-', 'run-', 'run-', 'Run-', 'RUN_'])}${r.int(0xffffff).toString(16).padStart(6, '0')}`;
    while (ids.has(id));
    ids.add(id);
    const status = r.pick(RUN_STATUSES);
    const startedAt = T0 + r.pick([0, 0, 1000, 60_000, r.int(10_000_000)]);
    const run: Run = { id, experimentId: r.pick(experimentIds), status, tags: {}, createdBy: r.pick(CREATORS), startedAt, lifecycleStage: 'active' };
    // Only a finished run has an end: not a running one, nor one still waiting to start.
    if (!(['running', 'scheduled'] as string[]).includes(status)) run.completedAt = startedAt + r.pick([0, 1500, 1500, 60_000, r.int(10_000_000)]);
    if (r.chance(0.7)) run.name = r.pick(NAMES);
    if (planned.length > 0 && r.chance(0.2)) run.parentRunId = r.pick(planned).run.id;
    // Own properties even for keys such as __proto__, as JSON.parse gives them.
    run.tags = Object.fromEntries(TAG_KEYS.filter(() => r.chance(0.4)).map((key) => [key, r.pick(TAG_VALUES)]));
    const parameters = PARAM_KEYS.filter(() => r.chance(0.6)).map((key) => {
      const value = r.pick(PARAM_VALUES);
      return { key, value, type: typeof value as Parameter['type'] };
    });
    const batches: MetricDraft[][] = [];
    for (const key of METRIC_KEYS.filter(() => r.chance(0.6))) {
      const steps: number[] = [];
      for (let b = 1 + r.int(3); b > 0; b--) {
        // Steps arrive in any order, and some log a step again (aggregates are recomputed after a
        // replacement): every store must add up the same values in the same order.
        batches.push(
          Array.from({ length: 1 + r.int(4) }, () => {
            const step = r.int(8);
            if (!steps.includes(step)) steps.push(step);
            return { key, step, timestamp: T0, value: r.chance(0.7) ? r.pick(METRIC_VALUES) : Math.round(r.next() * 2000) / 1000 - 1 };
          }),
        );
      }
    }
    const plan: PlannedRun = { run, parameters, batches };
    if (r.chance(0.15)) {
      const keys = TAG_KEYS.filter(() => r.chance(0.4));
      plan.change = { tags: Object.fromEntries(keys.map((key) => [key, r.chance(0.4) ? null : r.pick(TAG_VALUES)])) };
      if (r.chance(0.5)) plan.change.name = r.pick(NAMES);
    }
    plan.deleted = r.chance(0.04);
    plan.trashed = !plan.deleted && r.chance(0.08);
    planned.push(plan);
  }
  return planned;
}

async function populate(store: RepositoryStore, experimentIds: readonly string[], deleted: string, planned: readonly PlannedRun[]): Promise<void> {
  for (const id of experimentIds) {
    await store.experiments.create(anExperiment({ id, name: `experiment ${id}`, createdAt: T0, updatedAt: T0 }));
  }
  for (const { run, parameters, batches } of planned) {
    await store.runs.create(structuredClone(run), parameters);
    for (const batch of batches) await store.metrics.append(run.id, batch);
  }
  for (const { run, change, deleted, trashed } of planned) {
    if (change) {
      await store.runs.update(run.id, (current) => {
        const tags = { ...current.tags };
        for (const [key, value] of Object.entries(change.tags)) {
          if (value === null) delete tags[key];
          else Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
        }
        return { ...current, tags, ...(change.name ? { name: change.name } : {}) };
      });
    }
    if (deleted) await store.runs.delete(run.id);
    if (trashed) await store.runs.update(run.id, (current) => ({ ...current, lifecycleStage: 'deleted' }));
  }
  await store.experiments.update(deleted, (e) => ({ ...e, lifecycleStage: 'deleted' }));
}

// ---------------------------------------------------------------------------------------------
// Filters: an AST, written as text the way a person might, and the tree the parser must read.
// ---------------------------------------------------------------------------------------------

const OPERATORS: ComparisonOperator[] = ['=', '!=', '<', '<=', '>', '>='];
const mixCase = (r: Random, word: string): string => (r.chance(0.7) ? word : r.chance(0.5) ? word.toUpperCase() : [...word].map((c) => (r.chance(0.5) ? c.toUpperCase() : c)).join(''));
const numberText = (n: number): string => (Object.is(n, -0) ? '-0' : String(n));

function quoted(r: Random, text: string): string {
  const quote = r.chance(0.7) ? "'" : '"';
  return `${quote}${text.replaceAll(quote, quote + quote)}${quote}`;
}

function keyText(r: Random, key: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_\-/:]*$/.test(key) && r.chance(0.8) ? key : `\`${key.replaceAll('`', '``')}\``;
}

function fieldText(r: Random, field: Field): string {
  switch (field.kind) {
    case 'param':
      return `${mixCase(r, 'params')}.${keyText(r, field.key)}`;
    case 'tag':
      return `${mixCase(r, 'tags')}.${keyText(r, field.key)}`;
    case 'metric':
      return `${mixCase(r, 'metrics')}.${keyText(r, field.key)}${field.aggregate === 'latest' ? '' : `.${mixCase(r, field.aggregate)}`}`;
    case 'attribute':
      return `${r.chance(0.2) ? `${mixCase(r, 'attributes')}.` : ''}${mixCase(r, field.name)}`;
  }
}

function aField(r: Random): Field {
  switch (r.int(4)) {
    case 0:
      return { kind: 'param', key: r.pick([...PARAM_KEYS, 'missing']) };
    case 1:
      return { kind: 'metric', key: r.pick([...METRIC_KEYS, 'missing']), aggregate: r.pick(AGGREGATES) };
    case 2:
      return { kind: 'tag', key: r.pick([...TAG_KEYS, 'missing']) };
    default:
      return { kind: 'attribute', name: r.pick(ATTRIBUTES) as Attribute };
  }
}

interface Vocabulary {
  experimentIds: readonly string[];
  runIds: readonly string[];
}

/** A literal the field accepts: as text for the filter, and as the value the parser must give. */
function aLiteral(r: Random, field: Field, words: Vocabulary): { text: string; value: FilterValue } {
  const literal = (value: FilterValue, text = typeof value === 'string' ? quoted(r, value) : typeof value === 'number' ? numberText(value) : mixCase(r, String(value))) => {
    const checked = literalFor(field, value);
    if ('error' in checked) throw new Error(`the generator made a literal the field refuses: ${text} for ${JSON.stringify(field)}`);
    return { text, value: checked.value };
  };
  switch (fieldType(field)) {
    case 'param': {
      const value = r.pick(PARAM_VALUES);
      // Any value goes: a number, text (a number's text too) or a boolean.
      return literal(r.chance(0.15) && typeof value === 'number' ? numberText(value) : value);
    }
    case 'number': {
      if (field.kind === 'metric' && field.aggregate === 'count') return literal(r.int(7));
      if (field.kind === 'attribute') return literal(r.pick([0, 1.5, 60, 1000, r.int(10_000)]));
      return literal(r.pick([...METRIC_VALUES.filter(Number.isFinite), Math.round(r.next() * 2000) / 1000 - 1, 1e-9, -1e308]));
    }
    case 'time': {
      const millis = T0 + r.pick([0, 1000, 1500, 60_000, r.int(20_000_000)]);
      if (r.chance(0.4)) return literal(millis);
      return literal(r.chance(0.2) ? '2026-01-15' : new Date(millis).toISOString());
    }
    case 'text': {
      if (field.kind === 'tag') return literal(r.pick([...TAG_VALUES, ...NAMES]));
      switch (field.kind === 'attribute' ? field.name : '') {
        case 'status':
          return literal(r.pick(RUN_STATUSES));
        case 'lifecycleStage':
          return literal(r.pick(['active', 'deleted']));
        case 'experimentId':
          return literal(r.pick([...words.experimentIds, 'exp-none']));
        case 'parentRunId':
          return literal(r.pick(words.runIds));
        case 'id':
          // Ids that exist, and prefixes and near misses that fall between them when compared.
          return literal(r.chance(0.7) ? r.pick(words.runIds) : r.pick(['run-', 'run-8', 'run-80', 'RUN-0', 'run-fffffff', 'run-zz', '']));
        case 'createdBy':
          return literal(r.pick([...CREATORS, 'zoe']));
        default:
          return literal(r.pick([...NAMES, ...TAG_VALUES]));
      }
    }
  }
}

function aCondition(r: Random, words: Vocabulary): { text: string; filter: Filter } {
  let field = aField(r);
  const kind = r.int(10);
  if (kind < 2) {
    while (!hasText(field)) field = aField(r);
    const negated = r.chance(0.3);
    const caseInsensitive = r.chance(0.5);
    const pattern = r.pick(LIKE_PATTERNS).replaceAll("''", "'");
    const keyword = `${negated ? `${mixCase(r, 'not')} ` : ''}${mixCase(r, caseInsensitive ? 'ilike' : 'like')}`;
    return { text: `${fieldText(r, field)} ${keyword} ${quoted(r, pattern)}`, filter: { type: 'like', field, pattern, caseInsensitive, negated } };
  }
  if (kind < 4) {
    const literals = Array.from({ length: 1 + r.int(3) }, () => aLiteral(r, field, words));
    const negated = r.chance(0.4);
    const keyword = `${negated ? `${mixCase(r, 'not')} ` : ''}${mixCase(r, 'in')}`;
    return {
      text: `${fieldText(r, field)} ${keyword} (${literals.map((l) => l.text).join(r.chance(0.5) ? ', ' : ',')})`,
      filter: { type: 'in', field, values: literals.map((l) => l.value), negated },
    };
  }
  const operator = r.pick(OPERATORS);
  const { text, value } = aLiteral(r, field, words);
  const written = operator === '!=' && r.chance(0.3) ? '<>' : operator;
  return { text: `${fieldText(r, field)} ${written}${r.chance(0.8) ? ' ' : ''}${text}`, filter: { type: 'compare', field, operator, value } };
}

function aFilter(r: Random, words: Vocabulary, depth = 0): { text: string; filter: Filter; compound: boolean } {
  if (depth >= 3 || r.chance(0.45)) return { ...aCondition(r, words), compound: false };
  const wrap = (part: { text: string; compound: boolean }) => (part.compound || r.chance(0.3) ? `(${part.text})` : part.text);
  if (r.chance(0.2)) {
    const operand = aFilter(r, words, depth + 1);
    return { text: `${mixCase(r, 'not')} ${wrap(operand)}`, filter: { type: 'not', operand: operand.filter }, compound: true };
  }
  const type = r.chance(0.5) ? 'and' : 'or';
  const left = aFilter(r, words, depth + 1);
  const right = aFilter(r, words, depth + 1);
  return { text: `${wrap(left)} ${mixCase(r, type)} ${wrap(right)}`, filter: { type, left: left.filter, right: right.filter }, compound: true };
}

const ID: Field = { kind: 'attribute', name: 'id' };

function anOrder(r: Random): string[] {
  // Now and then by id, anywhere in the order: a term that never ties, whose key pages must carry.
  const field = (): Field => (r.chance(0.1) ? ID : aField(r));
  return Array.from({ length: 1 + r.int(3) }, () => `${fieldText(r, field())}${r.pick(['', '', ` ${mixCase(r, 'asc')}`, ` ${mixCase(r, 'desc')}`, ` ${mixCase(r, 'desc')}`])}`);
}

// ---------------------------------------------------------------------------------------------
// The test.
// ---------------------------------------------------------------------------------------------

/** Sort keys compare as numbers: SQL stores keep -0 as 0, which no client can tell apart (JSON has no -0). */
const comparable = (positions: readonly SortPosition[]) => positions.map((p) => ({ id: p.id, keys: p.keys.map((k) => (Object.is(k, -0) ? 0 : k)) }));

/** A SQL store under test: `open` gives a new, empty one each time it is called. */
export interface StoreUnderTest {
  name: string;
  open(): Promise<RepositoryStore>;
}

/**
 * The differential test of one store against the memory store: the random runs and queries, then
 * the disagreements it found once, kept as explicit examples.
 */
export function runSearchDifferential(subject: StoreUnderTest): void {
  describe(`RunSearch: the ${subject.name} store gives what the domain's definition gives (seed ${SEED})`, () => {
    let memory: RepositoryStore;
    let store: RepositoryStore | undefined;
    const r = random(SEED);
    const experimentIds = ['exp-a', 'exp-b', 'exp-gone'];
    const planned = planRuns(r, experimentIds);
    const words: Vocabulary = { experimentIds, runIds: planned.map((p) => p.run.id) };

    beforeAll(async () => {
      memory = createMemoryStore();
      store = await subject.open();
      await populate(memory, experimentIds, 'exp-gone', planned);
      await populate(store, experimentIds, 'exp-gone', planned);
    }, 120_000);

    afterAll(async () => {
      await store?.close();
    });

    it(`agrees on ${QUERIES} random filters and orders, whole and page by page`, { timeout: 300_000 }, async () => {
      const tested = store as RepositoryStore;
      let selective = 0;
      for (let q = 0; q < QUERIES; q++) {
        const generated = r.chance(0.9) ? aFilter(r, words) : undefined;
        const orderText = anOrder(r);
        const scope = r.pick([undefined, undefined, ['exp-a'], ['exp-a', 'exp-gone'], ['exp-b', 'exp-gone'], experimentIds, []]);
        const replay = `seed ${SEED}, query ${q}: filter ${JSON.stringify(generated?.text ?? '')}, orderBy ${JSON.stringify(orderText)}, experimentIds ${JSON.stringify(scope)}`;

        const filter = parseFilter(generated?.text ?? '');
        expect(filter, `the parser reads what was written: ${replay}`).toEqual(generated?.filter);
        const query: RunSearchQuery = { orderBy: parseOrderBy(orderText), limit: 1000, ...(filter ? { filter } : {}), ...(scope ? { experimentIds: scope } : {}) };

        const expected = comparable(await memory.runSearch.search(query));
        expect(comparable(await tested.runSearch.search(query)), replay).toEqual(expected);
        if (expected.length > 0 && expected.length < 100) selective++;

        // Keyset paging in each store: no repeats, no skips, the same pages.
        const limit = Math.max(r.pick([1, 2, 3, 5, 8]), Math.ceil(expected.length / 12));
        const paged: SortPosition[] = [];
        let after: SortPosition | undefined;
        for (let n = 0; n <= expected.length; n++) {
          const page = { ...query, limit, ...(after ? { after } : {}) };
          const fromMemory = await memory.runSearch.search(page);
          const fromStore = await tested.runSearch.search(page);
          expect(comparable(fromStore), `${replay}, limit ${limit}, after ${JSON.stringify(after)}`).toEqual(comparable(fromMemory));
          paged.push(...fromMemory);
          if (fromMemory.length < limit) break;
          after = fromMemory[fromMemory.length - 1];
        }
        expect(comparable(paged), `${replay}: pages of ${limit}`).toEqual(expected);
      }
      // A generator whose filters match nothing (or everything) would prove nothing.
      expect(selective, `seed ${SEED}: filters that select some runs but not most`).toBeGreaterThan(QUERIES / 4);
    });
  });

  describe(`RunSearch on the ${subject.name} store: disagreements found by the differential test, as explicit examples`, () => {
    /** The same steps against a fresh memory store and a fresh store under test: what each search gives. */
    async function inBothStores(setUp: (store: RepositoryStore) => Promise<void>, search: Omit<RunSearchQuery, 'limit'>): Promise<{ memory: SortPosition[]; tested: SortPosition[] }> {
      const stores = { memory: createMemoryStore(), tested: await subject.open() };
      try {
        const found: Record<string, SortPosition[]> = {};
        for (const [name, store] of Object.entries(stores)) {
          await store.experiments.create(anExperiment({ id: 'exp', name: 'e', createdAt: T0, updatedAt: T0 }));
          await setUp(store);
          found[name] = await store.runSearch.search({ ...search, limit: 100 });
        }
        return { memory: found.memory as SortPosition[], tested: found.tested as SortPosition[] };
      } finally {
        await stores.tested.close();
      }
    }
    const aRun = (id: string, tags: Record<string, string> = {}): Run => ({ id, experimentId: 'exp', status: 'running', tags, createdBy: 'ada', startedAt: T0, lifecycleStage: 'active' });

    // A float sum depends on its order: stores add a batch up in step order, and recompute in step order.
    it('gives the same mean, whatever order the steps arrived in', async () => {
      const found = await inBothStores(
        async (store) => {
          await store.runs.create(aRun('r1'), []);
          await store.metrics.append('r1', [2, 0, 1].map((step, i) => ({ key: 'm', step, value: [0.1, 0.2, 0.3][i] as number, timestamp: T0 })));
        },
        { filter: parseFilter('metrics.m.mean < 0.2'), orderBy: parseOrderBy(['metrics.m.mean']) },
      );
      expect(found.tested).toEqual(found.memory);
    });

    // A tag may be named __proto__ (an own property when it comes from JSON): it is kept, not taken for the prototype.
    it('keeps a tag named __proto__ through an update', async () => {
      const found = await inBothStores(
        async (store) => {
          await store.runs.create(aRun('r1', Object.fromEntries([['__proto__', 'x']])), []);
          await store.runs.update('r1', (current) => current);
        },
        { filter: parseFilter("tags.__proto__ = 'x'"), orderBy: parseOrderBy(['startedAt']) },
      );
      expect(found.memory).toEqual([{ id: 'r1', keys: [T0] }]);
      expect(found.tested).toEqual(found.memory);
    });
  });
}
