import { defineConfig } from 'vitest/config';

// The unit suite without the fuzz corpus, for mutation testing: Stryker runs the tests that cover each mutant many
// times over, and the fuzz suite's thousands of generated archives would dominate the run.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
