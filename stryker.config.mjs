// Mutation testing (`npm run mutate`, not part of `npm test`: it takes long). Stryker changes the engine's code one
// mutant at a time and runs the unit tests that cover it; a mutant that survives is behaviour no test would miss.
// `npm run mutate -- --mutate 'src/engine/tar/**/*.ts'` narrows it to one folder.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: ['src/engine/**/*.ts', '!src/engine/**/index.ts', '!src/engine/**/types.ts'],
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20000,
  tempDirName: '.tmp/stryker',
  // Scratch of earlier test runs (bundles with rootfs symlinks) must not be copied into the sandbox.
  ignorePatterns: ['/.tmp'],
  reporters: ['clear-text', 'json', 'progress'],
  jsonReporter: { fileName: '.tmp/mutation/mutation.json' },
  thresholds: { high: 80, low: 60, break: null },
};
