import { defineConfig } from 'vitest/config';

// Conformance suite (test/conformance): every verb over the corpus, compared with the real tools. It shares the
// interop suite's global setup (private containerd + dockerd on unix sockets; CI=true makes a missing engine a
// failure) and runs one file at a time on one worker.
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 900_000,
    teardownTimeout: 120_000,
  },
});
