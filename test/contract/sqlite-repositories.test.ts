import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/adapters/persistence/sqlite/sqlite-store.js';
import { repositoryContract } from './repositories.contract.js';

repositoryContract('SQLite store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fathom-sqlite-contract-'));
  const store = createSqliteStore(join(dir, 'fathom.db'));
  return {
    ...store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
