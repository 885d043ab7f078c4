import { describe, expect, it } from 'vitest';
import { translateRunFilter, translateRunOrderBy } from '../../../src/adapters/http/mlflow/run-search-translation.js';
import { issueOf } from '../../support/issues.js';
import { MAX_ORDER_TERMS, parseFilter, parseOrderBy, type Filter } from '../../../src/domain/search/filter.js';

// MLflow's run search in Fathom's filter language; MLflow's grammar (mlflow-grammar.ts) and its
// error positions are observed here, through run filters. Experiment search has its own file.

/** The Fathom text for an MLflow filter, after checking that Fathom reads it. */
function translated(mlflow: string): string {
  const text = translateRunFilter(mlflow);
  expect(() => parseFilter(text), `Fathom reads ${JSON.stringify(text)} (from ${JSON.stringify(mlflow)})`).not.toThrow();
  return text;
}

/** What Fathom understands the translation of an MLflow filter to mean. */
const meaning = (mlflow: string): Filter | undefined => parseFilter(translated(mlflow));

/** The Fathom sort terms for MLflow order_by clauses, after checking that Fathom reads them. */
function translatedOrder(clauses: string[]): string[] {
  const terms = translateRunOrderBy(clauses);
  expect(() => parseOrderBy(terms), `Fathom reads ${JSON.stringify(terms)}`).not.toThrow();
  return terms;
}


const filterError = (mlflow: string): string => {
  const issue = issueOf(() => translateRunFilter(mlflow));
  expect(issue.path).toBe('/filter');
  return issue.message;
};

describe('translateRunFilter', () => {
  it('is empty for an empty or blank filter', () => {
    expect(translated('')).toBe('');
    expect(translated('  \n\t')).toBe('');
  });

  it('translates metrics with every numeric comparator and number shape', () => {
    expect(translated('metrics.acc > 0.9')).toBe('metrics.acc > 0.9');
    expect(translated('metrics.acc >= -1.5 and metrics.loss < .5 AND metrics.loss <= 1e-3 and metrics.n = 10 and metrics.n != 2E+2')).toBe(
      'metrics.acc >= -1.5 and metrics.loss < .5 and metrics.loss <= 1e-3 and metrics.n = 10 and metrics.n != 2E+2',
    );
    expect(translated('metrics.acc>0.9 AnD metrics.loss<=1')).toBe('metrics.acc > 0.9 and metrics.loss <= 1');
    expect(meaning('metrics.acc <> 1')).toMatchObject({ operator: '!=', value: 1 });
  });

  it('quotes every param and tag value, so Fathom compares text as MLflow does', () => {
    expect(translated("params.lr = '0.01'")).toBe("params.lr = '0.01'");
    expect(translated('params.lr != "0.01"')).toBe("params.lr != '0.01'");
    expect(meaning("params.lr = '0.01'")).toMatchObject({ type: 'compare', field: { kind: 'param', key: 'lr' }, value: '0.01' });
    expect(translated("tags.team LIKE 'nl%' and tags.team ILIKE '%P' and params.opt like 'a_am'")).toBe("tags.team like 'nl%' and tags.team ilike '%P' and params.opt like 'a_am'");
    expect(translated("params.opt IN ('adam', \"sgd\") and tags.team not in ('x')")).toBe("params.opt in ('adam', 'sgd') and tags.team not in ('x')");
    expect(meaning("params.opt IN ('adam', 'sgd')")).toMatchObject({ type: 'in', values: ['adam', 'sgd'], negated: false });
  });

  it('reads quotes doubled inside strings, and passes like patterns on with their escapes', () => {
    expect(translated("tags.note = 'it''s'")).toBe("tags.note = 'it''s'");
    expect(meaning("tags.note = 'it''s'")).toMatchObject({ value: "it's" });
    expect(meaning('tags.note = "say ""hi"""')).toMatchObject({ value: 'say "hi"' });
    expect(meaning('tags.note = "it\'s"')).toMatchObject({ value: "it's" });
    expect(meaning("tags.note = ''")).toMatchObject({ value: '' });
    expect(meaning("tags.discount LIKE '50\\%'")).toMatchObject({ type: 'like', pattern: '50\\%' });
    expect(meaning("tags.path = 'C:\\temp'")).toMatchObject({ value: 'C:\\temp' });
  });

  it('takes entity names in every MLflow spelling, in any case', () => {
    for (const entity of ['metric', 'metrics', 'METRICS', 'Metric']) expect(translated(`${entity}.acc > 1`)).toBe('metrics.acc > 1');
    for (const entity of ['param', 'params', 'parameter', 'parameters', 'PARAMS']) expect(translated(`${entity}.lr = '1'`)).toBe("params.lr = '1'");
    for (const entity of ['tag', 'tags', 'Tags']) expect(translated(`${entity}.team = 'a'`)).toBe("tags.team = 'a'");
    for (const entity of ['attribute', 'attributes', 'attr', 'run', 'ATTRIBUTES']) expect(translated(`${entity}.run_id = 'a'`)).toBe("id = 'a'");
    expect(translated("`tags`.team = 'a'")).toBe("tags.team = 'a'");
  });

  it('takes everything after the first dot as the key, and writes keys Fathom can read', () => {
    expect(translated('metrics.val.loss < 1')).toBe('metrics.`val.loss` < 1');
    expect(meaning('metrics.val.loss < 1')).toMatchObject({ field: { kind: 'metric', key: 'val.loss', aggregate: 'latest' } });
    expect(translated('metrics.loss.max < 1')).toBe('metrics.`loss.max` < 1');
    expect(meaning('metrics.loss.max < 1')).toMatchObject({ field: { kind: 'metric', key: 'loss.max', aggregate: 'latest' } });
    expect(translated('metrics.train/loss < 1 and params.2nd-layer = \'a\' and tags.host:gpu = \'b\' and params.a_b = \'c\'')).toBe(
      "metrics.train/loss < 1 and params.2nd-layer = 'a' and tags.host:gpu = 'b' and params.a_b = 'c'",
    );
    expect(translated("params.`batch size` = '32' and params.\"batch size\" = '32' and params.'batch size' = '32'")).toBe(
      "params.`batch size` = '32' and params.`batch size` = '32' and params.`batch size` = '32'",
    );
    expect(translated("tags.`a``b` = 'x'")).toBe("tags.`a``b` = 'x'");
    expect(meaning("tags.`a``b` = 'x'")).toMatchObject({ field: { kind: 'tag', key: 'a`b' } });
    expect(meaning("tags.-x = 'x'")).toMatchObject({ field: { kind: 'tag', key: '-x' } });
    expect(meaning("params.été = 'x'")).toMatchObject({ field: { kind: 'param', key: 'été' } });
    expect(meaning('metrics.`and` > 1')).toMatchObject({ field: { kind: 'metric', key: 'and' } });
  });

  it('reads the run name tag as the name attribute, however the key is quoted', () => {
    for (const tag of ['tags.mlflow.runName', 'tags."mlflow.runName"', 'tags.`mlflow.runName`', 'tag.mlflow.runName']) {
      expect(translated(`${tag} = 'resnet'`)).toBe("name = 'resnet'");
    }
    expect(translated("tags.mlflow.runName LIKE 'res%'")).toBe("name like 'res%'");
    // Nested runs: the parent tag is Fathom's lineage, which native runs have too.
    expect(translated("tags.mlflow.parentRunId = 'abc'")).toBe("parentRunId = 'abc'");
    expect(translated("tags.`mlflow.parentRunId` IN ('a', 'b')")).toBe("parentRunId in ('a', 'b')");
    // Only that tag: others of MLflow's stay tags.
    expect(translated("tags.mlflow.user = 'ada'")).toBe("tags.`mlflow.user` = 'ada'");
  });

  it("translates MLflow's run attributes to Fathom's", () => {
    expect(translated("run_id = 'a1' and attributes.run_id IN ('a1', 'b2') and run_id NOT IN ('c3') and run_id != 'd4'")).toBe(
      "id = 'a1' and id in ('a1', 'b2') and id not in ('c3') and id != 'd4'",
    );
    for (const name of ['run_name', 'attributes.run_name', '`run name`', '`Run name`', '"Run Name"', 'attributes.`Run Name`']) {
      expect(translated(`${name} = 'x'`)).toBe("name = 'x'");
    }
    expect(translated("run_name ILIKE '%bert%' and user_id = 'ada'")).toBe("name ilike '%bert%' and createdBy = 'ada'");
    for (const start of ['start_time', 'created', 'Created', 'attributes.start_time']) expect(translated(`${start} >= 1700000000000`)).toBe('startedAt >= 1700000000000');
    expect(translated('end_time < 1700000000000 and end_time != 0')).toBe('completedAt < 1700000000000 and completedAt != 0');
  });

  it('translates statuses to their Fathom names', () => {
    const statuses = { RUNNING: 'running', SCHEDULED: 'scheduled', FINISHED: 'completed', FAILED: 'failed', KILLED: 'killed' };
    for (const [mlflow, fathom] of Object.entries(statuses)) {
      expect(translated(`status = '${mlflow}'`)).toBe(`status = '${fathom}'`);
      expect(translated(`attributes.status != "${mlflow}"`)).toBe(`status != '${fathom}'`);
    }
    expect(translated("status IN ('FINISHED', 'KILLED') and status NOT IN ('FAILED')")).toBe("status in ('completed', 'killed') and status not in ('failed')");
  });

  it("matches a status pattern against MLflow's names, since Fathom's differ", () => {
    expect(translated("status LIKE 'F%'")).toBe("status in ('completed', 'failed')");
    expect(translated("status LIKE '%ED'")).toBe("status in ('scheduled', 'completed', 'failed', 'killed')");
    expect(translated("status ILIKE 'run%'")).toBe("status in ('running')");
    // Case-sensitive, as MLflow's LIKE: no status is lower-case. Nothing matches: a condition no run meets.
    expect(translated("status LIKE 'run%'")).toBe("status not like '%'");
  });

  it('refuses OR, NOT and parentheses, which MLflow does not have', () => {
    expect(filterError("metrics.acc > 0.9 OR tags.team = 'x'")).toBe(
      "at character 19 ('OR tags.team = 'x''): MLflow filters have no OR: join comparisons with AND (search once for each alternative)",
    );
    expect(filterError('(metrics.acc > 0.9)')).toBe("at character 1 ('(metrics.acc > 0.9)'): MLflow filters have no parentheses: write comparisons joined by AND");
    expect(filterError("metrics.acc > 1 and (tags.a = 'x')")).toMatch(/^at character 21 .*no parentheses/);
    expect(filterError('NOT metrics.acc > 0.9')).toMatch(/^at character 1 .*MLflow filters have no NOT/);
    expect(filterError("tags.a NOT LIKE 'x'")).toMatch(/^at character 12 .*expected IN after NOT/);
  });

  it('refuses what Fathom does not search by, naming it', () => {
    expect(filterError("artifact_uri = 'x'")).toMatch(/^at character 1 .*the attribute artifact_uri is not supported by Fathom/);
    expect(filterError("datasets.name = 'x'")).toMatch(/^at character 1 .*searching by dataset is not supported by Fathom/);
    expect(filterError("dataset.digest IN ('x')")).toContain('not supported by Fathom');
    expect(filterError("metrics.a > 1 and lifecycle_stage = 'active'")).toBe(
      "at character 19 ('lifecycle_stage = 'a'): unknown attribute 'lifecycle_stage': MLflow's run attributes are run_id, run_name, status, start_time (or created), end_time and user_id",
    );
    expect(filterError("metric.a > 1 and foo.bar = 'x'")).toMatch(/^at character 18 .*unknown entity 'foo': MLflow's are metrics, params, tags, attributes and datasets/);
  });

  it('refuses a comparator the field does not have, pointing at it', () => {
    expect(filterError("metrics.acc LIKE '0.9%'")).toBe("at character 13 ('LIKE '0.9%''): metrics.acc compares with =, !=, >, >=, <, <=");
    expect(filterError("params.lr > '0.1'")).toBe("at character 11 ('> '0.1''): params.lr compares with =, !=, LIKE, ILIKE, IN, NOT IN");
    expect(filterError("metrics.acc IN ('1')")).toContain('metrics.acc compares with =, !=, >, >=, <, <=');
    expect(filterError("start_time LIKE '17%'")).toContain('start_time compares with =, !=, >, >=, <, <=');
    expect(filterError("status > 'FAILED'")).toContain('status compares with =, !=, LIKE, ILIKE, IN, NOT IN');
    expect(filterError("tags.a ~ 'x'")).toMatch(/^at character 8 .*expected a comparator: =, !=, >, >=, <, <=, LIKE, ILIKE, IN or NOT IN/);
  });

  it('refuses a value of the wrong kind, pointing at it', () => {
    expect(filterError('params.lr = 0.01')).toBe("at character 13 ('0.01'): params.lr compares as text in MLflow: quote the value ('0.01')");
    expect(filterError("metrics.acc = '0.9'")).toBe("at character 15 (''0.9''): metrics.acc holds numbers: compare it with a number, without quotes");
    expect(filterError("created > '2024-01-01'")).toContain('created holds numbers');
    expect(filterError('tags.team = nlp')).toMatch(/^at character 13 \('nlp'\): expected a value: a number, or a string in quotes/);
    expect(filterError("status = ('RUNNING')")).toContain('a list of values goes with IN or NOT IN, not =');
    expect(filterError('metrics.a > 1e400')).toBe("at character 13 ('1e400'): 1e400 is not a finite number");
    expect(filterError('metrics.a > 1.5abc')).toContain('expected a value');
  });

  it('refuses a status MLflow does not have, naming the ones it has', () => {
    const statuses = 'status is one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED (upper case, as MLflow writes them)';
    expect(filterError("status = 'running'")).toBe(`at character 10 (''running''): ${statuses}`);
    expect(filterError("status = 'COMPLETED'")).toContain(statuses);
    expect(filterError("status IN ('RUNNING', 'DONE')")).toBe(`at character 23 (''DONE')'): ${statuses}`);
  });

  it('says where a broken filter breaks', () => {
    expect(filterError('metrics.acc > 0.9 and')).toBe(
      'at character 22 (the end of the filter): expected a field: metrics.<key>, params.<key>, tags.<key> or an attribute (run_id, run_name, status, start_time, end_time, user_id)',
    );
    expect(filterError('metrics.acc >')).toBe('at character 14 (the end of the filter): expected a value: a number, or a string in quotes');
    expect(filterError('metrics.acc')).toContain('at character 12 (the end of the filter): expected a comparator');
    expect(filterError("tags.team = 'nlp")).toBe("at character 13 (''nlp'): this string is never closed (expected ')");
    expect(filterError("tags.`team = 'nlp'")).toBe("at character 6 ('`team = 'nlp''): this name is never closed (expected `)");
    expect(filterError("metrics.a > 1; DROP TABLE runs")).toBe("at character 14 ('; DROP TABLE runs'): expected AND or the end of the filter");
    expect(filterError("metrics.a > 1 metrics.b > 2")).toMatch(/^at character 15 .*expected AND or the end of the filter/);
    expect(filterError("tags.a IN ()")).toBe("at character 12 (')'): expected a quoted string: the list holds at least one");
    expect(filterError("tags.a IN ('x' 'y')")).toBe("at character 16 (''y')'): expected ',' or ')'");
    expect(filterError("tags.a IN ('x', 3)")).toBe("at character 17 ('3)'): expected a quoted string");
    expect(filterError("tags.a IN 'x'")).toContain("expected '(' and a list of quoted strings after IN");
    expect(filterError("tags. = 'x'")).toMatch(/^at character 6 .*expected a key after 'tags\.'/);
    expect(filterError("tags.`` = 'x'")).toContain('expected a key: an empty one names nothing');
    expect(filterError("= 'x'")).toMatch(/^at character 1 .*expected a field/);
  });

  it('counts positions in characters, an emoji being one, and refuses text that is not Unicode', () => {
    expect(filterError("tags.t = '🚀🚀' OR tags.u = 'x'")).toMatch(/^at character 15 \('OR/);
    expect(filterError("tags.t = '\uD800'")).toBe("at character 10 (''\uD800''): this text is not well-formed Unicode (it holds an unpaired surrogate)");
    expect(filterError("tags.\uDC00 = 'x'")).toContain('not well-formed Unicode');
  });

  it('refuses NUL (U+0000), which no stored text holds, in values and keys', () => {
    expect(filterError("tags.t = 'x\u0000'")).toBe("at character 10 (''x\u0000''): this text holds the NUL character (U+0000), which no stored text holds");
    expect(filterError("params.a\u0000 = 'x'")).toMatch(/^at character 8 .*NUL character/);
    expect(filterError("tags.`\u0000` = 'x'")).toMatch(/^at character 6 .*NUL character/);
  });

  it('writes any key and any text so that Fathom reads back exactly the same', () => {
    // Keys and values full of what needs quoting: quotes, backticks, dots, spaces, emoji, a leading dash.
    const pieces = ['a', 'B', '0', '.', ' ', '-', '/', ':', '_', '`', "'", '"', '%', '\\', 'é', '🚀', 'and', 'or', '(', ','];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const some = (): string => Array.from({ length: 1 + next(6) }, () => pieces[next(pieces.length)]).join('');
    const mlflowQuote = (text: string, quote: string): string => `${quote}${text.replaceAll(quote, quote + quote)}${quote}`;
    for (let n = 0; n < 300; n++) {
      const key = some();
      const value = next(4) === 0 ? '' : some();
      const entity = ['params', 'tags'][next(2)] as string;
      const written = `${entity}.${mlflowQuote(key, ['`', '"'][next(2)] as string)} = ${mlflowQuote(value, ["'", '"'][next(2)] as string)}`;
      const fathom = key === 'mlflow.runName' && entity === 'tags' ? { kind: 'attribute', name: 'name' } : { kind: entity === 'params' ? 'param' : 'tag', key };
      expect(meaning(written), written).toEqual({ type: 'compare', field: fathom, operator: '=', value });
    }
  });
});

describe('translateRunOrderBy', () => {
  it("ends every order with MLflow's tie-breaks: newest start first, then run id", () => {
    expect(translatedOrder([])).toEqual(['startedAt desc', 'id asc']);
    expect(translatedOrder(['metrics.acc DESC'])).toEqual(['metrics.acc desc', 'startedAt desc', 'id asc']);
    expect(translatedOrder(['params.lr', 'tags.team asc'])).toEqual(['params.lr asc', 'tags.team asc', 'startedAt desc', 'id asc']);
  });

  it('keeps each direction, in any case, ascending when none is given', () => {
    expect(translatedOrder(['metrics.a desc', 'metrics.b Asc', 'metrics.c'])).toEqual(['metrics.a desc', 'metrics.b asc', 'metrics.c asc', 'startedAt desc', 'id asc']);
  });

  it('translates fields as filters do', () => {
    expect(translatedOrder(['metrics.val.loss', 'params.`batch size` DESC'])).toEqual(['metrics.`val.loss` asc', 'params.`batch size` desc', 'startedAt desc', 'id asc']);
    expect(translatedOrder(['attributes.run_name', 'end_time DESC', 'status'])).toEqual(['name asc', 'completedAt desc', 'status asc', 'startedAt desc', 'id asc']);
    expect(translatedOrder(['tags.mlflow.runName DESC'])).toEqual(['name desc', 'startedAt desc', 'id asc']);
    expect(translatedOrder(['user_id', '`Run Name` desc'])).toEqual(['createdBy asc', 'name desc', 'startedAt desc', 'id asc']);
    expect(parseOrderBy(translatedOrder(['metrics.val.loss']))[0]).toEqual({ field: { kind: 'metric', key: 'val.loss', aggregate: 'latest' }, descending: false });
  });

  it('adds no start time when start time is ordered already, in either direction or spelling', () => {
    expect(translatedOrder(['start_time ASC'])).toEqual(['startedAt asc', 'id asc']);
    expect(translatedOrder(['metrics.acc desc', 'attributes.created'])).toEqual(['metrics.acc desc', 'startedAt asc', 'id asc']);
  });

  it('stops at the run id, which never ties, and leaves out fields already ordered', () => {
    expect(translatedOrder(['run_id DESC'])).toEqual(['id desc']);
    expect(translatedOrder(['metrics.acc', 'attributes.run_id', 'metrics.loss'])).toEqual(['metrics.acc asc', 'id asc']);
    expect(translatedOrder(['metrics.acc', 'metrics.acc DESC', 'tags.mlflow.runName', 'run_name desc'])).toEqual(['metrics.acc asc', 'name asc', 'startedAt desc', 'id asc']);
  });

  it(`fits Fathom's ${MAX_ORDER_TERMS} terms: the tie-breaks give way, the clauses asked for never do`, () => {
    const clauses = (n: number) => Array.from({ length: n }, (_, i) => `metrics.m${i}`);
    expect(translatedOrder(clauses(3))).toEqual(['metrics.m0 asc', 'metrics.m1 asc', 'metrics.m2 asc', 'startedAt desc', 'id asc']);
    expect(translatedOrder(clauses(4))).toEqual(['metrics.m0 asc', 'metrics.m1 asc', 'metrics.m2 asc', 'metrics.m3 asc', 'startedAt desc']);
    expect(translatedOrder(clauses(5))).toHaveLength(5);
    expect(translatedOrder([...clauses(5), 'metrics.m0 desc'])).toHaveLength(5);
    expect(issueOf(() => translateRunOrderBy(clauses(6)))).toEqual({ path: '/order_by', message: `Fathom sorts by at most ${MAX_ORDER_TERMS} fields` });
  });

  it('says which clause is wrong, and where', () => {
    const error = (clauses: string[]) => issueOf(() => translateRunOrderBy(clauses));
    expect(error(['metrics.acc', 'metrics.loss sideways'])).toEqual({ path: '/order_by/1', message: "at character 14 ('sideways'): expected ASC, DESC or the end of the clause" });
    expect(error(['metrics.acc desc desc'])).toEqual({ path: '/order_by/0', message: "at character 18 ('desc'): expected the end of the clause" });
    expect(error(['artifact_uri'])).toMatchObject({ path: '/order_by/0', message: expect.stringContaining('artifact_uri is not supported by Fathom') });
    expect(error(['start_time', 'datasets.name'])).toMatchObject({ path: '/order_by/1', message: expect.stringContaining('searching by dataset is not supported') });
    expect(error([''])).toMatchObject({ path: '/order_by/0', message: expect.stringMatching(/^at character 1 \(the end of the term\): expected a field/) });
    expect(error(['bogus'])).toMatchObject({ path: '/order_by/0', message: expect.stringContaining("unknown attribute 'bogus'") });
    expect(error([`params.\`${'k'.repeat(1000)}\``])).toMatchObject({ path: '/order_by/0', message: expect.stringContaining('longer than any Fathom keeps') });
  });
});
