import { execFile, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Throwaway PostgreSQL clusters: `initdb` into a temp dir, listening on a free loopback port
 * (127.0.0.1 only, trust authentication, no Unix socket), stopped and removed at the end. No
 * vitest in here, so benchmarks and scratch scripts can start one too; test suites use
 * test/support/postgres.ts.
 *
 * Binaries come from PG_BIN (default /usr/lib/postgresql/15/bin). `initdb` refuses to run as
 * root, so as root every server command runs as the `postgres` OS user (`runuser`), in a temp dir
 * chowned to it.
 */

const run = promisify(execFile);
export const SUPERUSER = 'postgres';

export interface PostgresServer {
  host: string;
  port: number;
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
export interface ClusterOptions {
  /**
   * Keep fsync, full_page_writes and synchronous commits on, as a production server has them
   * (benchmarks). Off by default: test data never needs to outlive the run, and tests run faster.
   */
  durable?: boolean;
}

export async function startCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
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
        ...(options.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
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
