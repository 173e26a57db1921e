import { defineConfig } from 'vitest/config';

// Real-browser tests (tests/e2e) against the production builds in .output: run `npm run build`
// first. One browser and one sandbox per file, files one after the other (two cores in CI).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
