// Production build of the bench harness page (test/bench/page) into .tmp/bench/dist: same vite, same worker
// bundling (`new URL('../../workers/engine.worker.ts', import.meta.url)`, ES worker) as the app's build.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./page', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../../.tmp/bench/dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // BENCH_NO_MINIFY=1: readable function names in test/bench/profile.ts's profiles (tuning only).
    minify: !process.env.BENCH_NO_MINIFY,
  },
});
