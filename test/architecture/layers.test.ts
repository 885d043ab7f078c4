import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The hexagon's arrows point inward only. This reads every import in src/ and fails on any that
 * breaks a rule, naming the file and the import.
 */
const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

interface Import {
  from: string; // path relative to src/, e.g. 'domain/run.ts'
  target: string; // relative to src/ for local imports, the bare specifier otherwise
  local: boolean;
}

export function importsOf(file: string): Import[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map(({ fileName }) => {
    const local = fileName.startsWith('.');
    const target = local ? relative(SRC, resolve(dirname(file), fileName)).replace(/\.js$/, '.ts') : fileName;
    return { from: relative(SRC, file), target, local };
  });
}

/** The adapter module a file belongs to: 'http/native', 'persistence/memory', 'blob/fs', 'system', ... */
export function adapterModule(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'adapters') return undefined;
  if (parts.length === 3) return parts[1]; // a file directly under adapters/<kind>/ (e.g. http/server.ts)
  return `${parts[1]}/${parts[2]}`;
}

const WEB = 'adapters/http/ui/web';
/** What the browser bundle may contain besides its own code. */
const WEB_PACKAGES = ['preact', 'uplot'];

/** Returns why an import breaks the layering, or undefined when it is allowed. */
export function violation({ from, target, local }: Import): string | undefined {
  const layer = from.split('/')[0];
  // The web UI is a program of its own, run in the browser: it knows the server only through the
  // public API, and the server never imports it (it serves the build).
  const inWeb = (path: string) => path.startsWith(`${WEB}/`);
  if (inWeb(from)) {
    if (local && !inWeb(target)) return 'the web UI imports only itself (the server is reached through its API)';
    if (!local && !WEB_PACKAGES.some((p) => target === p || target.startsWith(`${p}/`))) return `the web UI may not depend on '${target}'`;
    return undefined;
  }
  if (local && inWeb(target)) return 'nothing in the server imports the web UI';
  if (layer === 'domain') {
    if (local && !target.startsWith('domain/')) return 'the domain imports only the domain';
    if (!local) return 'the domain imports no packages and no Node built-ins';
  }
  if (layer === 'application') {
    if (local && !(target.startsWith('domain/') || target.startsWith('application/'))) {
      return 'the application imports only the domain and itself';
    }
    if (!local && !['tsyringe', 'node:stream'].includes(target)) return `the application may not depend on '${target}'`;
  }
  if (layer === 'adapters' && local && target.startsWith('adapters/')) {
    const mine = adapterModule(from) as string;
    const theirs = adapterModule(target) as string;
    const kind = mine.split('/')[0];
    const sameModule = mine === theirs;
    const sharedOfKind = theirs === `${kind}/shared`;
    const composesKind = mine === kind && theirs.startsWith(`${kind}/`); // e.g. http/server.ts wires http/native
    if (!sameModule && !sharedOfKind && !composesKind) return `adapters never import each other sideways (${mine} → ${theirs})`;
  }
  if (layer === 'adapters' && local && (target === 'composition-root.ts' || target === 'main.ts' || target === 'config.ts')) {
    return 'adapters do not know how they are wired';
  }
  if (from !== 'composition-root.ts' && layer !== 'adapters' && local && target.startsWith('adapters/')) {
    if (!(from === 'main.ts' && target === 'adapters/http/server.ts')) return 'only the composition root picks concrete adapters';
  }
  return undefined;
}

describe('layer arrows', () => {
  const files = sourceFiles(SRC);

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('every import in src/ points inward', () => {
    const broken = files
      .flatMap(importsOf)
      .map((i) => ({ ...i, why: violation(i) }))
      .filter((i) => i.why !== undefined)
      .map((i) => `${i.from} imports ${i.target}: ${i.why}`);
    expect(broken).toEqual([]);
  });

  it.each([
    [{ from: 'domain/run.ts', target: 'application/tokens.ts', local: true }],
    [{ from: 'domain/run.ts', target: 'node:fs', local: false }],
    [{ from: 'application/use-cases/runs/get-run.ts', target: 'adapters/persistence/memory/memory-run-repository.ts', local: true }],
    [{ from: 'application/ports/clock.ts', target: 'fastify', local: false }],
    [{ from: 'adapters/http/native/run-routes.ts', target: 'adapters/persistence/memory/memory-store.ts', local: true }],
    [{ from: 'adapters/persistence/memory/memory-store.ts', target: 'adapters/blob/fs/fs-blob-store.ts', local: true }],
    [{ from: 'adapters/http/native/run-routes.ts', target: 'composition-root.ts', local: true }],
    [{ from: 'main.ts', target: 'adapters/persistence/memory/memory-store.ts', local: true }],
    [{ from: 'adapters/http/ui/web/api.ts', target: 'domain/run.ts', local: true }],
    [{ from: 'adapters/http/ui/web/api.ts', target: 'fastify', local: false }],
    [{ from: 'adapters/http/ui/ui-routes.ts', target: 'adapters/http/ui/web/api.ts', local: true }],
  ])('rejects %o', (imp) => {
    expect(violation(imp)).toBeDefined();
  });

  it.each([
    [{ from: 'application/use-cases/runs/get-run.ts', target: 'domain/run.ts', local: true }],
    [{ from: 'adapters/http/native/run-routes.ts', target: 'adapters/http/shared/problem.ts', local: true }],
    [{ from: 'adapters/http/server.ts', target: 'adapters/http/native/native-api.ts', local: true }],
    [{ from: 'composition-root.ts', target: 'adapters/persistence/memory/memory-store.ts', local: true }],
    [{ from: 'adapters/http/ui/web/pages/run-page.tsx', target: 'adapters/http/ui/web/components/chart.tsx', local: true }],
    [{ from: 'adapters/http/ui/web/components/chart.tsx', target: 'uplot/dist/uPlot.min.css', local: false }],
  ])('allows %o', (imp) => {
    expect(violation(imp)).toBeUndefined();
  });
});
