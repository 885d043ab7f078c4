import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/adapters/persistence/sqlite/sqlite-store.js';
import { runSearchDifferential } from './run-search.differential.js';

runSearchDifferential({
  name: 'SQLite',
  open: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fathom-search-differential-'));
    const store = createSqliteStore(join(dir, 'fathom.db'));
    return {
      ...store,
      close: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
