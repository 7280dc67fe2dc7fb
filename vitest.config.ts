import { defineConfig } from 'vitest/config';

// Unit + fuzz tests run in Node against the same engine the browser uses.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
