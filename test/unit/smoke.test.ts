import { describe, expect, it } from 'vitest';
import { GetRun } from '../../src/application/use-cases/runs/get-run.js';
import { aFathom } from '../support/fathom.js';
import { aRun } from '../support/builders.js';

describe('test support', () => {
  it('builds a fathom whose runs carry their parameters and latest metrics', async () => {
    const fathom = await aFathom();
    const run = await aRun(fathom, { params: { lr: 0.01 }, metrics: [{ key: 'loss', value: 1 }, { key: 'loss', value: 0.5 }] });
    const view = await fathom.use(GetRun).execute(run.id);
    expect(view.parameters).toEqual([{ key: 'lr', value: 0.01, type: 'number' }]);
    expect(view.metrics).toMatchObject([{ key: 'loss', value: 0.5, step: 1 }]);
    await fathom.close();
  });
});
