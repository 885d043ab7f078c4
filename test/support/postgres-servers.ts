import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer, type Fathom } from '../../src/composition-root.js';

/**
 * Fathom apps on a PostgreSQL database, built the way the composition root builds them for
 * FATHOM_STORE=postgres (not listening: drive them with `inject`). Call `closeAll` after each test:
 * it closes every app and its store and removes their data directories.
 */
export function postgresServers(): { serve(url: string): Promise<FastifyInstance>; closeAll(): Promise<void> } {
  const opened: { fathom: Fathom; app: FastifyInstance; dataDir: string }[] = [];
  return {
    serve: async (url) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'fathom-pg-server-'));
      const fathom = await buildContainer({ dataDir, maxUploadBytes: 1024 ** 2, store: 'postgres', postgres: { url, poolSize: 4, statementTimeoutMs: 5_000 } });
      const app = await buildServer({ container: fathom.container });
      opened.push({ fathom, app, dataDir });
      return app;
    },
    closeAll: async () => {
      for (const { fathom, app, dataDir } of opened.splice(0)) {
        await app.close();
        await fathom.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
