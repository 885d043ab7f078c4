import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { TOKENS } from '../../src/application/tokens.js';
import type { HttpLimits } from '../../src/adapters/http/limits/http-limits.js';
import { buildServer } from '../../src/adapters/http/server.js';
import { buildContainer } from '../../src/composition-root.js';
import { FixedClock } from './fixed-clock.js';

export interface TestFathom {
  container: DependencyContainer;
  clock: FixedClock;
  dataDir: string;
  /** Where this instance keeps artifact bytes (see Fathom.blobRoot). */
  blobRoot: string;
  /** Resolves a use case (or any registered service) from this instance's container. */
  use<T>(token: InjectionToken<T>): T;
  close(): Promise<void>;
}

/**
 * The store the tests run on: SQLite (the default) unless the test project says otherwise.
 * vitest.config.ts runs the use-case tests once per store, so both prove the same behaviour.
 */
export const TEST_STORE: 'sqlite' | 'memory' = process.env.FATHOM_TEST_STORE === 'memory' ? 'memory' : 'sqlite';

/**
 * A whole Fathom with a throwaway data dir and a controllable clock, on TEST_STORE unless told.
 * Each call is independent: its own container, its own data.
 */
export async function aFathom(options: { maxUploadBytes?: number; store?: 'sqlite' | 'memory'; auth?: 'none' | 'token' } = {}): Promise<TestFathom> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fathom-test-'));
  const fathom = await buildContainer({
    dataDir,
    maxUploadBytes: options.maxUploadBytes ?? 5 * 1024 ** 3,
    store: options.store ?? TEST_STORE,
    ...(options.auth ? { auth: options.auth } : {}),
  });
  const clock = new FixedClock();
  fathom.container.register(TOKENS.Clock, { useValue: clock });
  return {
    container: fathom.container,
    clock,
    dataDir,
    blobRoot: fathom.blobRoot,
    use: (token) => fathom.container.resolve(token),
    close: async () => {
      await fathom.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestServer extends TestFathom {
  app: FastifyInstance;
}

/**
 * A Fathom with its Fastify app built (not listening): drive it with `app.inject()`. With
 * `auth: 'token'` every API request needs a token: make users with `aUser` (test/support/access.ts).
 */
export async function aServer(options: { maxUploadBytes?: number; limits?: Partial<HttpLimits>; auth?: 'none' | 'token' } = {}): Promise<TestServer> {
  const fathom = await aFathom(options);
  const app = await buildServer({ container: fathom.container, ...(options.limits ? { limits: options.limits } : {}) });
  await app.ready();
  return {
    ...fathom,
    app,
    close: async () => {
      await app.close();
      await fathom.close();
    },
  };
}
