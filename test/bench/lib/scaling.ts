// The 1 / 2 / 4 worker scaling row (issue 11): the CLI's build (the same engine and pool as the page, on
// worker_threads) of the app rootfs onto the big image, with LW_WORKERS=N pool threads; wall and CPU seconds of
// the whole process tree. The output is checked to be the same image for every N (byte-identical layers).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sh, type NativeRun } from './native';

export interface ScalingRun extends NativeRun {
  workers: number;
  /** sha256 of the output archive: the same for every worker count. */
  out: string;
}

export function buildScaling(root: string, base: string, rootfs: string, counts = [1, 2, 4]): ScalingRun[] {
  const runs: ScalingRun[] = [];
  for (const n of counts) {
    const tmp = mkdtempSync(join(tmpdir(), 'lw-scale-'));
    const out = join(tmp, 'out.tar');
    const r = sh(`LW_WORKERS=${n} npx tsx src/cli/main.ts build --base '${base}' --rootfs '${rootfs}' --source-date-epoch 1700000000 --tag bench -o '${out}'`, root);
    let digest = '';
    try {
      if (r.ok) digest = createHash('sha256').update(readFileSync(out)).digest('hex');
    } catch {
      /* reported as a failed run */
    }
    rmSync(tmp, { recursive: true, force: true });
    runs.push({ ...r, workers: n, out: digest });
  }
  return runs;
}
