// What an interop test file uses: the engines the global setup started (or the reason they are not there) and
// the fixtures, built once per run. See the API at the top of engines.ts.
import { inject } from 'vitest';
import { join } from 'node:path';
import { attachEngines, type EngineInfo, type Engines } from './engines';
import { buildFixtures, type Fixtures } from './fixtures';

export interface InteropProvided {
  available: boolean;
  /** Why the engines are not available (tests skip with this message; CI fails in the global setup instead). */
  reason: string;
  info?: EngineInfo;
  /** Where fixtures are built (INTEROP_FIXTURES_DIR to keep them between runs; default: inside the run dir). */
  fixturesRoot?: string;
  /** INTEROP_BIG=1: also run the multi-hundred-MB variants. */
  big: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    lwInterop: InteropProvided;
  }
}

export interface InteropContext {
  available: boolean;
  reason: string;
  big: boolean;
  /** The shared engines (throws when unavailable; guard tests with `describe.skipIf(!ctx.available)`). */
  engines(): Engines;
  /** Fixtures of a variant, built on first use and reused by later test files of the run. */
  fixtures(variant?: 'small' | 'big'): Promise<Fixtures>;
}

let warned = false;
const built = new Map<string, Promise<Fixtures>>();

export function interop(): InteropContext {
  let p: InteropProvided | undefined;
  try {
    p = inject('lwInterop');
  } catch { /* not under vitest's runner */ }
  p ??= { available: false, reason: 'no global setup: run with `npm run test:interop` (vitest -c vitest.interop.config.ts)', big: false };
  if (!p.available && !warned) {
    warned = true;
    console.warn(`interop tests SKIPPED: ${p.reason}`);
  }
  const provided = p;
  let engines: Engines | undefined;
  return {
    available: provided.available,
    reason: provided.reason,
    big: provided.big,
    engines() {
      if (!provided.info) throw new Error(`interop engines unavailable: ${provided.reason}`);
      return (engines ??= attachEngines(provided.info));
    },
    fixtures(variant = 'small') {
      if (!provided.fixturesRoot) throw new Error(`interop unavailable: ${provided.reason}`);
      const dir = join(provided.fixturesRoot, variant);
      let f = built.get(dir);
      if (!f) {
        f = buildFixtures(dir, { big: variant === 'big' });
        built.set(dir, f);
      }
      return f;
    },
  };
}
