import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { BlobJanitor } from './application/blob-janitor.js';
import { TOKENS, type Limits } from './application/tokens.js';
import { FsBlobStore } from './adapters/blob/fs/fs-blob-store.js';
import { createS3BlobStore, STALE_STAGING_MS } from './adapters/blob/s3/s3-blob-store.js';
import type { BlobStore } from './application/ports/blob-store.js';
import type { Readiness } from './application/ports/readiness.js';
import { InvalidArgumentError, UnavailableError } from './domain/errors.js';
import { createMemoryStore } from './adapters/persistence/memory/memory-store.js';
import { PostgresOpenError } from './adapters/persistence/postgres/postgres-database.js';
import { createPostgresStore } from './adapters/persistence/postgres/postgres-store.js';
import { SqliteOpenError } from './adapters/persistence/sqlite/sqlite-database.js';
import { createSqliteStore } from './adapters/persistence/sqlite/sqlite-store.js';
import { SystemClock } from './adapters/system/system-clock.js';
import { cryptoTokenSecrets } from './adapters/system/crypto-token-secrets.js';
import { sha256Digest } from './adapters/system/sha256-digest.js';
import { TimeOrderedIds } from './adapters/system/time-ordered-ids.js';
import type { Config } from './config.js';

/** A bucket that answered is taken as ready this long: load balancers ask /readyz every few seconds. */
const S3_READY_FOR_MS = 10_000;

/** Ready when every check passes, in order (the first failure is the answer). */
function allReady(...checks: Readiness[]): Readiness {
  return {
    check: async () => {
      for (const readiness of checks) await readiness.check();
    },
  };
}

/** `check`, asked again only once a success is older than `ms` (a failure is never remembered). */
function okFor(ms: number, check: () => Promise<void>): Readiness {
  let okUntil = 0;
  return {
    check: async () => {
      if (Date.now() < okUntil) return;
      await check();
      okUntil = Date.now() + ms;
    },
  };
}

/** The stores cannot be opened as configured (a database from a newer Fathom, say): say why and stop. */
export class StartupError extends Error {}

function openSqlite(config: StoreConfig): ReturnType<typeof createSqliteStore> {
  const file = join(config.dataDir, 'fathom.db');
  if (config.requireExisting && !existsSync(file)) {
    throw new StartupError(`there is no Fathom database at ${file}; is FATHOM_DATA_DIR (--data-dir) right?`);
  }
  try {
    return createSqliteStore(file, { durability: config.durability ?? 'normal' });
  } catch (error) {
    if (error instanceof SqliteOpenError) throw new StartupError(error.message);
    throw error;
  }
}

async function openPostgres(config: StoreConfig): ReturnType<typeof createPostgresStore> {
  if (!config.postgres) throw new StartupError('FATHOM_STORE=postgres needs FATHOM_DATABASE_URL (--database-url)');
  const { url, poolSize, statementTimeoutMs } = config.postgres;
  try {
    return await createPostgresStore({ connectionString: url, poolSize, statementTimeoutMs, requireSchema: config.requireExisting ?? false });
  } catch (error) {
    // Unreachable at start: stop with the reason (a process manager restarts the server); once
    // serving, an unreachable database gives 503s and a failing /readyz instead.
    if (error instanceof PostgresOpenError || error instanceof UnavailableError) throw new StartupError(error.message);
    // What the driver throws before any statement (TLS refused, a password the server asks for
    // and the URL lacks) or a statement the role may not run (creating the schema): the reason,
    // without a stack trace, and never the URL, which may hold the password.
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`cannot open the PostgreSQL store: ${reason}; check FATHOM_DATABASE_URL (--database-url) and that its role owns the database`, { cause: error });
  }
}

/**
 * What the container needs to know; durability defaults to normal. `requireExisting` refuses to
 * create a database (for maintenance commands pointed at a data directory).
 */
export type StoreConfig = Pick<Config, 'dataDir' | 'maxUploadBytes' | 'store'> &
  Partial<Pick<Config, 'durability' | 'blob' | 'postgres' | 'auth'>> & { requireExisting?: boolean };

export interface Fathom {
  container: DependencyContainer;
  /**
   * Where this instance keeps artifact bytes: `<data dir>/blobs`, or for the memory store a
   * directory of its own inside the data dir, removed at close (its records vanish then, so its
   * bytes must not mix with those of a persistent store on the same data dir); with the S3 blob
   * store, `s3://<bucket>/<prefix>`.
   */
  blobRoot: string;
  /** Closes the stores; call after the HTTP server stopped taking requests. */
  close(): Promise<void>;
}

/**
 * The only place that knows the concrete adapters: it picks them from the config and registers
 * them on a child container, so tests can build as many independent instances as they like.
 */
export async function buildContainer(config: StoreConfig): Promise<Fathom> {
  const container = rootContainer.createChildContainer();
  // The data directory holds the SQLite database, the memory store's throwaway blobs and fs
  // blobs; a server on PostgreSQL and S3 keeps nothing on its disk and needs none. A maintenance
  // command (requireExisting) never creates one: a mistyped directory is reported, not made.
  const usesDataDir = config.store !== 'postgres' || config.blob?.kind !== 's3';
  if (usesDataDir && !config.requireExisting) {
    await mkdir(config.dataDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new StartupError(`cannot create the data directory ${config.dataDir} (${error.code ?? error.message}); choose another with FATHOM_DATA_DIR (--data-dir)`);
    });
  }
  const memoryDir = config.store === 'memory' ? await mkdtemp(join(config.dataDir, 'memory-store-')) : undefined;
  const store = memoryDir ? createMemoryStore() : config.store === 'postgres' ? await openPostgres(config) : openSqlite(config);
  const blobRoot = join(memoryDir ?? config.dataDir, 'blobs');
  const close = async (): Promise<void> => {
    await store.close();
    if (memoryDir) await rm(memoryDir, { recursive: true, force: true });
  };
  let blobs: BlobStore;
  let closeBlobs = (): void => undefined;
  let readiness: Readiness = store.readiness;
  if (config.blob?.kind === 's3') {
    const { bucket, prefix, region, endpoint } = config.blob;
    const s3 = (() => {
      try {
        return createS3BlobStore({ bucket, prefix, region, ...(endpoint !== undefined ? { endpoint } : {}) });
      } catch (error) {
        void close();
        if (error instanceof InvalidArgumentError) throw new StartupError(`the S3 blob store cannot be used as configured: ${error.message}`);
        throw error;
      }
    })();
    // A bucket that is missing or refuses these credentials stops the start, as an unreachable
    // database does, rather than a server that looks ready and answers every upload with 503.
    try {
      await s3.check();
    } catch (error) {
      s3.close();
      await close();
      throw new StartupError(error instanceof Error ? error.message : String(error));
    }
    // What a crash left in staging goes in the background: S3 listings can take a while.
    void s3.removeStaleStaging(Date.now() - STALE_STAGING_MS).catch(() => undefined);
    blobs = s3;
    closeBlobs = () => s3.close();
    readiness = allReady(store.readiness, okFor(S3_READY_FOR_MS, () => s3.check()));
  } else {
    blobs = await FsBlobStore.open(blobRoot).catch(async (error: unknown) => {
      await close();
      throw error;
    });
  }
  const limits: Limits = { maxUploadBytes: config.maxUploadBytes };
  container.register(TOKENS.Experiments, { useValue: store.experiments });
  container.register(TOKENS.Runs, { useValue: store.runs });
  container.register(TOKENS.Parameters, { useValue: store.parameters });
  container.register(TOKENS.Metrics, { useValue: store.metrics });
  container.register(TOKENS.Artifacts, { useValue: store.artifacts });
  container.register(TOKENS.RunInputs, { useValue: store.runInputs });
  container.register(TOKENS.RunSearch, { useValue: store.runSearch });
  container.register(TOKENS.Readiness, { useValue: readiness });
  container.register(TOKENS.Blobs, { useValue: blobs });
  // Holds on blobs must bind every server sharing the store: PostgreSQL shares them; the memory
  // and SQLite stores coordinate within this process (see InProcessBlobHolds).
  container.register(TOKENS.BlobHolds, { useValue: store.blobHolds });
  container.register(TOKENS.Clock, { useValue: new SystemClock() });
  container.register(TOKENS.Ids, { useValue: new TimeOrderedIds() });
  container.register(TOKENS.ContentDigest, { useValue: sha256Digest });
  container.register(TOKENS.Limits, { useValue: limits });
  container.register(TOKENS.Access, { useValue: store.access });
  container.register(TOKENS.TokenSecrets, { useValue: cryptoTokenSecrets });
  container.register(TOKENS.AuthMode, { useValue: config.auth ?? 'none' });
  // One janitor per container: it tracks the blobs uploads in progress have pinned.
  container.registerSingleton(BlobJanitor);
  const location = config.blob?.kind === 's3' ? `s3://${config.blob.bucket}/${config.blob.prefix}` : blobRoot;
  return {
    container,
    blobRoot: location,
    close: async () => {
      closeBlobs();
      await close();
    },
  };
}
