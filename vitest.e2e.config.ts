import { defineConfig } from 'vitest/config';

// Real-browser tests (tests/e2e) against the production builds in .output: run `npm run build`
// first. One browser and one sandbox per file, files one after the other (two cores in CI).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    // A hook starts a browser and a sandbox (PGlite's initdb, the CAs, enrolments): on a machine whose
    // cores are held by other work that takes minutes; this is a hang guard, not a measure.
    hookTimeout: 300_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
