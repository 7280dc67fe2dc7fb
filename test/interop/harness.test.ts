// The harness itself: private daemons start and stop cleanly, twice in a row, and the leftovers of a crashed run
// (daemons, a running container, overlay mounts) are removed by the next run.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { interop } from './context';
import { cleanStaleRuns, startEngines, type EngineInfo } from './engines';
import { sleep } from './exec';

const ctx = interop();

function leftovers(dir: string): { processes: string[]; mounts: string[] } {
  const processes: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(dir + '/')) processes.push(`${p}: ${cmd.slice(0, 120)}`);
    } catch { /* gone */ }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
  return { processes, mounts };
}

describe.skipIf(!ctx.available)('interop harness', () => {
  it('starts and stops private engines twice in a row, leaving nothing behind', async () => {
    for (let i = 0; i < 2; i++) {
      const e = await startEngines();
      const dir = e.info.dir;
      expect(dir).not.toBe(ctx.engines().info.dir);
      expect((await e.docker(['info', '--format', '{{.Driver}}'])).stdout.trim()).toBe(e.info.storageDriver);
      expect((await e.ctr(['version'])).code).toBe(0);
      await e.stop();
      expect(leftovers(dir)).toEqual({ processes: [], mounts: [] });
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('cleans up after a crashed run (daemons, a running container, mounts)', async () => {
    const fx = await ctx.fixtures('small');
    const script = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, fx.baseDockerTar, fx.baseImage], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const until = Date.now() + 120_000;
    while (!out.includes('\n') && child.exitCode === null && Date.now() < until) await sleep(100);
    expect(out, err).toContain('"dir"');
    const info = JSON.parse(out.split('\n')[0]) as EngineInfo;
    process.kill(child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('close', r));
    const before = leftovers(info.dir);
    expect(before.processes.length).toBeGreaterThanOrEqual(3); // dockerd, containerd, the container's shim
    expect(before.mounts.length).toBeGreaterThan(0);
    const cleaned = await cleanStaleRuns(undefined, () => {});
    expect(cleaned).toContain(info.dir);
    expect(leftovers(info.dir)).toEqual({ processes: [], mounts: [] });
    expect(existsSync(info.dir)).toBe(false);
    // The shared engines of this run are untouched.
    expect((await ctx.engines().docker(['version'])).code).toBe(0);
  });
});
