// The same proof with a multi-hundred-MB image (INTEROP_BIG=1; .ci/run sets it): ~170 MB base layer with a
// file over 64 MiB and ~2000 small files, ~150 MB app layer; incompressible and compressible data mixed.
import { beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { interop } from './context';
import { containerdWhiteoutDevices, diffListings, dockerLoad, dockerLoadAndRun, exportedRootfsListing, predictedRootfs } from './engines';
import type { Fixtures } from './fixtures';

const ctx = interop();

describe.skipIf(!ctx.available || !ctx.big)('multi-hundred-MB images in real engines (INTEROP_BIG=1)', () => {
  let fx: Fixtures;

  beforeAll(async () => {
    fx = await ctx.fixtures('big');
  });

  it('the fixtures are multi-hundred-MB', () => {
    expect(statSync(fx.brokenDockerTar).size).toBeGreaterThan(300e6);
    expect(statSync(fx.brokenOciTar).size).toBeGreaterThan(200e6);
  });

  it('the broken image fails docker load with the mknod error', async () => {
    const load = await dockerLoad(ctx.engines(), fx.brokenDockerTar);
    expect(load.ok).toBe(false);
    expect(load.result.stderr).toMatch(/failed to mknod\("\/bin\/[^"]+", S_IFCHR, 0\): no such file or directory/);
  });

  it('containerd imports the broken image with whiteout devices under usr/', async () => {
    const devices = await containerdWhiteoutDevices(ctx.engines(), fx.brokenOciTar);
    expect(devices.filter((d) => !d.expected).map((d) => d.path)).toContain('usr/bin/sh');
  });

  it('the good base loads, runs, and its exported rootfs equals the prediction', async () => {
    const e = ctx.engines();
    const { load, run } = await dockerLoadAndRun(e, fx.baseDockerTar, ['/bin/sh', '-c', 'echo ok; ls /usr/share/lwi-big | wc -l']);
    expect(load.ok, load.result.stderr).toBe(true);
    expect(run?.stdout).toBe('ok\n5\n');
    const predicted = await predictedRootfs(fx.baseOciTar);
    expect(predicted.length).toBeGreaterThan(1500);
    expect(diffListings(predicted, await exportedRootfsListing(e, fx.baseImage))).toEqual([]);
  });
});
