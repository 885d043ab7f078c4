import type { FastifyInstance } from 'fastify';
import { afterEach, describe } from 'vitest';
import { aServer, type TestServer } from '../support/fathom.js';
import { sqlInjectionSuite } from './sql-injection.js';

/** The SQL injection suite on the SQLite store (and the memory store, in that project). */
describe('SQL injection payloads in searches, sorts, filters and page tokens', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  sqlInjectionSuite(async (): Promise<FastifyInstance> => {
    const server = await aServer();
    servers.push(server);
    return server.app;
  });
});
