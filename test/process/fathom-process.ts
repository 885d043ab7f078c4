import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Runs the BUILT server (`node dist/main.js`) as a child process, the way a user runs it:
 * configured by FATHOM_* variables only (none leak in from the developer's environment), on a
 * loopback address and a port the OS picks, stopped by a signal.
 *
 * Every process started here and every directory made here is remembered, and `cleanUp()` kills
 * the one and removes the other: call it from `afterEach`, so a failing test leaves nothing behind.
 */

export const ROOT = resolve(import.meta.dirname, '../..');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FathomProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly dataDir: string;
  /** `http://127.0.0.1:<port>`, as the server logged it. */
  readonly base: string;
  readonly port: number;
  /** Parsed JSON log lines, in order. */
  readonly logs: LogLine[];
  /** Every stdout line, JSON or not. */
  readonly stdout: string[];
  stderr(): string;
  readonly exited: Promise<Exit>;
  running(): boolean;
  /** SIGTERM (graceful: in-flight requests finish, stores close); resolves when the process exited. */
  stop(): Promise<Exit>;
  /** SIGKILL (kill -9: nothing gets to run); resolves when the process exited. */
  kill(): Promise<Exit>;
  /** stderr and the last log lines, for failure messages. */
  describe(): string;
}

/** A process launched but perhaps not listening yet: `listening` rejects when it exits first. */
export interface LaunchedFathom extends Omit<FathomProcess, 'base' | 'port'> {
  readonly listening: Promise<FathomProcess>;
}

const children = new Set<ChildProcessWithoutNullStreams>();
const dirs = new Set<string>();

// Last resort when the test worker itself goes away: no server outlives it.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Compiles src/ to dist/ unless dist/ is already up to date. server-process.test.ts compiles
 * unconditionally, and vitest may run both files at once: not rewriting a fresh dist/ keeps this
 * file from pulling it from under that file's servers (and `startFathom` retries a start that
 * read a half-written dist/).
 */
export function buildDist(): void {
  if (distIsFresh()) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npx tsc -p tsconfig.build.json failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/** Every src/**\/*.ts has its dist/**\/*.js, written after it and after the compiler settings. */
function distIsFresh(): boolean {
  const modified = (path: string) => statSync(join(ROOT, path), { throwIfNoEntry: false })?.mtimeMs;
  const settings = Math.max(...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => modified(f) ?? Infinity));
  const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('adapters/http/ui/web/'));
  return sources.every((source) => {
    const built = modified(join('dist', source.replace(/\.ts$/, '.js')));
    return built !== undefined && built >= Math.max(settings, modified(join('src', source)) ?? Infinity);
  });
}

/** A fresh, empty directory under the OS temp dir, removed by `cleanUp()`. */
export async function makeDataDir(prefix = 'fathom-durability-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** The environment without any FATHOM_* the developer may have set, plus the given variables. */
function environment(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FATHOM_')));
  return { ...env, ...vars };
}

/**
 * Starts `node dist/main.js` on `dataDir` without waiting for it: two servers can be launched at
 * the same moment. `vars` adds or overrides FATHOM_* settings (FATHOM_STORE, say).
 */
export function launchFathom(dataDir: string, vars: Record<string, string> = {}, { startTimeoutMs = 30_000 } = {}): LaunchedFathom {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: environment({ FATHOM_HOST: '127.0.0.1', FATHOM_PORT: '0', FATHOM_LOG_LEVEL: 'info', FATHOM_DATA_DIR: dataDir, ...vars }),
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stdout: string[] = [];
  const logs: LogLine[] = [];
  const exited = new Promise<Exit>((done) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      done({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = async (name: NodeJS.Signals): Promise<Exit> => {
    if (running()) child.kill(name);
    return exited;
  };
  const describe = () =>
    `fathom pid ${child.pid} on ${dataDir}\n--- stderr ---\n${stderr || '(empty)'}\n--- last log lines ---\n${stdout.slice(-20).join('\n')}`;
  const process_ = {
    child,
    dataDir,
    logs,
    stdout,
    stderr: () => stderr,
    exited,
    running,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    describe,
  };

  const listening = new Promise<FathomProcess>((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`fathom did not report listening within ${startTimeoutMs} ms\n${describe()}`));
      child.kill('SIGKILL');
    }, startTimeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        return; // Not JSON: server-process.test.ts checks that every line is.
      }
      logs.push(entry);
      const match = /^Fathom is listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(String(entry.msg));
      if (match && match[2] !== '0') {
        clearTimeout(timer);
        done({ ...process_, base: match[1] as string, port: Number(match[2]) });
      }
    });
    void exited.then(({ code, signal: sig }) => {
      clearTimeout(timer);
      fail(new Error(`fathom exited (code ${code}, signal ${sig}) before listening\n${describe()}`));
    });
  });
  // A caller that never awaits `listening` (it stops the process first) must not see an unhandled rejection.
  listening.catch(() => undefined);
  return { ...process_, listening };
}

/**
 * Stderr that means dist/ was read while being rewritten: both process test files compile it in
 * `beforeAll`, and vitest may run them at the same time. Such a start is retried; nothing else is.
 */
const HALF_WRITTEN_BUILD = /SyntaxError|ERR_MODULE_NOT_FOUND|does not provide an export named|Unexpected end of input/;

/** Starts a server on `dataDir` and waits until it listens; rejects with its stderr when it cannot. */
export async function startFathom(dataDir: string, vars: Record<string, string> = {}): Promise<FathomProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const launched = launchFathom(dataDir, vars);
    try {
      return await launched.listening;
    } catch (error) {
      if (attempt >= 3 || !HALF_WRITTEN_BUILD.test(launched.stderr())) throw error;
      console.warn(`fathom failed to load dist/ (being rebuilt concurrently?); retrying:\n${launched.stderr()}`);
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
}

/** Kills every server still running (SIGKILL) and removes every directory made here. */
export async function cleanUp(): Promise<void> {
  const exits = [...children].map(
    (child) =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(exits);
  for (const dir of [...dirs]) {
    dirs.delete(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
