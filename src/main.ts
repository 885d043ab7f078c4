#!/usr/bin/env node
import 'reflect-metadata';
import { buildServer } from './adapters/http/server.js';
import { buildContainer } from './composition-root.js';
import { ConfigError, loadConfig } from './config.js';

/** Loads config, builds the container and the server, listens; stops gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
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
  const address = await app.listen({ host: config.host, port: config.port }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
      throw new ConfigError(
        `cannot listen on ${config.host}:${config.port} (${error.code}); choose another with FATHOM_PORT / --port or FATHOM_HOST / --host`,
      );
    }
    throw error;
  });
  app.log.info({ dataDir: config.dataDir, store: config.store }, `Fathom is listening on ${address}`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`fathom: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
