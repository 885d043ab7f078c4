import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer, type Fathom } from '../../src/composition-root.js';
import { describePostgres } from '../support/postgres.js';
import { answersToUnstorableText, UNSTORABLE_TEXT_ANSWERS } from './unstorable-text.js';

/** NUL in ids, names and filters over the PostgreSQL store: the answers of the default store, never a 500. */
describePostgres('FATHOM_STORE=postgres: text no store holds', (postgres) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of cleanup.reverse()) await close();
  });

  it('answers NUL in an id, a name or a filter as the default store does: 404, nothing found, or 400 saying where', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-pg-text-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const fathom: Fathom = await buildContainer({ dataDir, maxUploadBytes: 1024, store: 'postgres', postgres: { url: await postgres.createDatabase(), poolSize: 2, statementTimeoutMs: 5_000 } });
    cleanup.push(() => fathom.close());
    const app = await buildServer({ container: fathom.container });
    cleanup.push(() => app.close());
    expect(await answersToUnstorableText(app)).toEqual(UNSTORABLE_TEXT_ANSWERS);
  });
});
