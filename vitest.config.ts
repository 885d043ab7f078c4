import { configDefaults, defineConfig } from 'vitest/config';

const USE_CASE_TESTS = 'test/unit/application/**/*.test.ts';
/** Suites that need PostgreSQL: one throwaway cluster (test/support/postgres.ts) serves them all. */
const POSTGRES_TESTS = ['test/**/postgres-*.test.ts'];
/** The web UI in headless Chromium: its global set-up builds the UI once (test/support/ui.ts). */
const E2E_TESTS = ['test/e2e/**/*.test.ts'];

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
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...POSTGRES_TESTS, ...E2E_TESTS], env: { FATHOM_TEST_STORE: 'sqlite' } },
      },
      { extends: true, test: { name: 'memory', include: [USE_CASE_TESTS], env: { FATHOM_TEST_STORE: 'memory' } } },
      { extends: true, test: { name: 'postgres', include: POSTGRES_TESTS, globalSetup: ['test/support/postgres.ts'] } },
      { extends: true, test: { name: 'e2e', include: E2E_TESTS, globalSetup: ['test/support/ui-build.ts'], testTimeout: 60_000 } },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // The browser code is covered by the e2e tests in Chromium, which V8 coverage in Node cannot see.
      exclude: ['src/main.ts', 'src/adapters/http/ui/web/**'],
      reporter: ['text', 'json-summary'],
      thresholds: { lines: 80, branches: 80, functions: 80, statements: 80 },
    },
  },
});
