import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** Starting and stopping the processes a benchmark measures: the built Fathom server, or any small node script. */

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServer {
  /** `http://127.0.0.1:PORT` */
  base: string;
  host: string;
  port: number;
  pid: number;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** SIGTERM, then waits for the exit; SIGKILL and an error after `timeoutMs`. A non-zero exit is an error. */
  stop(timeoutMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  /** Arguments to node (flags, then the script and its arguments). */
  args: string[];
  env: Record<string, string>;
  /** Given each stdout line until it returns a URL: the address the child listens on. */
  listening: (line: string) => string | undefined;
  startTimeoutMs?: number;
  label: string;
}

const TAIL_LINES = 40;

/** The environment without the developer's FATHOM_* settings, plus `vars`. */
export function environment(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FATHOM_')));
  return { ...env, ...vars };
}

/** Spawns `node ...args` in the repository root and resolves once it reports the address it listens on. */
export async function spawnNode(options: SpawnOptions): Promise<ChildServer> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, options.args, { cwd: ROOT, env: environment(options.env) });
  const lines: string[] = [];
  const remember = (line: string): void => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
  };
  const tail = (): string => lines.join('\n');
  const exited = new Promise<Exit>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  let stopping = false;
  createInterface({ input: child.stderr }).on('line', remember);
  const stdout = createInterface({ input: child.stdout });

  const base = await new Promise<string>((done, fail) => {
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${options.label} did not report listening within ${options.startTimeoutMs ?? 20_000} ms:\n${tail()}`));
    }, options.startTimeoutMs ?? 20_000);
    stdout.on('line', (line) => {
      remember(line);
      if (found) return;
      const url = options.listening(line);
      if (url !== undefined) {
        found = true;
        clearTimeout(timer);
        done(url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!found) fail(new Error(`${options.label} exited (${code ?? signal}) before listening:\n${tail()}`));
    });
  });
  void exited.then(({ code, signal }) => {
    // An exit nobody asked for is reported by whoever talks to the server next; say why here.
    if (!stopping) console.error(`${options.label} exited unexpectedly (${code ?? signal}):\n${tail()}`);
  });

  const url = new URL(base);
  return {
    base,
    host: url.hostname,
    port: Number(url.port),
    pid: child.pid ?? -1,
    tail,
    async stop(timeoutMs = 30_000): Promise<Exit> {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`${options.label} did not stop within ${timeoutMs} ms of SIGTERM:\n${tail()}`);
      }
      if (result.code !== 0) throw new Error(`${options.label} stopped with ${result.code ?? result.signal}:\n${tail()}`);
      return result;
    },
  };
}

export interface FathomOptions {
  /** FATHOM_STORE; undefined starts the default store. */
  store?: string;
  /** FATHOM_DURABILITY; undefined leaves the server's default. */
  durability?: string;
  /** Directory for `node --cpu-prof`; undefined runs without profiling. */
  cpuProfileDir?: string;
  logLevel?: string;
  /** An existing data directory to serve (it is not removed by `cleanUp`); a fresh one otherwise. */
  dataDir?: string;
  /** Further FATHOM_* settings: the PostgreSQL store's database URL and pool size. */
  env?: Record<string, string>;
}

export interface RunningFathom extends ChildServer {
  dataDir: string;
  /** Removes the data directory (after stop). */
  cleanUp(): Promise<void>;
}

/** `node dist/main.js` on 127.0.0.1 with a free port and a fresh data directory. */
export async function startFathom(options: FathomOptions = {}): Promise<RunningFathom> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'fathom-bench-')));
  const env: Record<string, string> = {
    FATHOM_HOST: '127.0.0.1',
    FATHOM_PORT: '0',
    FATHOM_DATA_DIR: dataDir,
  };
  if (options.store !== undefined) env.FATHOM_STORE = options.store;
  if (options.durability !== undefined) env.FATHOM_DURABILITY = options.durability;
  if (options.logLevel !== undefined) env.FATHOM_LOG_LEVEL = options.logLevel;
  Object.assign(env, options.env);
  const profiling = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  try {
    const server = await spawnNode({
      args: [...profiling, 'dist/main.js'],
      env,
      label: 'fathom',
      listening: (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: unknown };
          const match = typeof entry.msg === 'string' ? /^Fathom is listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(entry.msg) : null;
          return match && match[2] !== '0' ? match[1] : undefined;
        } catch {
          return undefined;
        }
      },
    });
    return { ...server, dataDir, cleanUp: async () => (owned ? rm(dataDir, { recursive: true, force: true }) : undefined) };
  } catch (error) {
    if (owned) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Total size of `file` and its SQLite companions (-wal, -shm) that exist; undefined when `file` does not. */
export async function databaseBytes(file: string): Promise<{ total: number; files: Record<string, number> } | undefined> {
  const files: Record<string, number> = {};
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    const size = await stat(name).then(
      (s) => s.size,
      () => undefined,
    );
    if (size !== undefined) files[name.slice(name.lastIndexOf('/') + 1)] = size;
  }
  const main = files[file.slice(file.lastIndexOf('/') + 1)];
  if (main === undefined) return undefined;
  return { total: Object.values(files).reduce((a, b) => a + b, 0), files };
}

/** The newest `.cpuprofile` in `dir`. */
export async function newestCpuProfile(dir: string): Promise<string | undefined> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile')).sort();
  const last = names.at(-1);
  return last === undefined ? undefined : join(dir, last);
}
