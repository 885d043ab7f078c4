import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../../src/application/page-token.js';
import { ListExperiments, type ExperimentPage, type ListExperimentsInput } from '../../../src/application/use-cases/experiments/list-experiments.js';
import { UpdateExperiment } from '../../../src/application/use-cases/experiments/update-experiment.js';
import { ListRuns } from '../../../src/application/use-cases/runs/list-runs.js';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';

const fathom = useFathom();

/** 25 experiments; creation times come in runs of equal values, so the id must break ties. */
async function twentyFiveExperiments(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) {
    if (i % 4 === 0) fathom().clock.advance(1_000);
    const name = `exp ${String((i * 7) % 25).padStart(2, '0')}`;
    ids.push((await anExperiment(fathom(), { name, tags: i % 2 === 0 ? ['even'] : [] })).id);
    if (i % 3 === 0) await fathom().use(UpdateExperiment).execute(ids[i] as string, { description: 'touched' });
  }
  return ids;
}

async function allPages(input: ListExperimentsInput, limit: number): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let token: string | undefined;
  do {
    const page: ExperimentPage = await fathom().use(ListExperiments).execute({ ...input, limit, ...(token ? { pageToken: token } : {}) });
    ids.push(...page.experiments.map((e) => e.id));
    sizes.push(page.experiments.length);
    token = page.nextPageToken;
  } while (token !== undefined && sizes.length < 100);
  return { ids, sizes };
}

describe('paging through experiments', () => {
  it.each([['-createdAt'], ['createdAt'], ['updatedAt'], ['-updatedAt'], ['name'], ['-name']])(
    'by %s never repeats or skips one, even among equal sort values',
    async (orderBy) => {
      const created = await twentyFiveExperiments();
      const whole = (await fathom().use(ListExperiments).execute({ orderBy, limit: 1000 })).experiments.map((e) => e.id);
      const paged = await allPages({ orderBy }, 7);
      expect(paged.sizes).toEqual([7, 7, 7, 4]);
      expect(paged.ids).toEqual(whole);
      expect(new Set(paged.ids).size).toBe(25);
      expect([...paged.ids].sort()).toEqual([...created].sort());
    },
  );

  it('pages a filtered list within the filter', async () => {
    await twentyFiveExperiments();
    const paged = await allPages({ filter: { allTags: ['even'] } }, 5);
    expect(paged.sizes).toEqual([5, 5, 3]);
    const whole = (await fathom().use(ListExperiments).execute({ filter: { allTags: ['even'] } })).experiments.map((e) => e.id);
    expect(paged.ids).toEqual(whole);
  });

  it('gives no next token on a last page that is exactly full', async () => {
    for (let i = 0; i < 14; i++) await anExperiment(fathom());
    const paged = await allPages({}, 7);
    expect(paged.sizes).toEqual([7, 7]);
  });

  it('does not repeat or skip when experiments are added between pages', async () => {
    for (let i = 0; i < 10; i++) {
      fathom().clock.advance(1_000);
      await anExperiment(fathom());
    }
    const list = fathom().use(ListExperiments);
    const first = await list.execute({ orderBy: 'createdAt', limit: 4 });
    fathom().clock.advance(1_000);
    const late = await anExperiment(fathom());
    const rest = await allPagesFrom(first.nextPageToken);
    const ids = [...first.experiments.map((e) => e.id), ...rest];
    expect(new Set(ids).size).toBe(11);
    expect(ids[ids.length - 1]).toBe(late.id);

    async function allPagesFrom(token: string | undefined): Promise<string[]> {
      const out: string[] = [];
      while (token !== undefined) {
        const page = await list.execute({ orderBy: 'createdAt', limit: 4, pageToken: token });
        out.push(...page.experiments.map((e) => e.id));
        token = page.nextPageToken;
      }
      return out;
    }
  });

  it.each([[0], [1001], [1.5], [-1]])('refuses a limit of %s', async (limit) => {
    const error = await rejectionOf(fathom().use(ListExperiments).execute({ limit }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/limit', message: 'must be an integer from 1 to 1000' }]);
  });

  it('defaults to 100 a page', async () => {
    for (let i = 0; i < 101; i++) await anExperiment(fathom());
    const page = await fathom().use(ListExperiments).execute();
    expect(page.experiments).toHaveLength(100);
    expect(page.nextPageToken).toEqual(expect.any(String));
  });
});

describe('page tokens', () => {
  async function aToken(input: ListExperimentsInput = {}): Promise<string> {
    for (let i = 0; i < 3; i++) await anExperiment(fathom(), { tags: ['t'] });
    const token = (await fathom().use(ListExperiments).execute({ ...input, limit: 1 })).nextPageToken;
    if (token === undefined) throw new Error('expected a next page');
    return token;
  }

  const refusal = async (input: ListExperimentsInput) => (await rejectionOf(fathom().use(ListExperiments).execute(input), InvalidArgumentError)).issues;
  const pageTokenIssue = [{ path: '/pageToken', message: 'is not a page token of this query; start again without it' }];

  it('are opaque, URL-safe text', async () => {
    expect(await aToken()).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('are refused when made up or corrupted', async () => {
    const token = await aToken();
    expect(await refusal({ pageToken: 'not-a-token' })).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: token.slice(0, -6) })).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: `x${token}` })).toEqual(pageTokenIssue);
  });

  it('are refused when tampered with', async () => {
    const token = await aToken();
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forge = (changes: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...decoded, ...changes })).toString('base64url');
    expect(await refusal({ pageToken: forge({ q: 'something else' }) })).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: forge({ i: 42 }) })).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: forge({ v: { $gt: 0 } }) })).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: Buffer.from('null').toString('base64url') })).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: Buffer.from('[1,2]').toString('base64url') })).toEqual(pageTokenIssue);
  });

  it('are refused when they carry text no store holds (NUL, a lone surrogate) as the id or the value', async () => {
    const token = await aToken({ orderBy: 'name' });
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forge = (changes: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...decoded, ...changes })).toString('base64url');
    for (const text of ['a\u0000', 'a\ud800', '\udc00b']) {
      expect(await refusal({ orderBy: 'name', pageToken: forge({ i: text }) })).toEqual(pageTokenIssue);
      expect(await refusal({ orderBy: 'name', pageToken: forge({ v: text }) })).toEqual(pageTokenIssue);
    }
    expect(await fathom().use(ListExperiments).execute({ orderBy: 'name', pageToken: forge({ v: 'a\ud83d\ude80' }) })).toMatchObject({ experiments: expect.any(Array) });
  });

  it('are refused by a query with another order or other filters', async () => {
    const token = await aToken({ orderBy: 'name' });
    expect(await fathom().use(ListExperiments).execute({ orderBy: 'name', pageToken: token })).toMatchObject({ experiments: expect.any(Array) });
    expect(await refusal({ orderBy: '-name', pageToken: token })).toEqual(pageTokenIssue);
    expect(await refusal({ orderBy: 'createdAt', pageToken: token })).toEqual(pageTokenIssue);
    expect(await refusal({ orderBy: 'name', filter: { allTags: ['t'] }, pageToken: token })).toEqual(pageTokenIssue);
    expect(await refusal({ orderBy: 'name', filter: { lifecycle: 'all' }, pageToken: token })).toEqual(pageTokenIssue);
  });

  it("of one experiment's runs are refused for another experiment's runs and for experiments", async () => {
    const experiment = await anExperiment(fathom());
    const other = await anExperiment(fathom());
    for (let i = 0; i < 2; i++) await aRun(fathom(), { experimentId: experiment.id });
    const token = (await fathom().use(ListRuns).execute(experiment.id, { limit: 1 })).nextPageToken;
    expect(token).toEqual(expect.any(String));
    const error = await rejectionOf(fathom().use(ListRuns).execute(other.id, { pageToken: token as string }), InvalidArgumentError);
    expect(error.issues).toEqual(pageTokenIssue);
    expect(await refusal({ pageToken: token as string })).toEqual(pageTokenIssue);
  });

  it('round-trip a cursor for the query they were made for, and only that one', () => {
    const token = encodePageToken({ value: 1_736_935_200_000, id: 'abc' }, 'query-a');
    expect(decodePageToken(token, 'query-a', 'number')).toEqual({ value: 1_736_935_200_000, id: 'abc' });
    expect(decodePageToken(encodePageToken({ value: 'mnist', id: 'x' }, 'q'), 'q', 'string')).toEqual({ value: 'mnist', id: 'x' });
    expect(decodePageToken(undefined, 'q', 'number')).toBeUndefined();
    expect(decodePageToken('', 'q', 'number')).toBeUndefined();
    expect(() => decodePageToken(token, 'query-b', 'number')).toThrow(InvalidArgumentError);
  });

  it('refuse a cursor whose value does not have the sort field\'s type', () => {
    expect(() => decodePageToken(encodePageToken({ value: 'yesterday', id: 'x' }, 'q'), 'q', 'number')).toThrow(InvalidArgumentError);
    expect(() => decodePageToken(encodePageToken({ value: 12, id: 'x' }, 'q'), 'q', 'string')).toThrow(InvalidArgumentError);
    expect(() => decodePageToken(encodePageToken({ value: null, id: 'x' }, 'q'), 'q', 'number')).toThrow(InvalidArgumentError);
  });
});

describe('paging through runs', () => {
  it('goes newest first and never repeats or skips a run, even among equal start times', async () => {
    const experiment = await anExperiment(fathom());
    const created: string[] = [];
    for (let i = 0; i < 25; i++) {
      if (i % 5 === 0) fathom().clock.advance(1_000);
      created.push((await aRun(fathom(), { experimentId: experiment.id })).id);
    }
    const ids: string[] = [];
    const sizes: number[] = [];
    const startTimes: number[] = [];
    let token: string | undefined;
    do {
      const page = await fathom().use(ListRuns).execute(experiment.id, { limit: 7, ...(token ? { pageToken: token } : {}) });
      ids.push(...page.runs.map((r) => r.id));
      startTimes.push(...page.runs.map((r) => r.startedAt));
      sizes.push(page.runs.length);
      token = page.nextPageToken;
    } while (token !== undefined);

    expect(sizes).toEqual([7, 7, 7, 4]);
    expect([...ids].sort()).toEqual([...created].sort());
    expect(startTimes).toEqual([...startTimes].sort((a, b) => b - a));
    expect(ids).toEqual((await fathom().use(ListRuns).execute(experiment.id, { limit: 1000 })).runs.map((r) => r.id));
  });

  it('refuses a bad limit', async () => {
    const experiment = await anExperiment(fathom());
    const error = await rejectionOf(fathom().use(ListRuns).execute(experiment.id, { limit: 0 }), InvalidArgumentError);
    expect(error.issues).toEqual([{ path: '/limit', message: 'must be an integer from 1 to 10000' }]);
  });
});
