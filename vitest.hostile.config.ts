import { defineConfig } from 'vitest/config';

// The hostile-input corpus: crafted inputs, small on disk, generated into a temp dir and run through the CLI
// as child processes under a time and memory limit (test/hostile/README in the file headers).
export default defineConfig({
  test: {
    include: ['test/hostile/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One CLI at a time: the limits are per process and the machine is shared.
    fileParallelism: false,
  },
});
