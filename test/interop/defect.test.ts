// Proof of the DEFECT with real engines (issue 3): the seed's broken image — built with umoci exactly as the
// seed does — is refused by `docker load` and silently loses base files in containerd and podman.
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './exec';
import { interop } from './context';
import {
  containerdImport, containerdRootfsListing, containerdWhiteoutDevices, diffListings, dockerLoad, exportedRootfsListing, podmanExportedListing, podmanLoad,
  predictedRootfs, umociUnpackListing, type Listing,
} from './engines';
import type { Fixtures } from './fixtures';

const ctx = interop();

describe.skipIf(!ctx.available)('the seed\'s broken image (merged-usr whiteouts) in real engines', () => {
  let fx: Fixtures;
  let predicted: Listing;
  /** What an engine that writes whiteouts through the symlinks loses: lostInBroken and everything under them. */
  let lostEntries: string[];

  beforeAll(async () => {
    fx = await ctx.fixtures('small');
    predicted = await predictedRootfs(fx.brokenOciTar);
    lostEntries = predicted.filter((x) => fx.lostInBroken.some((l) => x.path === l || x.path.startsWith(l + '/')))
      .map((x) => `missing ${x.path} (${x.type})`);
  });

  it('has the seed\'s layer: whiteouts inside the new symlinks', async () => {
    expect(fx.replacedDirs.sort()).toEqual(['bin', 'lib', 'lib64', 'sbin', 'var/log', 'var/tmp']);
    const manifest = JSON.parse((await run('skopeo', ['--insecure-policy', 'inspect', '--raw', `oci:${fx.brokenLayout}:latest`])).stdout);
    const top = manifest.layers[manifest.layers.length - 1].digest.replace('sha256:', '');
    const names = (await run('tar', ['-tzf', `${fx.brokenLayout}/blobs/sha256/${top}`])).stdout.split('\n');
    for (const w of ['bin/.wh.sh', 'bin/.wh.busybox', 'lib/.wh.x86_64-linux-gnu', 'sbin/.wh.init', 'var/log/.wh.syslog']) expect(names).toContain(w);
    // The OCI rules: the symlink alone hides the base directory, the base's /usr files stay.
    const paths = new Set(predicted.map((x) => x.path));
    expect(paths.has('bin/sh')).toBe(false);
    expect(predicted.find((x) => x.path === 'bin')).toMatchObject({ type: 'symlink', link: 'usr/bin' });
    for (const l of fx.lostInBroken) expect(paths.has(l)).toBe(true);
    expect(fx.lostInBroken).toEqual(['usr/bin/which', 'usr/lib/systemd', 'usr/lib/x86_64-linux-gnu']);
  });

  it('docker load fails with the mknod error (overlay2; vfs loads it but loses the base files)', async () => {
    const e = ctx.engines();
    const load = await dockerLoad(e, fx.brokenDockerTar);
    if (e.info.storageDriver === 'vfs') {
      // vfs applies whiteouts as deletions, resolved through the new symlinks, like podman below.
      expect(load.ok, load.result.stderr).toBe(true);
      expect(diffListings(predicted, await exportedRootfsListing(e, load.images[0])).sort()).toEqual(lostEntries.sort());
      return;
    }
    expect(load.ok).toBe(false);
    expect(load.result.stderr).toMatch(/Error processing tar file\(exit status 1\): failed to mknod\("\/bin\/[^"]+", S_IFCHR, 0\): no such file or directory/);
  });

  it.skipIf(ctx.available && ctx.engines().info.snapshotter !== 'overlayfs')('containerd imports it but writes 0/0 char devices under usr/ (through the symlinks)', async () => {
    const e = ctx.engines();
    const devices = await containerdWhiteoutDevices(e, fx.brokenOciTar);
    const unexpected = devices.filter((d) => !d.expected);
    expect(unexpected.length).toBeGreaterThan(0);
    expect(unexpected.every((d) => d.layer === 1)).toBe(true);
    const paths = unexpected.map((d) => d.path);
    for (const p of ['usr/bin/sh', 'usr/bin/busybox', 'usr/bin/which', 'usr/lib/x86_64-linux-gnu', 'usr/lib/systemd', 'var/volatile/log/syslog']) expect(paths).toContain(p);
    // The same, seen with find(1) and stat(1) in the top layer's snapshot dir.
    const imp = await containerdImport(e, fx.brokenOciTar);
    const top = imp.layerDirs[imp.layerDirs.length - 1];
    const found = (await run('find', [top, '-type', 'c', '-printf', '%P\\n'])).stdout.trim().split('\n').sort();
    expect(found).toEqual(unexpected.map((d) => d.path).sort());
    expect((await run('stat', ['-c', '%F %t:%T', `${top}/usr/bin/sh`])).stdout.trim()).toBe('character special file 0:0');
  });

  it('containerd\'s merged rootfs has lost exactly the base paths the symlinked whiteouts name', async () => {
    const e = ctx.engines();
    const actual = await containerdRootfsListing(e, fx.brokenOciTar);
    expect(diffListings(predicted, actual).sort()).toEqual(lostEntries.sort());
  });

  it('podman loads it but the rootfs lacks the same base files', async () => {
    const e = ctx.engines();
    const img = await podmanLoad(e, fx.brokenOciTar);
    const actual = await podmanExportedListing(e, img);
    expect(diffListings(predicted, actual).sort()).toEqual(lostEntries.sort());
  });

  it('umoci unpack makes the same mistake (so it is not a prediction oracle for such layers)', async () => {
    const e = ctx.engines();
    const actual = await umociUnpackListing(e, fx.brokenOciTar);
    expect(diffListings(predicted, actual).sort()).toEqual(lostEntries.sort());
  });
});
