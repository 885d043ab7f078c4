#!/usr/bin/env node
import 'reflect-metadata';
import type { FastifyBaseLogger } from 'fastify';
import { buildServer } from './adapters/http/server.js';
import { CollectGarbage } from './application/use-cases/maintenance/collect-garbage.js';
import { buildContainer, StartupError, type Fathom } from './composition-root.js';
import { ConfigError, DEFAULT_GC_MIN_AGE_SECONDS, loadCommand, USAGE, type Config } from './config.js';

/** `fathom gc`: removes blobs no record references, older than the minimum age; prints a report. */
async function collectGarbage(config: Config, minAgeSeconds: number): Promise<void> {
  // Never creates a database: a mistyped data directory is an error, not an empty store.
  const fathom = await buildContainer({ ...config, requireExisting: true });
  try {
    const report = await fathom.container.resolve(CollectGarbage).execute({ minAgeMs: minAgeSeconds * 1000 });
    console.log(
      `fathom gc: scanned ${report.scanned} blobs in ${config.dataDir}; removed ${report.removed} unreferenced ` +
        `(${report.removedBytes} bytes); left ${report.recent} modified in the last ${minAgeSeconds} s unchecked`,
    );
  } finally {
    await fathom.close();
  }
}

/** The start-up sweep: the same collection, in the background, sparing anything recent. */
function sweepInBackground(fathom: Fathom, log: FastifyBaseLogger): void {
  fathom.container
    .resolve(CollectGarbage)
    .execute({ minAgeMs: DEFAULT_GC_MIN_AGE_SECONDS * 1000 })
    .then((report) => {
      if (report.removed > 0) log.info({ gc: report }, `removed ${report.removed} orphaned blobs`);
    })
    .catch((error: unknown) => log.warn({ err: error }, 'the start-up sweep for orphaned blobs failed; run `fathom gc` later'));
}

/** Loads config, builds the container and the server, listens; stops gracefully on SIGTERM/SIGINT. */
async function serve(config: Config): Promise<void> {
  const fathom = await buildContainer(config);
  const app = await buildServer({ container: fathom.container, logger: { level: config.logLevel } });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: finishing in-flight requests');
    try {
      await app.close();
      await fathom.close();
      app.log.info('stopped');
      process.exitCode = 0;
    } catch (error) {
      app.log.error({ err: error }, 'failed to stop cleanly');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // The bound address, not the configured one: with FATHOM_PORT=0 the OS picks the port.
  const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: NodeJS.ErrnoException) => {
    await fathom.close();
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
      throw new ConfigError(
        `cannot listen on ${config.host}:${config.port} (${error.code}); choose another with FATHOM_PORT / --port or FATHOM_HOST / --host`,
      );
    }
    throw error;
  });
  app.log.info({ dataDir: config.dataDir, store: config.store, durability: config.durability }, `Fathom is listening on ${address}`);
  // Safe on every store: the memory store keeps its blobs in a fresh directory of its own.
  sweepInBackground(fathom, app.log);
}

async function main(): Promise<void> {
  const command = loadCommand();
  if (command.name === 'help') console.log(USAGE);
  else if (command.name === 'gc') await collectGarbage(command.config, command.minAgeSeconds);
  else await serve(command.config);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    console.error(`fathom: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
