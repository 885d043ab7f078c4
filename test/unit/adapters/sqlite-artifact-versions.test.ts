import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/adapters/persistence/sqlite/migrations.js';
import { SqliteDatabase } from '../../../src/adapters/persistence/sqlite/sqlite-database.js';
import { createSqliteStore } from '../../../src/adapters/persistence/sqlite/sqlite-store.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fathom-sqlite-'));
  file = join(dir, 'fathom.db');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('migration 5 (artifact version numbers outlive their records)', () => {
  it('starts every name of a database written before it from the highest whole-number version it holds', async () => {
    const v4 = SqliteDatabase.open(file, { migrations: MIGRATIONS.filter((m) => m.version <= 4), backgroundCheckpoints: false });
    const c = v4.connection;
    c.prepare("INSERT INTO experiments (id, name, created_by, created_at, updated_at, lifecycle_stage) VALUES ('e1', 'n', 'ada', 1, 1, 'active')").run();
    c.prepare("INSERT INTO runs (id, experiment_id, status, created_by, started_at, lifecycle_stage) VALUES ('r1', 'e1', 'running', 'ada', 1, 'active')").run();
    const insert = c.prepare(
      `INSERT INTO artifacts (id, run_id, experiment_id, name, type, blob_key, size, sha256, version, tags, content_type, metadata, uploaded_at)
       VALUES (?, 'r1', 'e1', ?, 'model', 'sha256/00/00', 0, '00', ?, '[]', 'application/octet-stream', '{}', 1)`,
    );
    // "10" beats "9" as a number, not as text; names and experiments count apart; non-numbers,
    // leading zeros and numbers too long to count on are not counted.
    const versions: [string, string][] = [
      ['model', '9'], ['model', '10'], ['model', 'v99'], ['model', '0100'],
      ['named', 'prod'], ['huge', '9'.repeat(64)], ['huge', '7'], ['long', '1'.repeat(63)],
    ];
    versions.forEach(([name, version], i) => insert.run(`a${i}`, name, version));
    await v4.close();

    const store = createSqliteStore(file, { backgroundCheckpoints: false });
    try {
      const highs = store.database.connection.prepare('SELECT name, highest FROM artifact_versions ORDER BY name').all();
      expect(highs).toEqual([
        { name: 'huge', highest: '7' },
        { name: 'long', highest: '1'.repeat(63) },
        { name: 'model', highest: '10' },
      ]);
      await store.artifacts.deleteByName('r1', 'model');
      const next = await store.artifacts.create({
        id: 'new', runId: 'r1', experimentId: 'e1', name: 'model', type: 'model', path: 'sha256/00/00', size: 0, sha256: '00',
        tags: [], contentType: 'application/octet-stream', metadata: {}, uploadedAt: 2,
      });
      expect(next.version).toBe('11');
    } finally {
      await store.close();
    }
  });
});
