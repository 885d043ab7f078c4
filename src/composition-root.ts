import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { BlobJanitor } from './application/blob-janitor.js';
import { TOKENS, type Limits } from './application/tokens.js';
import { FsBlobStore } from './adapters/blob/fs/fs-blob-store.js';
import { createMemoryStore } from './adapters/persistence/memory/memory-store.js';
import { SqliteOpenError } from './adapters/persistence/sqlite/sqlite-database.js';
import { createSqliteStore } from './adapters/persistence/sqlite/sqlite-store.js';
import { SystemClock } from './adapters/system/system-clock.js';
import { TimeOrderedIds } from './adapters/system/time-ordered-ids.js';
import type { Config } from './config.js';

/** The stores cannot be opened as configured (a database from a newer Fathom, say): say why and stop. */
export class StartupError extends Error {}

function openSqlite(config: StoreConfig): ReturnType<typeof createSqliteStore> {
  try {
    return createSqliteStore(join(config.dataDir, 'fathom.db'), { durability: config.durability ?? 'normal' });
  } catch (error) {
    if (error instanceof SqliteOpenError) throw new StartupError(error.message);
    throw error;
  }
}

/** What the container needs to know; durability defaults to normal. */
export type StoreConfig = Pick<Config, 'dataDir' | 'maxUploadBytes' | 'store'> & Partial<Pick<Config, 'durability'>>;

export interface Fathom {
  container: DependencyContainer;
  /** Closes the stores; call after the HTTP server stopped taking requests. */
  close(): Promise<void>;
}

/**
 * The only place that knows the concrete adapters: it picks them from the config and registers
 * them on a child container, so tests can build as many independent instances as they like.
 */
export async function buildContainer(config: StoreConfig): Promise<Fathom> {
  const container = rootContainer.createChildContainer();
  await mkdir(config.dataDir, { recursive: true });
  const store = config.store === 'memory' ? createMemoryStore() : openSqlite(config);
  const blobs = await FsBlobStore.open(join(config.dataDir, 'blobs')).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const limits: Limits = { maxUploadBytes: config.maxUploadBytes };
  container.register(TOKENS.Experiments, { useValue: store.experiments });
  container.register(TOKENS.Runs, { useValue: store.runs });
  container.register(TOKENS.Parameters, { useValue: store.parameters });
  container.register(TOKENS.Metrics, { useValue: store.metrics });
  container.register(TOKENS.Artifacts, { useValue: store.artifacts });
  container.register(TOKENS.Readiness, { useValue: store.readiness });
  container.register(TOKENS.Blobs, { useValue: blobs });
  container.register(TOKENS.Clock, { useValue: new SystemClock() });
  container.register(TOKENS.Ids, { useValue: new TimeOrderedIds() });
  container.register(TOKENS.Limits, { useValue: limits });
  // One janitor per container: it tracks the blobs uploads in progress have pinned.
  container.registerSingleton(BlobJanitor);
  return { container, close: () => store.close() };
}
