import { defineConfig } from 'vitest/config';

// The JSON report is what .ci/run reads to print its one-line summary; the default reporter is for people.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Lab tests create namespaces and TAP devices; running files in parallel on 2 cores is fine because every
    // lab uses unique names, but keep the worker count modest so timing-sensitive network tests stay stable.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
