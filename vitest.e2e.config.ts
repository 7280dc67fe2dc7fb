import { defineConfig } from 'vitest/config';

// End-to-end tests: the production build in headless Chromium (Debian's /usr/bin/chromium via playwright-core).
// One fork, files one after another: there is one browser and one preview server per file, on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
