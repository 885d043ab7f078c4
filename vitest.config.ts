import { configDefaults, defineConfig } from 'vitest/config';

const USE_CASE_TESTS = 'test/unit/application/**/*.test.ts';
/** Suites that need PostgreSQL: one throwaway cluster (test/support/postgres.ts) serves them all. */
const POSTGRES_TESTS = ['test/**/postgres-*.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The use-case tests run once per store, so both stores prove the same behaviour; everything
    // else runs on SQLite, the default store. The PostgreSQL suites get a project of their own,
    // whose global set-up starts one cluster (only when one of its files runs).
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...POSTGRES_TESTS], env: { FATHOM_TEST_STORE: 'sqlite' } },
      },
      { extends: true, test: { name: 'memory', include: [USE_CASE_TESTS], env: { FATHOM_TEST_STORE: 'memory' } } },
      { extends: true, test: { name: 'postgres', include: POSTGRES_TESTS, globalSetup: ['test/support/postgres.ts'] } },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/main.ts'],
      reporter: ['text', 'json-summary'],
      thresholds: { lines: 80, branches: 80, functions: 80, statements: 80 },
    },
  },
});
