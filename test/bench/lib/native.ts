// Native anchors: the same work done by the standard tools, timed the same way (wall clock; CPU time of the
// children from bash's `times`), so the app's numbers can be read as a ratio to what this machine can do.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NativeRun {
  ms: number;
  cpu: number;
  out: string;
  ok: boolean;
}

function secs(t: string): number {
  const m = /(\d+)m([\d.]+)s/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

/** Runs `cmd` in bash; its stdout+stderr go to a file (returned as `out`), so only `times` reaches our pipe. */
export function sh(cmd: string, cwd?: string): NativeRun {
  const tmp = mkdtempSync(join(tmpdir(), 'lw-native-'));
  const outFile = join(tmp, 'out');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', `{ ${cmd} ; } >'${outFile}' 2>&1; rc=$?; times; exit $rc`], { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const lines = (r.stdout ?? '').trim().split('\n');
  const child = (lines[1] ?? '').split(' ');
  const out = readFileSync(outFile, 'utf8');
  rmSync(tmp, { recursive: true, force: true });
  return { ms, cpu: secs(child[0] ?? '') + secs(child[1] ?? ''), out, ok: r.status === 0 };
}

/** Best (fastest) of `n` runs: the machine is shared, the minimum is the least disturbed measurement. */
export function best(n: number, f: () => NativeRun): NativeRun {
  let b: NativeRun | undefined;
  for (let i = 0; i < n; i++) {
    const r = f();
    if (!r.ok) return r;
    if (!b || r.ms < b.ms) b = r;
  }
  return b!;
}

export function have(tool: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${tool}`]).status === 0;
}
