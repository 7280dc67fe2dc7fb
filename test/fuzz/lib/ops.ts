// The ops the fuzzer drives beyond openImage/inspect, loaded by path so the suite runs before a later op
// (diagnose) exists and picks it up as soon as it lands.

import type { ImageArchive } from '../../../src/engine/oci/archive';
import type { OpOptions, Scratch } from '../../../src/engine/env';

type Op = (archive: ImageArchive, env: { scratch: Scratch }, opts: OpOptions) => Promise<unknown>;
export interface Ops {
  diagnose?: Op;
}

async function load(path: string, name: string): Promise<Op | undefined> {
  try {
    const m = (await import(/* @vite-ignore */ path)) as Record<string, unknown>;
    return typeof m[name] === 'function' ? (m[name] as Op) : undefined;
  } catch {
    return undefined;
  }
}

export async function loadOps(): Promise<Ops> {
  const base = '../../../src/engine/ops/';
  return { diagnose: await load(base + 'diagnose.ts', 'diagnose') };
}
