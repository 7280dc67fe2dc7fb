import { defineConfig } from 'vitest/config';

// Interop tests: real engines (dockerd, containerd, podman, skopeo, umoci) started once by the global setup.
// One worker, one file at a time: the daemons and the fixtures are shared and the machine has 2 cores.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
    teardownTimeout: 120_000,
  },
});
