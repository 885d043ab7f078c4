import { describe, expect, it } from 'vitest';
import { GetMetricHistory } from '../../../src/application/use-cases/metrics/get-metric-history.js';
import { GetMetricSummaries } from '../../../src/application/use-cases/metrics/get-metric-summaries.js';
import { GetRun } from '../../../src/application/use-cases/runs/get-run.js';
import { LogRunBatch } from '../../../src/application/use-cases/runs/log-run-batch.js';
import { MarkRunDeleted } from '../../../src/application/use-cases/runs/mark-run-deleted.js';
import { UpdateRun } from '../../../src/application/use-cases/runs/update-run.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { MAX_RUN_TAGS } from '../../../src/domain/run.js';
import { aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

async function historyOf(runId: string, key: string) {
  return (await fathom().use(GetMetricHistory).execute(runId, key, { method: 'none' })).points.map((p) => [p.step, p.value, p.timestamp]);
}

describe('LogRunBatch', () => {
  it('lands parameters, tags (merged, null removing one), a new name and metrics in one call', async () => {
    const run = await aRun(fathom(), { name: 'draft', tags: { keep: '1', drop: 'x' }, params: { seed: 1 } });
    fathom().clock.advance(1_000);
    await fathom()
      .use(LogRunBatch)
      .execute(run.id, {
        parameters: [
          { key: 'lr', value: '0.01' },
          { key: 'seed', value: 1 },
        ],
        tags: { drop: null, 'mlflow.user': 'ada' },
        name: 'final',
        metrics: [
          { key: 'loss', value: 0.9, step: 0 },
          { key: 'loss', value: 0.5, step: 1, timestamp: START + 500 },
          { key: 'acc', value: 'NaN' },
        ],
      });

    const stored = await fathom().use(GetRun).execute(run.id);
    expect(stored).toMatchObject({ name: 'final', status: 'running', tags: { keep: '1', 'mlflow.user': 'ada' } });
    expect(stored.tags).not.toHaveProperty('drop');
    expect(stored.parameters).toEqual([
      { key: 'lr', value: '0.01', type: 'string' },
      { key: 'seed', value: 1, type: 'number' },
    ]);
    expect(await historyOf(run.id, 'loss')).toEqual([
      [0, 0.9, START + 1_000],
      [1, 0.5, START + 500],
    ]);
    expect(await historyOf(run.id, 'acc')).toEqual([[0, NaN, START + 1_000]]);
  });

  it('an empty name removes the run name; a batch of only metrics leaves name and tags alone', async () => {
    const run = await aRun(fathom(), { name: 'named', tags: { a: 'b' } });
    await fathom().use(LogRunBatch).execute(run.id, { metrics: [{ key: 'loss', value: 1 }] });
    expect(await fathom().use(GetRun).execute(run.id)).toMatchObject({ name: 'named', tags: { a: 'b' } });
    await fathom().use(LogRunBatch).execute(run.id, { name: '' });
    expect(await fathom().use(GetRun).execute(run.id)).not.toHaveProperty('name');
  });

  it('accepts an empty batch and changes nothing', async () => {
    const run = await aRun(fathom(), { name: 'same' });
    await fathom().use(LogRunBatch).execute(run.id, {});
    await fathom().use(LogRunBatch).execute(run.id, { parameters: [], metrics: [], tags: {} });
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
  });

  it('logs to a finished run too (MLflow clients do), leaving its status and end alone', async () => {
    const run = await aRun(fathom());
    const done = await fathom().use(UpdateRun).execute(run.id, { status: 'completed' });
    await fathom().use(LogRunBatch).execute(run.id, { tags: { late: 'yes' }, metrics: [{ key: 'loss', value: 1 }] });
    expect(await fathom().use(GetRun).execute(run.id)).toMatchObject({ status: 'completed', completedAt: done.completedAt, tags: { late: 'yes' } });
  });

  it('validates everything first: a bad parameter, a bad metric and a bad tag are all reported, and nothing is written', async () => {
    const run = await aRun(fathom(), { name: 'untouched', tags: { a: 'b' } });
    const error = await rejectionOf(
      fathom()
        .use(LogRunBatch)
        .execute(run.id, {
          parameters: [{ key: 'fine', value: 1 }, { key: 'bad key!', value: 2 }],
          tags: { 'bad tag!': 'v', good: 'v' },
          name: 'x'.repeat(257),
          metrics: [{ key: 'loss', value: 1 }, { key: 'acc', value: 'high' }],
        }),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(['/metrics/1/value', '/name', '/parameters/1/key', '/tags/bad tag!']);
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
    expect(await fathom().use(GetMetricSummaries).execute(run.id)).toEqual([]);
  });

  it('reports a bad metric and a bad tag together, even when the parameters are fine', async () => {
    const run = await aRun(fathom());
    const error = await rejectionOf(
      fathom()
        .use(LogRunBatch)
        .execute(run.id, { parameters: [{ key: 'lr', value: 0.1 }], tags: { 'no*': 'v' }, metrics: [{ key: 'loss', value: 1, step: -1 }] }),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(['/metrics/0/step', '/tags/no*']);
    expect((await fathom().use(GetRun).execute(run.id)).parameters).toEqual([]);
  });

  it('refuses tags that would take the run over its tag limit, with the metrics still unwritten', async () => {
    const tags = Object.fromEntries(Array.from({ length: MAX_RUN_TAGS }, (_, i) => [`t${i}`, 'v']));
    const run = await aRun(fathom(), { tags });
    const error = await rejectionOf(
      fathom().use(LogRunBatch).execute(run.id, { tags: { one: 'too many' }, metrics: [{ key: 'loss', value: 1 }], parameters: [{ key: 'lr', value: 1 }] }),
      InvalidArgumentError,
    );
    expect(error.issues.map((i) => i.path)).toEqual(['/tags']);
    const stored = await fathom().use(GetRun).execute(run.id);
    expect(Object.keys(stored.tags)).toHaveLength(MAX_RUN_TAGS);
    expect(stored.parameters).toEqual([]);
    expect(stored.metrics).toEqual([]);
  });

  it('a parameter that conflicts with a logged value refuses the batch: no tag, name, metric or other parameter is written', async () => {
    const run = await aRun(fathom(), { name: 'before', tags: { a: 'b' }, params: { lr: 0.1 } });
    const error = await rejectionOf(
      fathom()
        .use(LogRunBatch)
        .execute(run.id, {
          parameters: [
            { key: 'seed', value: 7 },
            { key: 'lr', value: 0.2 },
          ],
          tags: { a: 'changed', c: 'new' },
          name: 'after',
          metrics: [{ key: 'loss', value: 1 }],
        }),
      ConflictError,
    );
    expect(error.message).toContain('lr');
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(run);
    expect(await fathom().use(GetMetricSummaries).execute(run.id)).toEqual([]);
  });

  it('is refused on a trashed run (ConflictError), writing nothing', async () => {
    const run = await aRun(fathom());
    await fathom().use(MarkRunDeleted).execute(run.id, ANONYMOUS);
    const before = await fathom().use(GetRun).execute(run.id);
    await rejectionOf(
      fathom().use(LogRunBatch).execute(run.id, { parameters: [{ key: 'lr', value: 1 }], tags: { a: 'b' }, metrics: [{ key: 'loss', value: 1 }] }),
      ConflictError,
    );
    expect(await fathom().use(GetRun).execute(run.id)).toEqual(before);
  });

  it('is a NotFoundError for an unknown run', async () => {
    const error = await rejectionOf(fathom().use(LogRunBatch).execute('ghost', { metrics: [{ key: 'loss', value: 1 }] }), NotFoundError);
    expect(error).toMatchObject({ entity: 'run', id: 'ghost' });
  });
});
