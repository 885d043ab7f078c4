import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type { TestProject } from 'vitest/node';

/**
 * Throwaway PostgreSQL clusters for tests.
 *
 * A cluster is `initdb`-ed into a temp dir, listens on a free loopback port (127.0.0.1 only, trust
 * authentication, no Unix socket) and is stopped and removed at the end. Durability is off
 * (fsync, full_page_writes): nothing in it outlives the run.
 *
 * Two ways to get one, measured on the 2-core VM: initdb ~1.2 s, `pg_ctl start -w` ~0.25 s,
 * CREATE DATABASE ~0.1 s.
 * - As a vitest globalSetup (this file's `setup`): one cluster for the run, and each test file
 *   creates its own databases in it, so files run in parallel on one cluster. The setup runs
 *   only when its project has files to run.
 * - Without it, `describePostgres` starts a cluster for its file (about 1.5 s more per file).
 *
 * Binaries come from PG_BIN (default /usr/lib/postgresql/15/bin). `initdb` refuses to run as
 * root, so as root every server command runs as the `postgres` OS user (`runuser`), in a temp dir
 * chowned to it. Where something is missing, the suites are skipped with a message naming it,
 * except under CI=true, where they fail.
 */

const run = promisify(execFile);
const SUPERUSER = 'postgres';

export interface PostgresServer {
  host: string;
  port: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared cluster, when the globalSetup started one. */
    fathomPostgres: PostgresServer | undefined;
  }
}

interface Binaries {
  bin: string;
  /** Prefix for commands that must run as the postgres OS user (empty when not root). */
  runAs: string[];
  /** Owner to give the cluster's directory (when running as root). */
  owner?: { uid: number; gid: number };
}

/** What is missing to start a cluster here, or the binaries to start one with. */
export function findPostgres(): Binaries | { missing: string } {
  const bin = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
  const absent = ['initdb', 'pg_ctl', 'postgres'].filter((name) => !existsSync(join(bin, name)));
  if (absent.length > 0) {
    return { missing: `${absent.join(', ')} not found in ${bin} (install PostgreSQL 15, or set PG_BIN to its bin directory)` };
  }
  if (process.getuid?.() !== 0) return { bin, runAs: [] };
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((path) => existsSync(path));
  if (!runuser) return { missing: 'runuser (running as root, initdb must run as the postgres user)' };
  const ids = spawnSync('id', ['-u', SUPERUSER]);
  const gid = spawnSync('id', ['-g', SUPERUSER]);
  if (ids.status !== 0 || gid.status !== 0) return { missing: `an OS user named ${SUPERUSER} (running as root, initdb must run as another user)` };
  return {
    bin,
    runAs: [runuser, '-u', SUPERUSER, '--'],
    owner: { uid: Number(ids.stdout.toString().trim()), gid: Number(gid.stdout.toString().trim()) },
  };
}

export interface PostgresCluster extends PostgresServer {
  stop(): Promise<void>;
}

/** initdb's a cluster in a temp dir and starts it on a free loopback port. */
export async function startCluster(): Promise<PostgresCluster> {
  const found = findPostgres();
  if ('missing' in found) throw new Error(`cannot start PostgreSQL: ${found.missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'fathom-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (found.owner) await chown(dir, found.owner.uid, found.owner.gid);
  const server = (name: string, args: string[], timeout = 60_000) => {
    const [command, ...prefix] = [...found.runAs, join(found.bin, name)];
    return run(command as string, [...prefix, ...args], { cwd: dir, timeout });
  };
  const stopNow = () => {
    const [command, ...prefix] = [...found.runAs, join(found.bin, 'pg_ctl')];
    spawnSync(command as string, [...prefix, 'stop', '-D', data, '-m', 'immediate', '-w'], { cwd: dir, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server('initdb', ['-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N', '--no-instructions']);
    // Only TCP on 127.0.0.1, trusted; no Unix socket (its directory may not exist or be shared).
    await writeFile(join(data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\n');
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        'max_connections = 300',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    // A port free now may be taken before the server binds it (another file starting a cluster):
    // try another one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await server('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', log, '-o', `-p ${port}`]);
        process.once('exit', stopNow);
        return {
          host: '127.0.0.1',
          port,
          stop: async () => {
            process.removeListener('exit', stopNow);
            await server('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
            await rm(dir, { recursive: true, force: true });
          },
        };
      } catch (error) {
        const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
        if (attempt < 3 && /could not bind|Address already in use/.test(tail)) continue;
        throw new Error(`pg_ctl start failed: ${error instanceof Error ? error.message : String(error)}\n${tail}`, { cause: error });
      }
    }
  } catch (error) {
    stopNow();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const connectionString = (server: PostgresServer, database: string): string =>
  `postgres://${SUPERUSER}@${server.host}:${server.port}/${database}`;

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
