import { describe, expect, it } from 'vitest';
import { ChangeExperiment } from '../../../src/application/use-cases/experiments/change-experiment.js';
import { CreateExperiment } from '../../../src/application/use-cases/experiments/create-experiment.js';
import { GetExperiment } from '../../../src/application/use-cases/experiments/get-experiment.js';
import { ListExperiments } from '../../../src/application/use-cases/experiments/list-experiments.js';
import { UpdateExperiment } from '../../../src/application/use-cases/experiments/update-experiment.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../../src/domain/errors.js';
import { MAX_PROPERTIES } from '../../../src/domain/experiment.js';
import { anExperiment, aRun } from '../../support/builders.js';
import { rejectionOf, useFathom } from './support.js';
import { ANONYMOUS } from '../../../src/domain/access.js';

const fathom = useFathom();
const START = Date.parse('2026-01-15T10:00:00.000Z');

async function propertiesOf(id: string): Promise<Record<string, string>> {
  return (await fathom().use(GetExperiment).execute(id)).properties;
}

describe('experiment properties', () => {
  it('are stored as given on create, and listed', async () => {
    const created = await fathom().use(CreateExperiment).execute({ name: 'with properties', properties: { 'mlflow.note.content': ' # Notes\n', Team: 'NLP' } }, ANONYMOUS);
    expect(created.properties).toEqual({ 'mlflow.note.content': ' # Notes\n', Team: 'NLP' });
    expect(await propertiesOf(created.id)).toEqual(created.properties);
    const { experiments } = await fathom().use(ListExperiments).execute();
    expect(experiments.map((e) => e.properties)).toEqual([created.properties]);
  });

  it('default to none', async () => {
    expect((await anExperiment(fathom())).properties).toEqual({});
  });
});

describe('ChangeExperiment', () => {
  it('merges properties: new keys added, given ones replaced, null removing one, others kept; updatedAt bumped', async () => {
    const experiment = await anExperiment(fathom(), { properties: { keep: '1', change: 'old', drop: 'x' } });
    fathom().clock.advance(5_000);
    const changed = await fathom().use(ChangeExperiment).execute(experiment.id, { properties: { change: 'new', drop: null, add: 'yes', never: null } });
    expect(changed).toEqual({ ...experiment, properties: { keep: '1', change: 'new', add: 'yes' }, updatedAt: START + 5_000 });
    expect(changed).not.toHaveProperty('runs');
    expect(await propertiesOf(experiment.id)).toEqual({ keep: '1', change: 'new', add: 'yes' });
  });

  it('answers the record alone, even for an experiment with runs; UpdateExperiment answers it with its runs', async () => {
    const experiment = await anExperiment(fathom());
    const run = await aRun(fathom(), { experimentId: experiment.id });
    expect(await fathom().use(ChangeExperiment).execute(experiment.id, { properties: { a: '1' } })).not.toHaveProperty('runs');
    const updated = await fathom().use(UpdateExperiment).execute(experiment.id, { properties: { b: '2' } });
    expect(updated.properties).toEqual({ a: '1', b: '2' });
    expect(updated.runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('renames, re-describes and re-labels, leaving the properties alone', async () => {
    const experiment = await anExperiment(fathom(), { properties: { a: '1' } });
    const changed = await fathom().use(ChangeExperiment).execute(experiment.id, { name: 'renamed', description: 'why', tags: ['Label'] });
    expect(changed).toMatchObject({ name: 'renamed', description: 'why', tags: ['label'], properties: { a: '1' } });
  });

  it('refuses a bad key and a value over 5,000 characters, naming each by its key, and changes nothing', async () => {
    const experiment = await anExperiment(fathom(), { properties: { a: '1' } });
    fathom().clock.advance(1_000);
    const error = await rejectionOf(
      fathom()
        .use(ChangeExperiment)
        .execute(experiment.id, { properties: { 'bad key!': 'v', '': 'v', long: 'v'.repeat(5_001), fine: 'v'.repeat(5_000) } }),
      InvalidArgumentError,
    );
    expect(error.issues).toEqual([
      { path: '/properties/bad key!', message: expect.stringContaining('may contain only') },
      { path: '/properties/', message: 'must be 1-250 characters' },
      { path: '/properties/long', message: 'value must be at most 5000 characters' },
    ]);
    expect(await fathom().use(GetExperiment).execute(experiment.id)).toEqual({ ...experiment, runs: [] });
  });

  it(`refuses a change that would leave more than ${MAX_PROPERTIES} properties, and accepts exactly that many`, async () => {
    const many = Object.fromEntries(Array.from({ length: MAX_PROPERTIES - 1 }, (_, i) => [`k${i}`, 'v']));
    const experiment = await anExperiment(fathom(), { properties: many });
    await fathom().use(ChangeExperiment).execute(experiment.id, { properties: { last: 'v' } });
    const error = await rejectionOf(fathom().use(ChangeExperiment).execute(experiment.id, { properties: { over: 'v' } }), InvalidArgumentError);
    expect(error.issues.map((i) => i.path)).toEqual(['/properties']);
    expect(Object.keys(await propertiesOf(experiment.id))).toHaveLength(MAX_PROPERTIES);
    await fathom().use(ChangeExperiment).execute(experiment.id, { properties: { over: 'v', last: null } });
    expect(await propertiesOf(experiment.id)).toHaveProperty('over', 'v');
  });

  it('keeps a key named __proto__ as a property, through the store and back, and can remove it', async () => {
    const experiment = await anExperiment(fathom());
    await fathom()
      .use(ChangeExperiment)
      .execute(experiment.id, { properties: JSON.parse('{"__proto__": "not a prototype", "a": "1"}') as Record<string, string> });
    const stored = await propertiesOf(experiment.id);
    expect(Object.keys(stored).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value).toBe('not a prototype');
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);

    await fathom()
      .use(ChangeExperiment)
      .execute(experiment.id, { properties: JSON.parse('{"__proto__": null}') as Record<string, null> });
    expect(Object.keys(await propertiesOf(experiment.id))).toEqual(['a']);
  });

  it('applies two concurrent property changes both: neither overwrites the other', async () => {
    const experiment = await anExperiment(fathom(), { properties: { base: '0' } });
    const change = fathom().use(ChangeExperiment);
    await Promise.all([
      change.execute(experiment.id, { properties: { a: '1' } }),
      change.execute(experiment.id, { properties: { b: '2' } }),
      change.execute(experiment.id, { properties: { base: null } }),
    ]);
    expect(await propertiesOf(experiment.id)).toEqual({ a: '1', b: '2' });
  });

  it('refuses a rename onto an active name (AlreadyExistsError), and is a NotFoundError for an unknown experiment', async () => {
    await anExperiment(fathom(), { name: 'taken' });
    const other = await anExperiment(fathom(), { name: 'free', properties: { a: '1' } });
    await rejectionOf(fathom().use(ChangeExperiment).execute(other.id, { name: 'taken', properties: { a: '2' } }), AlreadyExistsError);
    expect(await fathom().use(GetExperiment).execute(other.id)).toMatchObject({ name: 'free', properties: { a: '1' } });
    await rejectionOf(fathom().use(ChangeExperiment).execute('nope', { properties: { a: '1' } }), NotFoundError);
  });
});
