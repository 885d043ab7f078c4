import { expect, it } from 'vitest';
import { NotFoundError } from '../../../src/domain/errors.js';
import { type RepositoryStore, aRun, anArtifact, givenArtifact, givenExperiment, givenRun, idsOf, listExperiments } from './support.js';

/**
 * Lookups by text no store holds: NUL (U+0000) and lone surrogates, which the domain refuses in
 * everything written but which ids in paths and names in queries can still carry. They find
 * nothing, as an unknown id or name does, on every store: in particular not the record whose text
 * they would read as once encoded to UTF-8 (a lone surrogate becomes U+FFFD).
 */
export function unstorableTextContract(store: () => RepositoryStore): void {
  /** Text whose lone surrogate or NUL a UTF-8 encoder would turn into (or lose in) `…\uFFFD`. */
  const UNSTORABLE = ['\u0000', '\uD800', '\uDC00'];
  const REPLACED = '\uFFFD';

  it('experiments: get, update and purge say not found; findByName, getMany and list (by ids too) find nothing', async () => {
    const stored = await givenExperiment(store(), { id: `e${REPLACED}`, name: `n${REPLACED}`, createdBy: `c${REPLACED}`, tags: [`t${REPLACED}`] });
    for (const text of UNSTORABLE) {
      await expect(store().experiments.get(`e${text}`)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().experiments.update(`e${text}`, (e) => ({ ...e, name: 'changed' }))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().experiments.purge(`e${text}`)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().experiments.findByName(`n${text}`)).toBeUndefined();
      expect(idsOf(await store().experiments.getMany([`e${text}`, stored.id]))).toEqual([stored.id]);
      expect(await listExperiments(store(), { ids: [`e${text}`] })).toEqual([]);
      expect(idsOf(await listExperiments(store(), { ids: [`e${text}`, stored.id] }))).toEqual([stored.id]);
      expect(await listExperiments(store(), { nameContains: `n${text}` })).toEqual([]);
      expect(await listExperiments(store(), { createdBy: `c${text}` })).toEqual([]);
      expect(await listExperiments(store(), { allTags: [`t${text}`] })).toEqual([]);
      expect(await listExperiments(store(), { anyTags: [`t${text}`] })).toEqual([]);
      expect(idsOf(await listExperiments(store(), { anyTags: [`t${text}`, `t${REPLACED}`] }))).toEqual([stored.id]);
    }
    expect(await store().experiments.get(stored.id)).toEqual(stored);
  });

  it('runs: get, update and delete say not found, and so do create and update given such an experiment or parent; getMany, listAllByExperiments and listChildren find nothing', async () => {
    const experiment = await givenExperiment(store(), { id: `e${REPLACED}` });
    const parent = await givenRun(store(), experiment.id, { id: `r${REPLACED}` });
    const child = await givenRun(store(), experiment.id, { parentRunId: parent.id });
    for (const text of UNSTORABLE) {
      await expect(store().runs.create(aRun(`e${text}`), [])).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.create(aRun(experiment.id, { parentRunId: `r${text}` }), [])).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.update(child.id, (run) => ({ ...run, parentRunId: `r${text}` }))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.get(`r${text}`)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.update(`r${text}`, (run) => ({ ...run, name: 'changed' }))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runs.delete(`r${text}`)).rejects.toBeInstanceOf(NotFoundError);
      expect(idsOf(await store().runs.getMany([`r${text}`, parent.id]))).toEqual([parent.id]);
      expect(await store().runs.listAllByExperiments([`e${text}`])).toEqual([]);
      expect(await store().runs.listChildren(`r${text}`)).toEqual([]);
    }
    expect(await store().runs.get(parent.id)).toEqual(parent);
    expect(await store().runs.get(child.id)).toEqual(child);
    expect(await store().runs.listAllByExperiments([experiment.id])).toHaveLength(2);
  });

  it("artifacts and run inputs: a run's or an experiment's are found for none of them", async () => {
    const experiment = await givenExperiment(store(), { id: `e${REPLACED}` });
    const run = await givenRun(store(), experiment.id, { id: `r${REPLACED}` });
    const artifact = await givenArtifact(store(), run, { name: `a${REPLACED}`, type: 'model' });
    await store().runInputs.add(run.id, [{ name: 'train', digest: 'd1', sourceType: 'local', source: '/data', tags: {} }]);
    for (const text of UNSTORABLE) {
      expect((await store().artifacts.listForRuns([`r${text}`])).get(`r${text}`)).toEqual([]);
      expect(await store().artifacts.listByExperiment(`e${text}`, {})).toEqual([]);
      expect(await store().artifacts.listByExperiment(experiment.id, { name: `a${text}` })).toEqual([]);
      expect(await store().artifacts.find(`r${text}`, artifact.name)).toBeUndefined();
      expect(await store().artifacts.find(run.id, `a${text}`)).toBeUndefined();
      expect(await store().artifacts.find(run.id, artifact.name, `1${text}`)).toBeUndefined();
      await expect(store().artifacts.deleteByName(`r${text}`, artifact.name)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store().artifacts.deleteByName(run.id, `a${text}`, { below: true })).toEqual([]);
      expect(await store().artifacts.referencedBlobs([`${artifact.path}${text}`])).toEqual(new Set());
      expect(await store().artifacts.versionMarks(`e${text}`)).toEqual(new Map());
      await expect(store().artifacts.raiseVersionMarks(`e${text}`, new Map([['x', '2']]))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().artifacts.create(anArtifact({ ...run, id: `r${text}` }))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().runInputs.add(`r${text}`, [{ name: 'eval', digest: 'd2', sourceType: 'local', source: '/data', tags: {} }])).rejects.toBeInstanceOf(NotFoundError);
      expect((await store().runInputs.listForRuns([`r${text}`])).get(`r${text}`)).toEqual([]);
    }
    expect(await store().artifacts.find(run.id, artifact.name)).toEqual(artifact);
    expect((await store().runInputs.listForRuns([run.id])).get(run.id)).toHaveLength(1);
  });
}
