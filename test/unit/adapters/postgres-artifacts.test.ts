import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../../src/adapters/persistence/postgres/postgres-store.js';
import { AlreadyExistsError } from '../../../src/domain/errors.js';
import type { Run } from '../../../src/domain/run.js';
import { givenArtifact, givenExperiment, givenRun, race, range } from '../../contract/repositories/support.js';
import { describePostgres } from '../../support/postgres.js';

/**
 * Artifact versions are numbered by the database, not by a server: two stores with pools of their
 * own (two servers) over one database must never give one number twice nor skip one.
 */
describePostgres('PostgreSQL artifact versions across servers', (postgres) => {
  let servers: [PostgresStore, PostgresStore];
  let run: Run;

  beforeAll(async () => {
    const connectionString = await postgres.createDatabase();
    const first = await createPostgresStore({ connectionString });
    servers = [first, await createPostgresStore({ connectionString })];
    const experiment = await givenExperiment(first);
    run = await givenRun(first, experiment.id);
  });

  afterAll(async () => {
    for (const server of servers ?? []) await server.close();
  });

  it('numbers 20 concurrent creates of one name on two servers "1".."20": unique, without gaps', async () => {
    const created = await Promise.all(range(20).map((i) => givenArtifact(servers[i % 2] as PostgresStore, run, { name: 'model' })));
    expect(created.map((a) => Number(a.version)).sort((a, b) => a - b)).toEqual(range(20).map((i) => i + 1));
  });

  it('never fails an automatic number for a whole number given at the same time: "5" is held once, by whichever came first', async () => {
    const automatic = Promise.all(range(10).map((i) => givenArtifact(servers[i % 2] as PostgresStore, run, { name: 'ckpt' })));
    const given = race(range(4).map((i) => givenArtifact(servers[i % 2] as PostgresStore, run, { name: 'ckpt', version: '5' })));
    const [numbered, { won, lost }] = await Promise.all([automatic, given]);
    for (const reason of lost) expect(reason).toBeInstanceOf(AlreadyExistsError);
    const versions = (await servers[0].artifacts.listByExperiment(run.experimentId, { name: 'ckpt' })).map((a) => a.version);
    expect(versions).toHaveLength(numbered.length + won.length);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.filter((v) => v === '5')).toHaveLength(1);
  });
});
