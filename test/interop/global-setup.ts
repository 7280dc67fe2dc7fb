// vitest global setup for the interop suite: start containerd + dockerd once for the whole run, hand their
// sockets to the test files (inject('lwInterop')), stop them at the end. Missing engines: skip the suite with a
// clear message on a developer machine, fail loudly when CI is set.
import type { TestProject } from 'vitest/node';
import { join } from 'node:path';
import { checkTools, startEngines } from './engines';
import type { InteropProvided } from './context';

const isCI = () => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

export default async function setup(project: TestProject) {
  const big = process.env.INTEROP_BIG === '1';
  const unavailable = (reason: string) => {
    if (isCI()) throw new Error(`interop: real engines are required in CI (CI=${process.env.CI}) but unavailable: ${reason}`);
    console.warn(`\ninterop: SKIPPING the real-engine tests — ${reason}\n`);
    project.provide('lwInterop', { available: false, reason, big } satisfies InteropProvided);
  };
  const avail = checkTools();
  if (!avail.ok) return unavailable(avail.reason);
  let engines;
  try {
    engines = await startEngines();
  } catch (e) {
    return unavailable(`engines failed to start: ${(e as Error).message}`);
  }
  const fixturesRoot = process.env.INTEROP_FIXTURES_DIR ?? join(engines.info.dir, 'fixtures');
  project.provide('lwInterop', { available: true, reason: '', info: engines.info, fixturesRoot, big } satisfies InteropProvided);
  return async () => {
    const saveLogsTo = process.env.INTEROP_LOG_DIR ?? join(process.cwd(), '.tmp', 'interop-logs');
    await engines.stop({ saveLogsTo });
    console.log(`interop: daemon logs saved in ${saveLogsTo}`);
  };
}
