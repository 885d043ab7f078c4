import { describe, expect, it } from 'vitest';
import { accumulateAll, toSummary, type MetricSummary } from '../../../src/domain/metric.js';
import type { ParameterValue } from '../../../src/domain/parameter.js';
import type { Run } from '../../../src/domain/run.js';
import { comparePositions, matches, sortKeysOf, type RunFacts } from '../../../src/domain/search/evaluate.js';
import { parseFilter, parseOrderBy } from '../../../src/domain/search/filter.js';

const T0 = Date.UTC(2026, 0, 15, 10);

interface Given {
  params?: Record<string, ParameterValue>;
  tags?: Record<string, string>;
  /** Each key's values, logged at steps 0, 1, 2, ... */
  metrics?: Record<string, number[]>;
  run?: Partial<Run>;
}

function aRun(id: string, given: Given = {}): RunFacts {
  const run: Run = { id, experimentId: 'exp-1', status: 'running', tags: given.tags ?? {}, createdBy: 'ada', startedAt: T0, lifecycleStage: 'active', ...given.run };
  const metrics = new Map<string, MetricSummary>();
  for (const [key, values] of Object.entries(given.metrics ?? {})) {
    const acc = accumulateAll(values.map((value, step) => ({ key, value, step, timestamp: T0 })));
    if (acc) metrics.set(key, toSummary(key, acc));
  }
  return { run, parameters: new Map(Object.entries(given.params ?? {})), metrics };
}

/** The ids of the runs the filter matches, in the order given. */
const matching = (filter: string, runs: readonly RunFacts[]): string[] => {
  const parsed = parseFilter(filter);
  return runs.filter((facts) => matches(parsed, facts)).map((facts) => facts.run.id);
};

/** The ids of the runs in the order the terms sort them. */
const sorted = (terms: string[], runs: readonly RunFacts[]): string[] => {
  const orderBy = parseOrderBy(terms);
  return runs
    .map((facts) => ({ keys: sortKeysOf(orderBy, facts), id: facts.run.id }))
    .sort((a, b) => comparePositions(orderBy, a, b))
    .map((position) => position.id);
};

describe('matching a filter', () => {
  it('matches everything when there is no filter', () => {
    expect(matches(undefined, aRun('r'))).toBe(true);
  });

  describe('parameters: the literal picks the view', () => {
    const runs = [
      aRun('number', { params: { lr: 0.001 } }),
      aRun('numeric-string', { params: { lr: '0.001' } }),
      aRun('exponent-string', { params: { lr: '1e-3' } }),
      aRun('text', { params: { lr: 'auto' } }),
      aRun('none'),
    ];

    it('a number compares numbers, and strings that read as numbers', () => {
      expect(matching('params.lr < 0.01', runs)).toEqual(['number', 'numeric-string', 'exponent-string']);
      expect(matching('params.lr = 1e-3', runs)).toEqual(['number', 'numeric-string', 'exponent-string']);
      expect(matching('params.lr >= 0.01', runs)).toEqual([]);
    });

    it('quoted text compares the text view: a number as JavaScript prints it', () => {
      expect(matching("params.lr = '0.001'", runs)).toEqual(['number', 'numeric-string']);
      expect(matching("params.lr = '1e-3'", runs)).toEqual(['exponent-string']);
      expect(matching("params.lr != 'auto'", runs)).toEqual(['number', 'numeric-string', 'exponent-string']);
      expect(matching("params.lr > 'a'", runs)).toEqual(['text']);
    });

    it("a boolean compares true/false in any case: 'True' from an MLflow client is true", () => {
      const flags = [
        aRun('bool', { params: { amp: true } }),
        aRun('True', { params: { amp: 'True' } }),
        aRun('FALSE', { params: { amp: 'FALSE' } }),
        aRun('one', { params: { amp: 1 } }),
        aRun('yes', { params: { amp: 'yes' } }),
      ];
      expect(matching('params.amp = true', flags)).toEqual(['bool', 'True']);
      expect(matching('params.amp = false', flags)).toEqual(['FALSE']);
      // 1 and 'yes' have no boolean view: unknown, so not even != matches them.
      expect(matching('params.amp != true', flags)).toEqual(['FALSE']);
      // The text view is case-sensitive, and a boolean prints in lower case.
      expect(matching("params.amp = 'true'", flags)).toEqual(['bool']);
      expect(matching("params.amp = 'True'", flags)).toEqual(['True']);
    });

    it('text compares by code point, so an emoji sorts after every other character', () => {
      const texts = [aRun('tilde', { params: { s: '～' } }), aRun('rocket', { params: { s: '🚀' } }), aRun('e', { params: { s: 'é' } })];
      expect(matching("params.s > '～'", texts)).toEqual(['rocket']);
      expect(matching("params.s < 'z'", texts)).toEqual([]);
    });
  });

  describe("missing values: SQL's three-valued logic", () => {
    const runs = [aRun('x1', { params: { x: 1 } }), aRun('x2', { params: { x: 2 } }), aRun('t-only', { tags: { t: 'a' } }), aRun('nothing')];

    it('a comparison with a missing parameter is unknown, and so is its negation', () => {
      expect(matching('params.x != 1', runs)).toEqual(['x2']);
      expect(matching('not (params.x = 1)', runs)).toEqual(['x2']);
      expect(matching('not not params.x = 1', runs)).toEqual(['x1']);
      expect(matching('params.x not in (1)', runs)).toEqual(['x2']);
    });

    it('or is true when either side is, whatever the other', () => {
      expect(matching("params.x = 1 or tags.t = 'a'", runs)).toEqual(['x1', 't-only']);
    });

    it('and is false when either side is, so its negation is true even with the other side unknown', () => {
      expect(matching("not (params.x = 1 and tags.t = 'a')", runs)).toEqual(['x2']);
      // false or unknown is unknown: x1 is left out as well.
      expect(matching("not (params.x = 2 or tags.t = 'a')", runs)).toEqual([]);
    });

    it('in is an or of equalities; not in negates it, so one unknown member keeps it unknown', () => {
      const values = [aRun('adam', { params: { opt: 'adam' } }), aRun('sgd', { params: { opt: 'sgd' } }), aRun('three', { params: { opt: 3 } })];
      expect(matching("params.opt in ('adam', 3)", values)).toEqual(['adam', 'three']);
      expect(matching("params.opt not in ('adam')", values)).toEqual(['sgd', 'three']);
      // 'sgd' has no numeric view, so `opt = 3` is unknown for it, and so is the whole not in.
      expect(matching("params.opt not in ('adam', 3)", values)).toEqual([]);
    });

    it('like and not like both leave runs without the field out', () => {
      expect(matching("tags.t like '%'", runs)).toEqual(['t-only']);
      expect(matching("tags.t not like 'b%'", runs)).toEqual(['t-only']);
    });
  });

  describe('tags', () => {
    const runs = [aRun('empty', { tags: { t: '' } }), aRun('a', { tags: { t: 'a' } }), aRun('absent', { tags: { other: '' } })];

    it('a tag present and empty is a value; an absent one is missing', () => {
      expect(matching("tags.t = ''", runs)).toEqual(['empty']);
      expect(matching("tags.t != 'a'", runs)).toEqual(['empty']);
      expect(matching("tags.t like '%'", runs)).toEqual(['empty', 'a']);
      expect(matching("tags.t < 'a'", runs)).toEqual(['empty']);
    });

    it('a tag named like an object property is only there when set', () => {
      expect(matching("tags.constructor like '%'", runs)).toEqual([]);
      const own = aRun('own', { tags: Object.fromEntries([['__proto__', 'x']]) });
      expect(matching("tags.__proto__ = 'x'", [own, ...runs])).toEqual(['own']);
    });
  });

  describe('metrics', () => {
    it('compares the latest value; a NaN value is missing', () => {
      const runs = [aRun('nan-last', { metrics: { loss: [0.5, NaN] } }), aRun('ok', { metrics: { loss: [NaN, 0.5] } }), aRun('none')];
      expect(matching('metrics.loss < 1', runs)).toEqual(['ok']);
      expect(matching('metrics.loss >= 1', runs)).toEqual([]);
      expect(matching('not (metrics.loss < 1)', runs)).toEqual([]);
    });

    it('compares Infinity like any number', () => {
      const runs = [aRun('inf', { metrics: { loss: [Infinity] } }), aRun('-inf', { metrics: { loss: [-Infinity] } }), aRun('big', { metrics: { loss: [1e308] } })];
      expect(matching('metrics.loss > 1e308', runs)).toEqual(['inf']);
      expect(matching('metrics.loss < -1e308', runs)).toEqual(['-inf']);
      expect(matching('metrics.loss != 1e308', runs)).toEqual(['inf', '-inf']);
    });

    it('aggregates leave NaN values out of min, max and mean, but count every point', () => {
      const runs = [aRun('mixed', { metrics: { loss: [4, NaN, 2, 0] } }), aRun('all-nan', { metrics: { loss: [NaN, NaN] } })];
      expect(matching('metrics.loss.min = 0 and metrics.loss.max = 4 and metrics.loss.mean = 2', runs)).toEqual(['mixed']);
      expect(matching('metrics.loss.count = 4', runs)).toEqual(['mixed']);
      expect(matching('metrics.loss.count = 2', runs)).toEqual(['all-nan']);
      // Every value NaN: min, max and mean are missing.
      expect(matching('metrics.loss.min < 1e308 or metrics.loss.max > -1e308 or metrics.loss.mean != 0', runs)).toEqual(['mixed']);
    });
  });

  describe('attributes', () => {
    const finished = aRun('finished', { run: { status: 'completed', startedAt: T0, completedAt: T0 + 1500, name: 'resnet-50' } });
    const running = aRun('running', { run: { startedAt: T0 + 60_000 } });

    it('duration is in seconds, and missing for a run still running', () => {
      expect(matching('duration = 1.5', [finished, running])).toEqual(['finished']);
      expect(matching('duration < 2 and duration > 1', [finished, running])).toEqual(['finished']);
      expect(matching('duration >= 0', [finished, running])).toEqual(['finished']);
      expect(matching('not (duration >= 0)', [finished, running])).toEqual([]);
    });

    it('completedAt of a running run is missing; times compare with quoted dates or epoch milliseconds', () => {
      expect(matching('completedAt > 0', [finished, running])).toEqual(['finished']);
      expect(matching("startedAt > '2026-01-15T10:00:00Z'", [finished, running])).toEqual(['running']);
      expect(matching(`startedAt = ${T0}`, [finished, running])).toEqual(['finished']);
      expect(matching("completedAt < '2026-01-16'", [finished, running])).toEqual(['finished']);
    });

    it('a run without a name or a parent has none to compare', () => {
      expect(matching("name like 'resnet%'", [finished, running])).toEqual(['finished']);
      expect(matching("name != 'x'", [finished, running])).toEqual(['finished']);
      expect(matching("parentRunId != 'x'", [finished, running])).toEqual([]);
      expect(matching("status = 'running' and experimentId = 'exp-1' and createdBy = 'ada'", [finished, running])).toEqual(['running']);
    });

    it('id is the run id, compared as text: equality, in lists, order and like', () => {
      const runs = [aRun('01a2'), aRun('01b0'), aRun('01B1'), aRun('ff00')];
      expect(matching("id = '01b0'", runs)).toEqual(['01b0']);
      expect(matching("id != '01b0'", runs)).toEqual(['01a2', '01B1', 'ff00']);
      expect(matching("id in ('ff00', '01a2', 'none')", runs)).toEqual(['01a2', 'ff00']);
      expect(matching("id not in ('ff00', '01a2')", runs)).toEqual(['01b0', '01B1']);
      // By code point: upper-case before lower-case.
      expect(matching("id < '01b'", runs)).toEqual(['01a2', '01B1']);
      expect(matching("id >= '01b0' and id <= 'ff00'", runs)).toEqual(['01b0', 'ff00']);
      expect(matching("id like '01b_'", runs)).toEqual(['01b0']);
      expect(matching("id ilike '01b_'", runs)).toEqual(['01b0', '01B1']);
      expect(matching("not id like '01%'", runs)).toEqual(['ff00']);
    });
  });
});

describe('sorting', () => {
  it('puts runs without the value last, ascending and descending', () => {
    const runs = [aRun('b-missing'), aRun('c-low', { metrics: { acc: [0.5] } }), aRun('a-nan', { metrics: { acc: [NaN] } }), aRun('d-high', { metrics: { acc: [0.9] } })];
    expect(sorted(['metrics.acc'], runs)).toEqual(['c-low', 'd-high', 'a-nan', 'b-missing']);
    expect(sorted(['metrics.acc desc'], runs)).toEqual(['d-high', 'c-low', 'b-missing', 'a-nan']);
  });

  it('sorts Infinity after every finite number and -Infinity before', () => {
    const runs = [aRun('inf', { metrics: { loss: [Infinity] } }), aRun('one', { metrics: { loss: [1] } }), aRun('-inf', { metrics: { loss: [-Infinity] } })];
    expect(sorted(['metrics.loss'], runs)).toEqual(['-inf', 'one', 'inf']);
  });

  it('sorts a parameter numbers first (numerically, however logged), then text, then missing, both ways', () => {
    const runs = [
      aRun('adam', { params: { p: 'adam' } }),
      aRun('ten', { params: { p: 10 } }),
      aRun('none'),
      aRun('true', { params: { p: true } }),
      aRun('tenth', { params: { p: '0.1' } }),
      aRun('two', { params: { p: 2 } }),
    ];
    expect(sorted(['params.p'], runs)).toEqual(['tenth', 'two', 'ten', 'adam', 'true', 'none']);
    expect(sorted(['params.p desc'], runs)).toEqual(['ten', 'two', 'tenth', 'true', 'adam', 'none']);
  });

  it('orders equal numbers by how they were written', () => {
    const runs = [aRun('a', { params: { p: '1.0' } }), aRun('b', { params: { p: 1 } }), aRun('c', { params: { p: '01' } })];
    expect(sorted(['params.p'], runs)).toEqual(['c', 'b', 'a']);
  });

  it('sorts text by code point: an emoji after a full-width character', () => {
    const runs = [aRun('rocket', { tags: { t: '🚀' } }), aRun('tilde', { tags: { t: '～' } }), aRun('upper', { tags: { t: 'Z' } }), aRun('lower', { tags: { t: 'a' } })];
    expect(sorted(['tags.t'], runs)).toEqual(['upper', 'lower', 'tilde', 'rocket']);
  });

  it('breaks ties by run id, in the direction of the last term', () => {
    const runs = ['r2', 'r3', 'r1'].map((id) => aRun(id, { params: { p: 1 }, metrics: { acc: [0.5] } }));
    expect(sorted(['params.p'], runs)).toEqual(['r1', 'r2', 'r3']);
    expect(sorted(['params.p desc'], runs)).toEqual(['r3', 'r2', 'r1']);
    expect(sorted(['params.p desc', 'metrics.acc'], runs)).toEqual(['r1', 'r2', 'r3']);
    expect(sorted(['params.p', 'metrics.acc desc'], runs)).toEqual(['r3', 'r2', 'r1']);
    // Missing values tie with each other too.
    expect(sorted(['tags.none desc'], runs)).toEqual(['r3', 'r2', 'r1']);
  });

  it('uses later terms only to break ties of earlier ones', () => {
    const runs = [
      aRun('a', { params: { bs: 32 }, metrics: { acc: [0.8] } }),
      aRun('b', { params: { bs: 64 }, metrics: { acc: [0.9] } }),
      aRun('c', { params: { bs: 32 }, metrics: { acc: [0.9] } }),
    ];
    expect(sorted(['params.bs', 'metrics.acc desc'], runs)).toEqual(['c', 'a', 'b']);
    expect(sorted(['metrics.acc desc', 'params.bs desc'], runs)).toEqual(['b', 'c', 'a']);
  });

  it('gives each term its keys: a parameter its numeric and text views, other fields one value', () => {
    const facts = aRun('r', { params: { lr: '1e-3' }, tags: { team: 'nlp' }, metrics: { acc: [0.5, 0.75] }, run: { completedAt: T0 + 30_000, status: 'completed' } });
    expect(sortKeysOf(parseOrderBy(['params.lr', 'tags.team', 'metrics.acc.mean', 'duration', 'params.none']), facts)).toEqual([0.001, '1e-3', 'nlp', 0.625, 30, null, null]);
    // The id is a sort key like any other, so a page token holds it whatever term it is.
    expect(sortKeysOf(parseOrderBy(['id desc', 'tags.team']), facts)).toEqual(['r', 'nlp']);
  });

  it('sorts by id by code point, either way, and an id term decides every later one', () => {
    const runs = [aRun('b', { params: { p: 1 } }), aRun('B', { params: { p: 2 } }), aRun('a', { params: { p: 2 } }), aRun('🚀', { params: { p: 1 } }), aRun('～', { params: { p: 1 } })];
    expect(sorted(['id'], runs)).toEqual(['B', 'a', 'b', '～', '🚀']);
    expect(sorted(['id desc'], runs)).toEqual(['🚀', '～', 'b', 'a', 'B']);
    // An id never ties, so a later term (and the direction of the last term) changes nothing.
    expect(sorted(['id', 'params.p desc'], runs)).toEqual(['B', 'a', 'b', '～', '🚀']);
    expect(sorted(['params.p desc', 'id'], runs)).toEqual(['B', 'a', 'b', '～', '🚀']);
    expect(sorted(['params.p', 'id desc'], runs)).toEqual(['🚀', '～', 'b', 'a', 'B']);
  });

  it('pages by id: the runs after a position sorted by id, whichever its direction', () => {
    const runs = ['r3', 'r1', 'r5', 'r2', 'r4'].map((id) => aRun(id));
    for (const [terms, expected] of [[['id'], ['r4', 'r5']], [['id desc'], ['r2', 'r1']]] as const) {
      const orderBy = parseOrderBy(terms);
      const after = { keys: sortKeysOf(orderBy, aRun('r3')), id: 'r3' };
      const rest = runs.map((facts) => ({ keys: sortKeysOf(orderBy, facts), id: facts.run.id })).filter((position) => comparePositions(orderBy, position, after) > 0);
      expect(rest.sort((a, b) => comparePositions(orderBy, a, b)).map((position) => position.id)).toEqual(expected);
    }
  });
});
