import { performance } from 'node:perf_hooks';
import { startFathom } from '../server.js';

/**
 * W7, start-up: from spawning `node dist/main.js` to the first 200 from `/readyz`, on an empty
 * data directory (and, for PostgreSQL, an empty database) and on one holding a database (the W3
 * server's, after it stopped). Each is the best of a few starts: the process start is what is
 * measured, not the machine's other work.
 */
export interface StartupResult {
  label: string;
  /** Milliseconds to a ready server, per start. */
  ms: number[];
  best: number;
}

export interface StartupOptions {
  store?: string | undefined;
  durability?: string | undefined;
  dataDir?: string;
  /** Further FATHOM_* settings for each start, made before its clock starts (a fresh database, say). */
  env?: () => Promise<Record<string, string>>;
  starts: number;
}

export async function timeStartup(label: string, options: StartupOptions): Promise<StartupResult> {
  const ms: number[] = [];
  for (let i = 0; i < options.starts; i++) {
    const env = (await options.env?.()) ?? {};
    const started = performance.now();
    const server = await startFathom({
      ...(options.store !== undefined && { store: options.store }),
      ...(options.durability !== undefined && { durability: options.durability }),
      ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
      env,
    });
    try {
      for (;;) {
        const response = await fetch(`${server.base}/readyz`).catch(() => undefined);
        await response?.arrayBuffer();
        if (response?.status === 200) break;
        await new Promise((done) => setTimeout(done, 5));
      }
      ms.push(performance.now() - started);
    } finally {
      await server.stop();
      await server.cleanUp();
    }
  }
  return { label, ms, best: Math.min(...ms) };
}
