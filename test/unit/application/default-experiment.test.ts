import { describe, expect, it } from 'vitest';
import type { ExperimentRepository } from '../../../src/application/ports/experiment-repository.js';
import { TOKENS } from '../../../src/application/tokens.js';
import { ChangeExperiment } from '../../../src/application/use-cases/experiments/change-experiment.js';
import { DeleteExperiment } from '../../../src/application/use-cases/experiments/delete-experiment.js';
import {
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_EXPERIMENT_NAME,
  EnsureDefaultExperiment,
} from '../../../src/application/use-cases/experiments/ensure-default-experiment.js';
import { GetExperiment } from '../../../src/application/use-cases/experiments/get-experiment.js';
import { ListExperiments } from '../../../src/application/use-cases/experiments/list-experiments.js';
import { buildContainer } from '../../../src/composition-root.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { anExperiment } from '../../support/builders.js';
import { TEST_STORE } from '../../support/fathom.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

/** Every experiment, deleted ones too, as [id, name, lifecycleStage]. */
async function everyExperiment(): Promise<[string, string, string][]> {
  const { experiments } = await fathom().use(ListExperiments).execute({ filter: { lifecycle: 'all' }, orderBy: 'name' });
  return experiments.map((e) => [e.id, e.name, e.lifecycleStage]);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EnsureDefaultExperiment', () => {
  it('creates experiment "0", named "Default", active and empty, made by fathom now', async () => {
    expect(DEFAULT_EXPERIMENT_ID).toBe('0');
    expect(DEFAULT_EXPERIMENT_NAME).toBe('Default');
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('created');
    expect(await fathom().use(GetExperiment).execute('0')).toEqual({
      id: '0',
      name: 'Default',
      tags: [],
      properties: {},
      createdBy: 'fathom',
      createdAt: START,
      updatedAt: START,
      lifecycleStage: 'active',
      runs: [],
    });
  });

  it('creates it once: the next call answers present and adds nothing', async () => {
    await fathom().use(EnsureDefaultExperiment).execute();
    fathom().clock.advance(60_000);
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('present');
    expect(await everyExperiment()).toEqual([['0', 'Default', 'active']]);
    expect((await fathom().use(GetExperiment).execute('0')).updatedAt).toBe(START);
  });

  it('leaves a renamed "0" alone: present, and no second "Default"', async () => {
    await fathom().use(EnsureDefaultExperiment).execute();
    await fathom().use(ChangeExperiment).execute('0', { name: 'inbox' });
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('present');
    expect(await everyExperiment()).toEqual([['0', 'inbox', 'active']]);
  });

  it('leaves a deleted "0" deleted: present', async () => {
    await fathom().use(EnsureDefaultExperiment).execute();
    await fathom().use(DeleteExperiment).execute('0', {}, ANONYMOUS);
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('present');
    expect(await everyExperiment()).toEqual([['0', 'Default', 'deleted']]);
  });

  it('answers name-taken and creates nothing when "0" is missing and an active experiment holds the name "Default"', async () => {
    const mine = await anExperiment(fathom(), { name: 'Default' });
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('name-taken');
    expect(await everyExperiment()).toEqual([[mine.id, 'Default', 'active']]);
    await rejectionOf(fathom().use(GetExperiment).execute('0'), NotFoundError);
    // Still so on the next start.
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('name-taken');
    expect(await everyExperiment()).toEqual([[mine.id, 'Default', 'active']]);
  });

  it('creates it when the name is held only by a deleted experiment (names are unique among active ones)', async () => {
    const old = await anExperiment(fathom(), { name: 'Default' });
    await fathom().use(DeleteExperiment).execute(old.id, {}, ANONYMOUS);
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('created');
    expect((await everyExperiment()).sort()).toEqual([['0', 'Default', 'active'], [old.id, 'Default', 'deleted']].sort());
  });

  it('recreates it once permanently deleted, when the name is free', async () => {
    await fathom().use(EnsureDefaultExperiment).execute();
    await fathom().use(DeleteExperiment).execute('0', { permanent: true }, ANONYMOUS);
    expect(await fathom().use(EnsureDefaultExperiment).execute()).toBe('created');
    expect(await everyExperiment()).toEqual([['0', 'Default', 'active']]);
  });

  it('concurrent calls create exactly one: one answers created, the others present', async () => {
    const ensure = fathom().use(EnsureDefaultExperiment);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ensure.execute()));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'present')).toHaveLength(7);
    expect(await everyExperiment()).toEqual([['0', 'Default', 'active']]);
  });

  it('concurrent calls through a slow store still create exactly one', async () => {
    const experiments = fathom().container.resolve<ExperimentRepository>(TOKENS.Experiments);
    // Every call looks, finds nothing, and only then tries to create: all but one lose the race.
    const slow: ExperimentRepository = Object.assign(Object.create(experiments) as ExperimentRepository, {
      get: async (id: string) => {
        await pause(5);
        return experiments.get(id);
      },
      create: async (experiment: Parameters<ExperimentRepository['create']>[0]) => {
        await pause(5);
        return experiments.create(experiment);
      },
    });
    fathom().container.register(TOKENS.Experiments, { useValue: slow });
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => fathom().use(EnsureDefaultExperiment).execute()));
    expect(outcomes.sort()).toEqual(['created', 'present', 'present', 'present']);
    expect(await everyExperiment()).toEqual([['0', 'Default', 'active']]);
  });

  it.runIf(TEST_STORE === 'sqlite')('two servers on one database, starting at once, create it once', async () => {
    const other = await buildContainer({ dataDir: fathom().dataDir, maxUploadBytes: 1024, store: 'sqlite' });
    try {
      const outcomes = await Promise.all([
        fathom().use(EnsureDefaultExperiment).execute(),
        other.container.resolve(EnsureDefaultExperiment).execute(),
        fathom().use(EnsureDefaultExperiment).execute(),
        other.container.resolve(EnsureDefaultExperiment).execute(),
      ]);
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'present')).toHaveLength(3);
      expect(await everyExperiment()).toEqual([['0', 'Default', 'active']]);
    } finally {
      await other.close();
    }
  });
});
