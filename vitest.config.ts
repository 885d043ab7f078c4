import { defineConfig } from 'vitest/config';

const USE_CASE_TESTS = 'test/unit/application/**/*.test.ts';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The use-case tests run once per store, so both stores prove the same behaviour; everything
    // else runs on SQLite, the default store.
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], env: { FATHOM_TEST_STORE: 'sqlite' } } },
      { extends: true, test: { name: 'memory', include: [USE_CASE_TESTS], env: { FATHOM_TEST_STORE: 'memory' } } },
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
