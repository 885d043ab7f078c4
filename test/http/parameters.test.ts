import { describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectProblem, expectStatus, issuePaths, logParams, useApi, type Json } from './api.js';

const api = useApi();

async function params(runId: string): Promise<Json[]> {
  return expectStatus(await api.get(`/api/runs/${runId}/params`), 200).parameters;
}

function byKey(list: Json[]): Record<string, Json> {
  return Object.fromEntries(list.map((p) => [p.key, p]));
}

describe('POST /api/runs/:id/params', () => {
  it('logs one parameter: 201 {count: 1}', async () => {
    const run = await createRun(api);
    expect(expectStatus(await api.post(`/api/runs/${run.id}/params`, { key: 'lr', value: 0.01 }), 201)).toStrictEqual({ count: 1 });
    expect(await params(run.id)).toStrictEqual([{ key: 'lr', value: 0.01, type: 'number' }]);
  });

  it('logs a batch: 201 with how many were accepted', async () => {
    const run = await createRun(api);
    const response = await api.post(`/api/runs/${run.id}/params`, {
      parameters: [
        { key: 'lr', value: 0.01 },
        { key: 'layers', value: 12 },
        { key: 'model', value: 'resnet50' },
      ],
    });
    expect(expectStatus(response, 201)).toStrictEqual({ count: 3 });
    expect(Object.keys(byKey(await params(run.id))).sort()).toEqual(['layers', 'lr', 'model']);
  });

  it('infers the type from the JSON type: string, number or boolean', async () => {
    const run = await createRun(api);
    await logParams(api, run.id, { name: 'bert', digits: '42', epochs: 10, ratio: -0.5, zero: 0, shuffle: true, dropout: false, empty: '' });

    expect(byKey(await params(run.id))).toStrictEqual({
      name: { key: 'name', value: 'bert', type: 'string' },
      digits: { key: 'digits', value: '42', type: 'string' },
      epochs: { key: 'epochs', value: 10, type: 'number' },
      ratio: { key: 'ratio', value: -0.5, type: 'number' },
      zero: { key: 'zero', value: 0, type: 'number' },
      shuffle: { key: 'shuffle', value: true, type: 'boolean' },
      dropout: { key: 'dropout', value: false, type: 'boolean' },
      empty: { key: 'empty', value: '', type: 'string' },
    });
  });

  it('shows parameters on the run too', async () => {
    const run = await createRun(api);
    await logParams(api, run.id, { optimizer: 'sgd' });
    expect(expectStatus(await api.get(`/api/runs/${run.id}`), 200).parameters).toEqual([{ key: 'optimizer', value: 'sgd', type: 'string' }]);
  });

  describe('write-once', () => {
    it('the same value again is a 201 no-op', async () => {
      const run = await createRun(api);
      await logParams(api, run.id, { lr: 0.01 });
      const again = await api.post(`/api/runs/${run.id}/params`, { key: 'lr', value: 0.01 });
      expect(expectStatus(again, 201)).toStrictEqual({ count: 1 });
      expect(await params(run.id)).toStrictEqual([{ key: 'lr', value: 0.01, type: 'number' }]);
    });

    it('a different value is a 409 whose detail names the key and both values', async () => {
      const run = await createRun(api);
      await logParams(api, run.id, { lr: 0.01 });
      const problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'lr', value: 0.02 }), 409, 'CONFLICT');
      expect(problem.detail).toContain('lr');
      expect(problem.detail).toContain('0.01');
      expect(problem.detail).toContain('0.02');
      expect(await params(run.id)).toStrictEqual([{ key: 'lr', value: 0.01, type: 'number' }]);
    });

    it('the same text as another type is a different value: 409', async () => {
      const run = await createRun(api);
      await logParams(api, run.id, { layers: 12 });
      const problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'layers', value: '12' }), 409, 'CONFLICT');
      expect(problem.detail).toContain('layers');
    });

    it('a conflict refuses the whole batch: nothing of it is stored', async () => {
      const run = await createRun(api);
      await logParams(api, run.id, { model: 'a' });
      const response = await api.post(`/api/runs/${run.id}/params`, {
        parameters: [
          { key: 'fresh', value: 1 },
          { key: 'model', value: 'b' },
        ],
      });
      const problem = expectProblem(response, 409, 'CONFLICT');
      expect(problem.detail).toContain('model');
      expect(await params(run.id)).toStrictEqual([{ key: 'model', value: 'a', type: 'string' }]);
    });

    it('a batch repeating a key with two values is refused: 400 naming the later one', async () => {
      const run = await createRun(api);
      const problem = expectProblem(
        await api.post(`/api/runs/${run.id}/params`, {
          parameters: [
            { key: 'seed', value: 1 },
            { key: 'seed', value: 2 },
          ],
        }),
        400,
        'INVALID_ARGUMENT',
      );
      expect(issuePaths(problem)).toEqual(['/parameters/1/value']);
      expect(await params(run.id)).toEqual([]);
    });

    it('parameters given when the run started are write-once as well', async () => {
      const run = await createRun(api, undefined, { parameters: [{ key: 'batch', value: 32 }] });
      expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'batch', value: 64 }), 409, 'CONFLICT');
      expect(expectStatus(await api.post(`/api/runs/${run.id}/params`, { key: 'batch', value: 32 }), 201)).toEqual({ count: 1 });
    });
  });

  describe('refuses bad values: 400 naming the field, nothing stored', () => {
    it.each([
      ['an object', { a: 1 }],
      ['null', null],
      ['an array', [1, 2]],
      ['a string of 6,001 characters', 'x'.repeat(6001)],
    ])('a single value that is %s', async (_label, value) => {
      const run = await createRun(api);
      const problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'p', value }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/value']);
      expect(await params(run.id)).toEqual([]);
    });

    it('a batch value that is an object, naming its index', async () => {
      const run = await createRun(api);
      const problem = expectProblem(
        await api.post(`/api/runs/${run.id}/params`, {
          parameters: [
            { key: 'ok', value: 1 },
            { key: 'nested', value: { deep: true } },
            { key: 'nothing', value: null },
          ],
        }),
        400,
        'INVALID_ARGUMENT',
      );
      expect(issuePaths(problem).sort()).toEqual(['/parameters/1/value', '/parameters/2/value']);
      expect(await params(run.id)).toEqual([]);
    });

    it('accepts a string of exactly 6,000 characters', async () => {
      const run = await createRun(api);
      expectStatus(await api.post(`/api/runs/${run.id}/params`, { key: 'prompt', value: 'x'.repeat(6000) }), 201);
      expect((await params(run.id))[0].value).toHaveLength(6000);
    });

    it('a key with forbidden characters, or empty', async () => {
      const run = await createRun(api);
      let problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'a*b', value: 1 }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/key']);
      problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: '', value: 1 }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/key']);
    });

    it('a single parameter without a value, or without a key', async () => {
      const run = await createRun(api);
      let problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'lr' }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/value']);
      problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { value: 1 }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/key']);
    });

    it('both a single parameter and a batch in one body', async () => {
      const run = await createRun(api);
      const problem = expectProblem(
        await api.post(`/api/runs/${run.id}/params`, { key: 'a', value: 1, parameters: [{ key: 'b', value: 2 }] }),
        400,
        'INVALID_ARGUMENT',
      );
      expect(issuePaths(problem)).toEqual(['/parameters']);
      expect(await params(run.id)).toEqual([]);
    });

    it('a batch of 1,001', async () => {
      const run = await createRun(api);
      const parameters = Array.from({ length: 1001 }, (_, i) => ({ key: `p${i}`, value: i }));
      const problem = expectProblem(await api.post(`/api/runs/${run.id}/params`, { parameters }), 400, 'INVALID_ARGUMENT');
      expect(issuePaths(problem)).toEqual(['/parameters']);
      expect(await params(run.id)).toEqual([]);
    });

    it('accepts a batch of exactly 1,000', async () => {
      const run = await createRun(api);
      const parameters = Array.from({ length: 1000 }, (_, i) => ({ key: `p${i}`, value: i }));
      expect(expectStatus(await api.post(`/api/runs/${run.id}/params`, { parameters }), 201)).toEqual({ count: 1000 });
      expect(await params(run.id)).toHaveLength(1000);
    });
  });

  it('answers 404 for an unknown run', async () => {
    expectProblem(await api.post('/api/runs/ghost/params', { key: 'a', value: 1 }), 404, 'NOT_FOUND');
    expectProblem(await api.get('/api/runs/ghost/params'), 404, 'NOT_FOUND');
  });

  it('refuses to log to a run of a deleted experiment: 409', async () => {
    const experiment = await createExperiment(api);
    const run = await createRun(api, experiment.id);
    expectStatus(await api.del(`/api/experiments/${experiment.id}`), 204);
    expectProblem(await api.post(`/api/runs/${run.id}/params`, { key: 'a', value: 1 }), 409, 'CONFLICT');
  });
});

describe('GET /api/runs/:id/params', () => {
  it('is an empty list for a run without parameters', async () => {
    const run = await createRun(api);
    expect(expectStatus(await api.get(`/api/runs/${run.id}/params`), 200)).toStrictEqual({ parameters: [] });
  });

  it("lists only this run's parameters", async () => {
    const a = await createRun(api);
    const b = await createRun(api);
    await logParams(api, a.id, { lr: 0.1 });
    await logParams(api, b.id, { lr: 0.2, momentum: 0.9 });
    expect(await params(a.id)).toStrictEqual([{ key: 'lr', value: 0.1, type: 'number' }]);
    expect(await params(b.id)).toHaveLength(2);
  });
});
