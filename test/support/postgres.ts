import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type { TestProject } from 'vitest/node';
import { connectionString, findPostgres, startCluster, type PostgresCluster, type PostgresServer } from './postgres-cluster.js';

export { connectionString, findPostgres, startCluster, type PostgresCluster, type PostgresServer } from './postgres-cluster.js';

/**
 * PostgreSQL for test suites, on throwaway clusters (test/support/postgres-cluster.ts).
 *
 * Two ways to get one, measured on the 2-core VM: initdb ~1.2 s, `pg_ctl start -w` ~0.25 s,
 * CREATE DATABASE ~0.1 s.
 * - As a vitest globalSetup (this file's `setup`): one cluster for the run, and each test file
 *   creates its own databases in it, so files run in parallel on one cluster. The setup runs
 *   only when its project has files to run.
 * - Without it, `describePostgres` starts a cluster for its file (about 1.5 s more per file).
 *
 * Where something is missing, the suites are skipped with a message naming it, except under
 * CI=true, where they fail.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared cluster, when the globalSetup started one. */
    fathomPostgres: PostgresServer | undefined;
  }
}

/** vitest globalSetup: one cluster for the run, given to test files through `inject`. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = findPostgres();
  if ('missing' in found) {
    // Test files see no cluster and apply the skip (or CI) rule themselves.
    project.provide('fathomPostgres', undefined);
    return async () => undefined;
  }
  const started = Date.now();
  const cluster = await startCluster();
  console.info(`PostgreSQL test cluster on ${cluster.host}:${cluster.port}, started in ${Date.now() - started} ms`);
  project.provide('fathomPostgres', { host: cluster.host, port: cluster.port });
  return () => cluster.stop();
}

/** What a Postgres suite gets: databases of its own on a running server. */
export interface TestPostgres {
  /** The server (host, port), valid once the suite's beforeAll ran. */
  server(): PostgresServer;
  /**
   * A new, empty database; its connection string. Dropped after the suite. `settings` are the
   * CREATE DATABASE options (default: UTF-8, C collation).
   */
  createDatabase(settings?: string): Promise<string>;
}

/**
 * A describe block over a PostgreSQL server: the run's shared cluster when the globalSetup
 * started one, otherwise a cluster of the file's own. Where PostgreSQL cannot be started here,
 * the block is skipped with a warning naming what is missing; under CI=true it fails instead.
 */
export function describePostgres(name: string, body: (postgres: TestPostgres) => void): void {
  const found = findPostgres();
  if ('missing' in found) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs PostgreSQL, which CI must provide', () => {
          throw new Error(`PostgreSQL suites cannot run: ${found.missing}`);
        });
      });
      return;
    }
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPED "${name}": PostgreSQL is not available: ${found.missing}\n` +
        `!! (under CI=true this fails)\n${'!'.repeat(100)}\n`,
    );
    describe.skip(name, () => body({ server: unavailable, createDatabase: unavailable }));
    return;
  }
  describe(name, () => {
    let server: PostgresServer | undefined;
    let own: PostgresCluster | undefined;
    const created: string[] = [];
    const admin = () => new pg.Client({ connectionString: connectionString(server as PostgresServer, 'postgres') });

    beforeAll(async () => {
      server = inject('fathomPostgres');
      if (!server) server = own = await startCluster();
    }, 120_000);

    afterAll(async () => {
      if (own) {
        await own.stop();
        return;
      }
      if (!server || created.length === 0) return;
      const client = admin();
      await client.connect();
      try {
        for (const database of created) await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    });

    body({
      server: () => {
        if (!server) throw new Error('the PostgreSQL server is not started yet (use it inside tests or hooks)');
        return server;
      },
      createDatabase: async (settings = "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'") => {
        if (!server) throw new Error('the PostgreSQL server is not started yet (use it inside tests or hooks)');
        // Unique across the files sharing a cluster.
        const database = `fathom_test_${randomBytes(6).toString('hex')}`;
        const client = admin();
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${database} TEMPLATE template0 ${settings}`);
        } finally {
          await client.end();
        }
        created.push(database);
        return connectionString(server, database);
      },
    });
  });
}

function unavailable(): never {
  throw new Error('PostgreSQL is not available');
}
