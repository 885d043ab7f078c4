import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import { RUN_STATUSES } from '../../../src/domain/run.js';
import { MAX_FILTER_DEPTH, MAX_ORDER_TERMS, parseFilter, parseOrderBy, type Filter, type MetricAggregate } from '../../../src/domain/search/filter.js';

function syntaxError(text: string): string {
  try {
    parseFilter(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const issues = (error as InvalidArgumentError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('/filter');
    return issues[0]?.message ?? '';
  }
  throw new Error(`expected a syntax error for ${text}`);
}

/** The message for a status that is not one, whichever statuses runs have. */
const STATUS_LIST = `status is one of ${RUN_STATUSES.map((status) => `'${status}'`).join(', ')}`;
const param = (key: string) => ({ kind: 'param', key }) as const;
const metric = (key: string, aggregate: MetricAggregate = 'latest') => ({ kind: 'metric', key, aggregate }) as const;

describe('parseFilter', () => {
  it('reads the example from the docs', () => {
    expect(parseFilter("params.lr < 0.01 and metrics.acc >= 0.9 and tags.team = 'nlp' and status = 'completed'")).toEqual<Filter>({
      type: 'and',
      left: {
        type: 'and',
        left: {
          type: 'and',
          left: { type: 'compare', field: param('lr'), operator: '<', value: 0.01 },
          right: { type: 'compare', field: metric('acc'), operator: '>=', value: 0.9 },
        },
        right: { type: 'compare', field: { kind: 'tag', key: 'team' }, operator: '=', value: 'nlp' },
      },
      right: { type: 'compare', field: { kind: 'attribute', name: 'status' }, operator: '=', value: 'completed' },
    });
  });

  it('is undefined (match everything) for an empty or blank filter', () => {
    expect(parseFilter('')).toBeUndefined();
    expect(parseFilter('   \n ')).toBeUndefined();
  });

  it('binds not tighter than and, and and tighter than or; parentheses override', () => {
    const a = { type: 'compare', field: param('a'), operator: '=', value: 1 } as const;
    const b = { type: 'compare', field: param('b'), operator: '=', value: 2 } as const;
    const c = { type: 'compare', field: param('c'), operator: '=', value: 3 } as const;
    expect(parseFilter('params.a = 1 or params.b = 2 and not params.c = 3')).toEqual({
      type: 'or',
      left: a,
      right: { type: 'and', left: b, right: { type: 'not', operand: c } },
    });
    expect(parseFilter('(params.a = 1 OR params.b = 2) AND params.c = 3')).toEqual({ type: 'and', left: { type: 'or', left: a, right: b }, right: c });
  });

  it('reads every comparison, in, not in, like, ilike and not like', () => {
    for (const operator of ['=', '!=', '<', '<=', '>', '>='] as const) {
      expect(parseFilter(`params.x ${operator} 1`)).toMatchObject({ type: 'compare', operator });
    }
    expect(parseFilter('params.x <> 1')).toMatchObject({ operator: '!=' });
    expect(parseFilter("params.optimizer in ('adam', 'sgd', 3)")).toEqual({ type: 'in', field: param('optimizer'), values: ['adam', 'sgd', 3], negated: false });
    expect(parseFilter("params.optimizer NOT IN ('adam')")).toMatchObject({ type: 'in', negated: true, values: ['adam'] });
    expect(parseFilter("name like 'resnet%'")).toEqual({ type: 'like', field: { kind: 'attribute', name: 'name' }, pattern: 'resnet%', caseInsensitive: false, negated: false });
    expect(parseFilter("name ILIKE '%_v2'")).toMatchObject({ type: 'like', caseInsensitive: true, negated: false });
    expect(parseFilter("name not like 'tmp%'")).toMatchObject({ type: 'like', negated: true });
  });

  it('reads metric aggregates, backticked keys with dots or spaces, and keys with / and :', () => {
    expect(parseFilter('metrics.loss.min < 0.1')).toMatchObject({ field: metric('loss', 'min') });
    for (const aggregate of ['max', 'mean', 'count'] as const) expect(parseFilter(`metrics.loss.${aggregate} > 1`)).toMatchObject({ field: metric('loss', aggregate) });
    expect(parseFilter('metrics.`val.loss` < 1')).toMatchObject({ field: metric('val.loss') });
    expect(parseFilter('metrics.`val.loss`.mean < 1')).toMatchObject({ field: metric('val.loss', 'mean') });
    expect(parseFilter('params.`batch size` = 32')).toMatchObject({ field: param('batch size') });
    expect(parseFilter('params.`odd``name` = 1')).toMatchObject({ field: param('odd`name') });
    expect(parseFilter('metrics.train/loss < 1 and params.2nd_layer = 64 and tags.host:gpu = "a100"')).toMatchObject({
      left: { left: { field: metric('train/loss') }, right: { field: param('2nd_layer') } },
      right: { field: { kind: 'tag', key: 'host:gpu' } },
    });
  });

  it('reads every attribute, bare or as attributes.<name>, case-insensitively', () => {
    for (const name of ['id', 'name', 'status', 'startedAt', 'completedAt', 'duration', 'experimentId', 'parentRunId', 'createdBy']) {
      const value = ['startedAt', 'completedAt', 'duration'].includes(name) ? '0' : "'completed'";
      expect(parseFilter(`${name} = ${value}`)).toMatchObject({ field: { kind: 'attribute', name } });
      expect(parseFilter(`attributes.${name.toUpperCase()} = ${value}`)).toMatchObject({ field: { kind: 'attribute', name } });
    }
  });

  it('reads id, the run id, as a text attribute: comparisons, in lists and like', () => {
    const id = { kind: 'attribute', name: 'id' } as const;
    expect(parseFilter("id = '01a229a0ba4f0e138ab6fa23213eff6a'")).toEqual({ type: 'compare', field: id, operator: '=', value: '01a229a0ba4f0e138ab6fa23213eff6a' });
    expect(parseFilter("attributes.ID not in ('a', \"b\")")).toEqual({ type: 'in', field: id, values: ['a', 'b'], negated: true });
    expect(parseFilter("Id >= '01a2' and id < '01a3'")).toMatchObject({ left: { field: id, operator: '>=' }, right: { field: id, operator: '<' } });
    expect(parseFilter("id ilike '01A2%'")).toEqual({ type: 'like', field: id, pattern: '01A2%', caseInsensitive: true, negated: false });
    // A key named id stays a key of its kind.
    expect(parseFilter("params.id = 'x' and tags.id = 'y'")).toMatchObject({ left: { field: param('id') }, right: { field: { kind: 'tag', key: 'id' } } });
  });

  it('reads values: both quotes with doubled quotes inside, numbers of every shape, booleans', () => {
    expect(parseFilter("tags.note = 'it''s'")).toMatchObject({ value: "it's" });
    expect(parseFilter('tags.note = "say ""hi"""')).toMatchObject({ value: 'say "hi"' });
    expect(parseFilter("tags.note = ''")).toMatchObject({ value: '' });
    for (const [text, value] of [['3', 3], ['-1.5', -1.5], ['1e-3', 0.001], ['.5', 0.5], ['2.', 2], ['-2E+2', -200]] as const) {
      expect(parseFilter(`params.x = ${text}`)).toMatchObject({ value });
    }
    expect(parseFilter('params.amp = TRUE')).toMatchObject({ value: true });
    expect(parseFilter('params.amp != false')).toMatchObject({ value: false });
    expect(parseFilter('params.lr<0.01')).toMatchObject({ operator: '<', value: 0.01 });
  });

  it('says where a syntax error is and what was expected', () => {
    expect(syntaxError('params.lr <')).toBe("at character 12 (the end of the filter): expected a value: 'text', a number, true or false");
    expect(syntaxError('params.lr 0.1')).toBe("at character 11 ('0.1'): expected a comparison (=, !=, <, <=, >, >=, in, not in, like, ilike), found '0.1'");
    expect(syntaxError('lr < 0.1')).toContain('at character 1');
    expect(syntaxError('lr < 0.1')).toContain('expected a field: params.<key>, metrics.<key>, tags.<key> or an attribute');
    expect(syntaxError("params.a = 1 params.b = 2")).toBe("at character 14 ('params.b = 2'): expected 'and', 'or' or the end of the filter, found 'params'");
    expect(syntaxError("(params.a = 1")).toContain("expected ')' or 'and' / 'or'");
    expect(syntaxError("name = 'open")).toBe("at character 8 (''open'): this string is never closed (expected ')");
    expect(syntaxError('metrics.loss.median < 1')).toContain('expected one of min, max, mean, count after the metric key');
    expect(syntaxError('params = 1')).toContain("expected '.' and a key after 'params'");
    expect(syntaxError('params.x in 1')).toContain("expected '(' to start the list");
    expect(syntaxError('params.x in (1 2)')).toContain("expected ',' or ')'");
    expect(syntaxError('params.x not = 1')).toContain("expected 'in', 'like' or 'ilike' after 'not'");
    expect(syntaxError('name like 5')).toContain('expected a quoted pattern');
    expect(syntaxError('params.x = 1e999')).toContain('1e999 is not a finite number');
    expect(syntaxError('params.x = 1 ; drop table runs')).toContain("unexpected character ';'");
    expect(syntaxError('attributes.colour = 1')).toContain('expected an attribute');
    expect(syntaxError('params.x = unquoted')).toContain("found 'unquoted'");
  });

  it('refuses filters nested too deep or too long, instead of exhausting the stack', () => {
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 5)}params.a = 1${')'.repeat(MAX_FILTER_DEPTH + 5)}`;
    expect(syntaxError(deep)).toContain(`nesting deeper than ${MAX_FILTER_DEPTH} levels`);
    expect(syntaxError(`${'not '.repeat(MAX_FILTER_DEPTH + 5)}params.a = 1`)).toContain('nesting deeper');
    expect(syntaxError(`params.a = '${'x'.repeat(10_001)}'`)).toBe('must be at most 10000 characters');
    expect(parseFilter(`${'('.repeat(MAX_FILTER_DEPTH - 1)}params.a = 1${')'.repeat(MAX_FILTER_DEPTH - 1)}`)).toMatchObject({ type: 'compare' });
  });
});

describe('parseFilter, keys and positions', () => {
  it('reads keys made of digits, dates and paths after the dot', () => {
    expect(parseFilter('params.123 = 1')).toMatchObject({ field: { kind: 'param', key: '123' } });
    expect(parseFilter('params.0 = 1')).toMatchObject({ field: { kind: 'param', key: '0' } });
    expect(parseFilter('tags.2023-01 = "x"')).toMatchObject({ field: { kind: 'tag', key: '2023-01' } });
    expect(parseFilter('params.1e3 = 1')).toMatchObject({ field: { kind: 'param', key: '1e3' } });
    expect(parseFilter('metrics.0/loss < 1')).toMatchObject({ field: { kind: 'metric', key: '0/loss', aggregate: 'latest' } });
    expect(parseFilter('params.2-layer = 1')).toMatchObject({ field: { kind: 'param', key: '2-layer' } });
    expect(parseFilter('metrics.123.max > .5')).toMatchObject({ field: { kind: 'metric', key: '123', aggregate: 'max' }, value: 0.5 });
  });

  it('counts error positions in characters, emoji included, and quotes a number glued to letters whole', () => {
    expect(syntaxError("tags.x = '😀😀' foo")).toMatch(/^at character 15 \('foo'\)/);
    expect(syntaxError('tags.😀 = 1')).toContain("unexpected character '😀'");
    expect(syntaxError('params.x = 1.5abc')).toContain("found '1.5abc'");
  });
});

describe('parseFilter, values the field cannot hold', () => {
  it('refuses a comparison that can never be true, pointing at the value', () => {
    expect(syntaxError("metrics.acc = 'high'")).toBe("at character 15 (''high''): metrics.acc holds numbers: compare it with a number");
    expect(syntaxError('metrics.loss.max > true')).toBe("at character 20 ('true'): metrics.loss.max holds numbers: compare it with a number");
    expect(syntaxError("duration < '60'")).toBe("at character 12 (''60''): duration holds numbers: compare it with a number");
    expect(syntaxError('tags.team = 3')).toBe("at character 13 ('3'): tags.team holds text: quote the value ('3')");
    expect(syntaxError('name = true')).toBe("at character 8 ('true'): name holds text: quote the value ('true')");
    expect(syntaxError("createdBy = 'x' and experimentId = 2")).toBe("at character 36 ('2'): experimentId holds text: quote the value ('2')");
    expect(syntaxError("status = 'done'")).toBe(`at character 10 (''done''): ${STATUS_LIST}`);
    expect(syntaxError('id = 42')).toBe("at character 6 ('42'): id holds text: quote the value ('42')");
    expect(syntaxError("status = 'Completed'")).toContain('status is one of');
    expect(syntaxError("lifecycleStage = 'trashed'")).toBe("at character 18 (''trashed''): lifecycleStage is 'active' or 'deleted'");
    expect(parseFilter("attributes.lifecycleStage in ('active', 'deleted')")).toBeDefined();
  });

  it('points at the offending member of an in list', () => {
    expect(syntaxError("metrics.acc in (0.9, 'x')")).toBe("at character 22 (''x')'): metrics.acc holds numbers: compare it with a number");
    expect(syntaxError("status not in ('running', 'paused')")).toBe(`at character 27 (''paused')'): ${STATUS_LIST}`);
  });

  it('refuses like and ilike on numbers and times, pointing at the field', () => {
    expect(syntaxError("duration like '1%'")).toBe("at character 1 ('duration like '1%''): duration holds numbers: like and ilike apply to params, tags and text attributes");
    expect(syntaxError("params.a = 1 and metrics.acc not ilike '0.9%'")).toMatch(/^at character 18 \('metrics\.acc not ilik'\): metrics\.acc holds numbers: like/);
    expect(syntaxError("startedAt like '2026%'")).toContain('startedAt holds times: like and ilike apply to params, tags and text attributes');
  });

  it('lets params compare with anything, since each value picks a view', () => {
    expect(parseFilter("params.x = 1 or params.x = 'a' or params.x = true or params.x in (1, 'a', false)")).toBeDefined();
    expect(parseFilter("params.x like '1%' and tags.t ilike 'A%' and name not like '%tmp%'")).toBeDefined();
  });

  it('reads a quoted ISO date or date-time as epoch milliseconds for startedAt and completedAt', () => {
    expect(parseFilter("startedAt >= '2026-01-15T10:00:00Z'")).toMatchObject({ value: Date.UTC(2026, 0, 15, 10) });
    expect(parseFilter("startedAt < '2026-01-15T12:00:00+02:00'")).toMatchObject({ value: Date.UTC(2026, 0, 15, 10) });
    expect(parseFilter("completedAt < '2026-01-15'")).toMatchObject({ value: Date.UTC(2026, 0, 15) });
    expect(parseFilter(`completedAt = ${Date.UTC(2026, 0, 15)}`)).toMatchObject({ value: Date.UTC(2026, 0, 15) });
    expect(parseFilter("startedAt in ('2026-01-15T10:00:00Z', 0)")).toMatchObject({ values: [Date.UTC(2026, 0, 15, 10), 0] });
    // Only times convert: the same text is text for a tag.
    expect(parseFilter("tags.day = '2026-01-15'")).toMatchObject({ value: '2026-01-15' });
  });

  it('refuses a time that is not a date', () => {
    const message = "startedAt compares with epoch milliseconds or an ISO-8601 date or date-time in quotes ('2026-01-31', '2026-01-31T12:00:00Z')";
    expect(syntaxError("startedAt > 'yesterday'")).toBe(`at character 13 (''yesterday''): ${message}: 'yesterday' is not a date that exists`);
    expect(syntaxError("startedAt = '2026-01-15garbage'")).toContain(message);
    expect(syntaxError('completedAt = true')).toContain('completedAt compares with epoch milliseconds');
  });

  it('refuses text that is not well-formed Unicode (a lone surrogate), in values and quoted names', () => {
    const message = 'this text is not well-formed Unicode (it holds an unpaired surrogate)';
    expect(syntaxError("tags.t = '\uD800'")).toBe(`at character 10 (''\uD800''): ${message}`);
    expect(syntaxError("tags.t = '😀' and tags.u = 'a\uD83D'")).toMatch(/^at character 27 /);
    expect(syntaxError('params.`\uDC00` = 1')).toBe(`at character 8 ('\`\uDC00\` = 1'): ${message}`);
    expect(parseFilter("tags.t = '😀'")).toMatchObject({ value: '😀' });
  });

  it('refuses NUL (U+0000), which no stored text holds, in values and quoted names', () => {
    const message = 'this text holds the NUL character (U+0000), which no stored text holds';
    expect(syntaxError("tags.t = 'x\u0000'")).toBe(`at character 10 (''x\u0000''): ${message}`);
    expect(syntaxError("name = '😀' or tags.t in ('a', '\u0000')")).toMatch(/^at character 31 /);
    expect(syntaxError('params.`a\u0000` = 1')).toBe(`at character 8 ('\`a\u0000\` = 1'): ${message}`);
  });
});

describe('parseOrderBy', () => {
  function orderByError(terms: string[]): { path: string; message: string } {
    try {
      parseOrderBy(terms);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      const issues = (error as InvalidArgumentError).issues;
      expect(issues).toHaveLength(1);
      return issues[0] as { path: string; message: string };
    }
    throw new Error(`expected an error for ${JSON.stringify(terms)}`);
  }

  it('reads fields of the filter language, ascending unless desc, keywords in any case', () => {
    expect(parseOrderBy(['metrics.acc desc', 'params.lr', 'startedAt ASC', 'metrics.`val.loss`.min DESC', 'tags.team Desc'])).toEqual([
      { field: metric('acc'), descending: true },
      { field: param('lr'), descending: false },
      { field: { kind: 'attribute', name: 'startedAt' }, descending: false },
      { field: metric('val.loss', 'min'), descending: true },
      { field: { kind: 'tag', key: 'team' }, descending: true },
    ]);
    expect(parseOrderBy(['attributes.Name'])).toEqual([{ field: { kind: 'attribute', name: 'name' }, descending: false }]);
    expect(parseOrderBy(['id desc', 'ID', 'attributes.id asc'])).toEqual([
      { field: { kind: 'attribute', name: 'id' }, descending: true },
      { field: { kind: 'attribute', name: 'id' }, descending: false },
      { field: { kind: 'attribute', name: 'id' }, descending: false },
    ]);
    expect(parseOrderBy([])).toEqual([]);
  });

  it(`takes at most ${MAX_ORDER_TERMS} terms`, () => {
    expect(parseOrderBy(Array.from({ length: MAX_ORDER_TERMS }, (_, i) => `params.p${i}`))).toHaveLength(MAX_ORDER_TERMS);
    expect(orderByError(Array.from({ length: MAX_ORDER_TERMS + 1 }, (_, i) => `params.p${i}`))).toEqual({ path: '/orderBy', message: `must hold at most ${MAX_ORDER_TERMS} terms` });
  });

  it('says which term is wrong, where in it and what was expected', () => {
    expect(orderByError(['params.lr', 'metrics.acc descending'])).toEqual({
      path: '/orderBy/1',
      message: "at character 13 ('descending'): expected 'asc', 'desc' or the end of the term, found 'descending'",
    });
    expect(orderByError(['params.lr desc desc'])).toEqual({ path: '/orderBy/0', message: "at character 16 ('desc'): expected 'asc', 'desc' or the end of the term, found 'desc'" });
    expect(orderByError(['startedAt', 'bogus'])).toMatchObject({ path: '/orderBy/1', message: expect.stringMatching(/^at character 1 \('bogus'\): expected a field/) });
    expect(orderByError(["tags.'team'"])).toMatchObject({ path: '/orderBy/0', message: expect.stringContaining('at character 6') });
    expect(orderByError(['metrics.loss.median'])).toMatchObject({ path: '/orderBy/0', message: expect.stringContaining('expected one of min, max, mean, count') });
    expect(orderByError(['params.lr, params.bs'])).toMatchObject({ path: '/orderBy/0', message: expect.stringContaining("at character 10 (', params.bs'): expected 'asc', 'desc' or the end of the term") });
    expect(orderByError(['params.`\uD800`'])).toMatchObject({ path: '/orderBy/0', message: expect.stringContaining('not well-formed Unicode') });
    expect(orderByError(['x'.repeat(1001)])).toEqual({ path: '/orderBy/0', message: 'must be at most 1000 characters' });
  });
});
