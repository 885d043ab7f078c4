import { createMemoryStore } from '../../src/adapters/persistence/memory/memory-store.js';
import { repositoryContract } from './repositories.contract.js';

repositoryContract('memory store', async () => createMemoryStore());
