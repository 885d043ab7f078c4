import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { ConflictError, NotFoundError } from '../../../src/domain/errors.js';
import type { DatasetInput } from '../../../src/domain/run-input.js';
import { aRun, givenArtifact, givenExperiment, givenRun } from '../../contract/repositories/support.js';
import { describePostgres } from '../../support/postgres.js';

/**
 * Writes that meet on the same rows lock them in one order (experiment, then run, then what hangs
 * under the run, several of a kind in key order), so they queue instead of deadlocking. Each test
 * plays one side by hand on a connection of its own, holding its first lock while the store's
 * write starts, then asks for its second lock with a lock timeout shorter than the server's
 * deadlock timeout (1 s): if the store's write already holds that lock and waits for the first,
 * the two would deadlock, and the hand-played side fails on the timeout instead.
 */
describePostgres('PostgreSQL lock order', (postgres) => {
  let url: string;
  let store: PostgresStore;
  let observer: pg.Client;
  const opened: pg.Client[] = [];

  beforeAll(async () => {
    url = await postgres.createDatabase();
    store = await createPostgresStore({ connectionString: url });
    observer = new pg.Client({ connectionString: url });
    await observer.connect();
  });

  afterEach(async () => {
    for (const client of opened.splice(0)) await client.end().catch(() => undefined);
  });

  afterAll(async () => {
    await store?.close();
    await observer?.end();
  });

  /** A connection playing the other writer: it waits 300 ms at most for any lock. */
  async function otherWriter(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    opened.push(client);
    await client.connect();
    await client.query("SET lock_timeout = '300ms'");
    return client;
  }

  /** Resolves once one of the store's connections waits for a lock (the hand-played side holds it). */
  async function storeWaitsForALock(): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await observer.query<{ waiting: number }>(
        "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'fathom' AND wait_event_type = 'Lock'",
      );
      if ((rows[0]?.waiting ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("the store's write never waited for the lock held by hand");
  }

  it('an upload into an experiment being purged waits for the purge, which never waits for the upload', async () => {
    const experiment = await givenExperiment(store);
    const run = await givenRun(store, experiment.id);
    const purge = await otherWriter();
    await purge.query('BEGIN');
    await purge.query('SELECT 1 FROM experiments WHERE id = $1 FOR UPDATE', [experiment.id]);
    const upload = givenArtifact(store, run).catch((error: unknown) => error);
    await storeWaitsForALock();
    // The purge's second lock: the upload must not hold the run while it waits for the experiment.
    await purge.query('SELECT 1 FROM runs WHERE experiment_id = $1 FOR UPDATE', [experiment.id]);
    await purge.query('DELETE FROM experiments WHERE id = $1', [experiment.id]);
    await purge.query('COMMIT');
    expect(await upload).toBeInstanceOf(NotFoundError);
  });

  it('two adds of the same datasets to a run, in opposite orders, queue; each keeps the positions of its first add', async () => {
    const experiment = await givenExperiment(store);
    const run = await givenRun(store, experiment.id);
    const dataset = (name: string): DatasetInput => ({ name, digest: 'd', sourceType: 'local', source: `/data/${name}`, tags: {} });
    const insert = (client: pg.Client, input: DatasetInput, position: number) =>
      client.query('INSERT INTO run_inputs (run_id, name, digest, position, document) VALUES ($1, $2, $3, $4, $5)', [run.id, input.name, input.digest, position, JSON.stringify(input)]);
    const other = await otherWriter();
    await other.query('BEGIN');
    // The other add, [a, b]: a first, then the store's add of [b, a] starts.
    await insert(other, dataset('a'), 0);
    const add = store.runInputs.add(run.id, [dataset('b'), dataset('a')]);
    await storeWaitsForALock();
    // The other add's second row: the store's add must not hold b while it waits for a.
    await insert(other, dataset('b'), 1);
    await other.query('COMMIT');
    await add;
    expect((await store.runInputs.listForRuns([run.id])).get(run.id)?.map((input) => input.name)).toEqual(['a', 'b']);
    // Alone, an add keeps the caller's order.
    const next = await givenRun(store, experiment.id);
    await store.runInputs.add(next.id, [dataset('b'), dataset('c'), dataset('a')]);
    expect((await store.runInputs.listForRuns([next.id])).get(next.id)?.map((input) => input.name)).toEqual(['b', 'c', 'a']);
  });

  it('a run started while its experiment is being deleted waits for the deletion and is refused, never left active in it', async () => {
    const experiment = await givenExperiment(store);
    const deletion = await otherWriter();
    // Soft-deleting as the experiment repository does: the experiment locked, it and its runs moved.
    await deletion.query('BEGIN');
    await deletion.query('SELECT 1 FROM experiments WHERE id = $1 FOR UPDATE', [experiment.id]);
    await deletion.query("UPDATE experiments SET lifecycle_stage = 'deleted' WHERE id = $1", [experiment.id]);
    await deletion.query("UPDATE runs SET lifecycle_stage = 'deleted' WHERE experiment_id = $1", [experiment.id]);
    const run = aRun(experiment.id);
    const creation = store.runs.create(run, []).catch((error: unknown) => error);
    await storeWaitsForALock();
    await deletion.query('COMMIT');
    expect(await creation).toBeInstanceOf(ConflictError);
    expect(await store.runs.listAllByExperiments([experiment.id])).toEqual([]);
  });
});
