import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { buildContainer, StartupError } from '../../src/composition-root.js';
import { closeAll, closedPort, proxyTo } from '../support/network.js';
import { describePostgres } from '../support/postgres.js';
import { postgresServers } from '../support/postgres-servers.js';

/** FATHOM_STORE=postgres end to end: the composition root opens the PostgreSQL store, the API serves from it. */
describePostgres('FATHOM_STORE=postgres', (postgres) => {
  const servers = postgresServers();
  const serve = servers.serve;

  afterEach(async () => {
    await servers.closeAll();
    await closeAll();
  });

  /** The database URL through a loopback proxy the test can cut. */
  async function behindProxy(): Promise<{ url: string; proxy: Awaited<ReturnType<typeof proxyTo>> }> {
    const url = await postgres.createDatabase();
    const proxy = await proxyTo(postgres.server());
    return { url: url.replace(`:${postgres.server().port}/`, `:${proxy.port}/`), proxy };
  }

  it('keeps what the API acknowledged in PostgreSQL: a second server on the same database reads it', async () => {
    const url = await postgres.createDatabase();
    const first = await serve(url);
    const created = await first.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'shared' } });
    expect(created.statusCode).toBe(201);
    const second = await serve(url);
    const read = await second.inject({ method: 'GET', url: `/api/experiments/${created.json().id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ name: 'shared' });
    expect((await second.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('answers 503 and says not ready while the database is unreachable, then recovers by itself', async () => {
    const { url, proxy } = await behindProxy();
    const app = await serve(url);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    proxy.cut();
    const started = Date.now();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(ready.json().detail).toMatch(/database/);
    const create = await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'during the outage' } });
    expect(create.statusCode).toBe(503);
    const list = await app.inject({ method: 'GET', url: '/api/experiments' });
    expect(list.statusCode).toBe(503);
    // Refused connections fail at once: nothing waits for a timeout.
    expect(Date.now() - started).toBeLessThan(3_000);

    proxy.thaw();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/experiments', payload: { name: 'after the outage' } })).statusCode).toBe(201);
    const names = (await app.inject({ method: 'GET', url: '/api/experiments' })).json().experiments.map((e: { name: string }) => e.name);
    expect(names).toContain('after the outage');
    expect(names).not.toContain('during the outage');
  });

  it('refuses to start when the database cannot be reached, naming where it looked and never the password', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-pg-wiring-'));
    try {
      const url = `postgres://fathom:hunter2@127.0.0.1:${await closedPort()}/fathom`;
      const failure = await buildContainer({ dataDir, maxUploadBytes: 1024, store: 'postgres', postgres: { url, poolSize: 2, statementTimeoutMs: 1_000 } }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as Error).message).toMatch(/127\.0\.0\.1:\d+\/fathom/);
      expect((failure as Error).message).not.toContain('hunter2');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('lets maintenance commands refuse a database Fathom never migrated', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-pg-wiring-'));
    try {
      const url = await postgres.createDatabase();
      const failure = await buildContainer({ dataDir, maxUploadBytes: 1024, store: 'postgres', postgres: { url, poolSize: 2, statementTimeoutMs: 1_000 }, requireExisting: true }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as Error).message).toMatch(/no Fathom schema/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says why without a stack trace when the role may not create the schema', async () => {
    const url = await postgres.createDatabase();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // PostgreSQL 15 lets only the database owner create tables in public.
      await admin.query('DROP ROLE IF EXISTS fathom_reader; CREATE ROLE fathom_reader LOGIN');
    } finally {
      await admin.end();
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'fathom-pg-wiring-'));
    try {
      const asReader = url.replace('postgres://postgres@', 'postgres://fathom_reader@');
      const failure = await buildContainer({ dataDir, maxUploadBytes: 1024, store: 'postgres', postgres: { url: asReader, poolSize: 2, statementTimeoutMs: 5_000 } }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as Error).message).toMatch(/permission denied for schema public.*its role owns the database/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('creates no data directory when records are in PostgreSQL and bytes in S3', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'fathom-pg-wiring-'));
    const dataDir = join(parent, 'never-made');
    try {
      const fathom = await buildContainer({
        dataDir,
        maxUploadBytes: 1024,
        store: 'postgres',
        postgres: { url: await postgres.createDatabase(), poolSize: 2, statementTimeoutMs: 5_000 },
        // An endpoint nothing listens on: the start-up check of the bucket fails first, but only
        // after the data directory would have been made.
        blob: { kind: 's3', bucket: 'fathom', prefix: '', region: 'us-east-1', endpoint: `http://127.0.0.1:${await closedPort()}` },
      }).catch((error: unknown) => error);
      expect(fathom).toBeInstanceOf(StartupError);
      expect((fathom as Error).message).toMatch(/artifact store/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('needs the database settings when the store is postgres', async () => {
    const failure = await buildContainer({ dataDir: tmpdir(), maxUploadBytes: 1024, store: 'postgres' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toMatch(/FATHOM_DATABASE_URL/);
  });
});
