import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer, type Fathom } from '../../src/composition-root.js';
import { describePostgres } from '../support/postgres.js';
import { sqlInjectionSuite } from './sql-injection.js';

/** The SQL injection suite on the PostgreSQL store: its own search SQL, its own quoting rules ($$, E'', \). */
describePostgres('SQL injection payloads on PostgreSQL', (postgres) => {
  const opened: { fathom: Fathom; app: FastifyInstance; dataDir: string }[] = [];
  afterEach(async () => {
    for (const { fathom, app, dataDir } of opened.splice(0)) {
      await app.close();
      await fathom.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
  sqlInjectionSuite(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-pg-injection-'));
    const fathom = await buildContainer({
      dataDir,
      maxUploadBytes: 1024 ** 2,
      store: 'postgres',
      postgres: { url: await postgres.createDatabase(), poolSize: 4, statementTimeoutMs: 5_000 },
    });
    const app = await buildServer({ container: fathom.container });
    opened.push({ fathom, app, dataDir });
    return app;
  });
});
