import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { AlreadyExistsError, ConflictError } from '../../../src/domain/errors.js';
import type { Experiment } from '../../../src/domain/experiment.js';
import type { Parameter } from '../../../src/domain/parameter.js';
import type { Run } from '../../../src/domain/run.js';
import { describePostgres } from '../../support/postgres.js';

/**
 * The invariants the repositories promise hold across servers: two stores, each with its own
 * pool (two servers), write one database at the same moment, and the database arbitrates. Each
 * race is run several times, so both interleavings (one waiting for the other, or both
 * committing close together) are met; whichever happens, exactly one writer may win.
 */
const ROUNDS = 10;
const T0 = Date.UTC(2026, 0, 15);
let sequence = 0;
const nextId = (prefix: string): string => `${prefix}-${++sequence}`;

const anExperiment = (name: string): Experiment => ({
  id: nextId('exp'),
  name,
  tags: [],
  properties: {},
  createdBy: 'ada',
  createdAt: T0,
  updatedAt: T0,
  lifecycleStage: 'active',
});

const aRun = (experimentId: string): Run => ({
  id: nextId('run'),
  experimentId,
  status: 'running',
  tags: {},
  createdBy: 'ada',
  startedAt: T0,
  lifecycleStage: 'active',
});

const lr = (value: number): Parameter => ({ key: 'lr', type: 'number', value });

async function settled<T>(calls: Promise<T>[]): Promise<{ won: T[]; lost: unknown[] }> {
  const results = await Promise.allSettled(calls);
  return {
    won: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    lost: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

describePostgres('PostgreSQL repositories across two servers', (postgres) => {
  let one: PostgresStore;
  let two: PostgresStore;
  let experiment: Experiment;

  beforeAll(async () => {
    const url = await postgres.createDatabase();
    one = await createPostgresStore({ connectionString: url });
    two = await createPostgresStore({ connectionString: url });
    experiment = anExperiment('shared');
    await one.experiments.create(experiment);
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it('of one parameter key added with different values on each, exactly one value is stored', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const run = aRun(experiment.id);
      await one.runs.create(run, []);
      const { won, lost } = await settled([one.parameters.add(run.id, [lr(0.1)]), two.parameters.add(run.id, [lr(0.2)])]);
      expect(won).toEqual([1]);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(ConflictError);
      expect((lost[0] as Error).message).toMatch(/'lr'.*0\.[12].*0\.[12]/);
      const stored = (await two.parameters.listForRuns([run.id])).get(run.id);
      expect(stored).toHaveLength(1);
      // The value stored is the one the loser was told about.
      expect((lost[0] as Error).message).toContain(`already ${String(stored?.[0]?.value)}`);
    }
  });

  it('of two experiments created with one name, one on each, exactly one is created', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `contested ${round}`;
      const { won, lost } = await settled([one.experiments.create(anExperiment(name)), two.experiments.create(anExperiment(name))]);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(AlreadyExistsError);
      const listed = await one.experiments.list({ filter: { lifecycle: 'all', nameContains: name }, order: { field: 'name', descending: false }, page: { limit: 10 } });
      expect(listed).toHaveLength(1);
    }
  });

  it('of two finishes of one run, one on each, exactly one succeeds', async () => {
    const finish = (store: PostgresStore, runId: string, status: Run['status']) =>
      store.runs.update(runId, (current) => {
        if (current.status !== 'running') throw new ConflictError(`run '${runId}' is already ${current.status}`);
        return { ...current, status, completedAt: T0 + 1 };
      });
    for (let round = 0; round < ROUNDS; round++) {
      const run = aRun(experiment.id);
      await two.runs.create(run, []);
      const { won, lost } = await settled([finish(one, run.id, 'completed'), finish(two, run.id, 'failed')]);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(ConflictError);
      expect((await one.runs.get(run.id)).status).toBe(won[0]?.status);
    }
  });
});
