#!/usr/bin/env node
// `npm test`: every suite in order — typecheck, unit + fuzz (Node), end-to-end (headless Chromium),
// interop (real engines), conformance (the corpus against the reference tools). Each vitest run writes a JSON report; the last line sums them as
// "N passed, N failed" so CI can read the outcome whatever the runner prints.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const suites = [
  { name: 'typecheck', cmd: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'] },
  // The engine alone, without DOM or Node types: it may use only what browsers and Node both have.
  { name: 'typecheck', cmd: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.engine.json'] },
  // No import cycles between modules.
  { name: 'typecheck', cmd: ['npx', 'madge', '--circular', '--extensions', 'ts', 'src', 'workers'] },
  { name: 'svelte-check', cmd: ['npx', 'svelte-check', '--tsconfig', './tsconfig.json', '--threshold', 'error'] },
  { name: 'unit', vitest: 'vitest.config.ts' },
  { name: 'hostile', vitest: 'vitest.hostile.config.ts' },
  { name: 'e2e', vitest: 'vitest.e2e.config.ts' },
  { name: 'interop', vitest: 'vitest.interop.config.ts' },
  { name: 'conformance', vitest: 'vitest.conformance.config.ts' },
].filter((s) => only.length === 0 || only.includes(s.name));

mkdirSync('.tmp/test-results', { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
const summary = [];
for (const s of suites) {
  let cmd = s.cmd;
  const report = `.tmp/test-results/${s.name}.json`;
  if (s.vitest) {
    if (!existsSync(s.vitest)) {
      summary.push(`${s.name}: no config (${s.vitest}), not run`);
      continue;
    }
    rmSync(report, { force: true });
    cmd = ['npx', 'vitest', 'run', '-c', s.vitest, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  }
  console.log(`\n=== ${s.name}: ${cmd.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (s.vitest && existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + (j.numTodoTests ?? 0);
    // a suite that crashed before reporting its failures still counts as failed
    if (r.status !== 0 && j.numFailedTests === 0) failed += 1;
    summary.push(`${s.name}: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests} skipped (${secs}s)`);
  } else {
    if (r.status === 0) passed += 1;
    else failed += 1;
    summary.push(`${s.name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status})`} (${secs}s)`);
  }
}
console.log('\n=== summary');
for (const line of summary) console.log(line);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
