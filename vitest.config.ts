import { defineConfig } from 'vitest/config';

// Two cores: at most two test files at once. Integration files share one OLD and one NEW
// server (started once in global setup) and isolate themselves with databases of their own.
// FDWMIG_TEST_RESULTS (set by .ci/run): also write the results as JSON there, for the plain
// closing line that .ci/run prints from them.
const results = process.env.FDWMIG_TEST_RESULTS;

export default defineConfig({
  test: {
    maxWorkers: 2,
    reporters: results ? ['default', ['json', { outputFile: results }]] : ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
