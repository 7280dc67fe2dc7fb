// Sanity of the harness with a GOOD image (the classic base alone): every engine accepts it, and what each one
// unpacks equals the rootfs the OCI layer rules predict. If this fails, the defect tests prove nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { interop } from './context';
import {
  containerdImport, containerdRootfsListing, containerdWhiteoutDevices, diffListings, dockerLoadAndRun,
  exportedRootfsListing, ociImageToolValidate, podmanExportedListing, podmanLoad, podmanRun, predictedRootfs, skopeoCopy,
  skopeoInspect, umociUnpackListing, type Listing,
} from './engines';
import type { Fixtures } from './fixtures';

const ctx = interop();

describe.skipIf(!ctx.available)('a good image in real engines', () => {
  let fx: Fixtures;
  let predicted: Listing;

  beforeAll(async () => {
    fx = await ctx.fixtures('small');
    predicted = await predictedRootfs(fx.baseOciTar);
  });

  it('the prediction reads the OCI layout, the OCI archive and the docker-archive alike', async () => {
    expect(predicted.find((x) => x.path === 'bin/sh')).toMatchObject({ type: 'file', hardlink: 'bin/busybox' });
    expect(await predictedRootfs(fx.baseLayout)).toEqual(predicted);
    expect(await predictedRootfs(fx.baseDockerTar)).toEqual(predicted);
  });

  it('docker loads and runs it; the exported rootfs equals the prediction', async () => {
    const e = ctx.engines();
    const { load, run } = await dockerLoadAndRun(e, fx.baseDockerTar, ['/bin/sh', '-c', 'echo ok']);
    expect(load.ok, load.result.stderr).toBe(true);
    expect(load.images).toEqual([fx.baseImage]);
    expect(run?.code, run?.stderr).toBe(0);
    expect(run?.stdout).toBe('ok\n');
    expect(diffListings(predicted, await exportedRootfsListing(e, fx.baseImage))).toEqual([]);
  });

  it('containerd imports it with no unexpected whiteout devices; its rootfs equals the prediction', async () => {
    const e = ctx.engines();
    const imp = await containerdImport(e, fx.baseOciTar);
    expect(imp.ok, imp.result.stderr).toBe(true);
    expect(imp.chainIds).toHaveLength(1);
    if (e.info.snapshotter === 'overlayfs') expect(await containerdWhiteoutDevices(e, fx.baseOciTar)).toEqual([]);
    expect(diffListings(predicted, await containerdRootfsListing(e, fx.baseDockerTar))).toEqual([]);
  });

  it('podman loads and runs it; its rootfs equals the prediction', async () => {
    const e = ctx.engines();
    const img = await podmanLoad(e, fx.baseOciTar);
    const r = await podmanRun(e, img, ['/bin/sh', '-c', 'echo ok']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('ok\n');
    expect(diffListings(predicted, await podmanExportedListing(e, img))).toEqual([]);
  });

  it('skopeo copies it (verifying every digest), umoci unpacks it, oci-image-tool validates it', async () => {
    const e = ctx.engines();
    const out = e.tmpdir('skopeo-dir');
    await skopeoCopy(e, `oci-archive:${fx.baseOciTar}:latest`, `dir:${out}`);
    const cfg = await skopeoInspect(e, `oci-archive:${fx.baseOciTar}:latest`, { config: true });
    expect(cfg.config.Cmd).toEqual(['/bin/sh']);
    expect(diffListings(predicted, await umociUnpackListing(e, fx.baseOciTar))).toEqual([]);
    await ociImageToolValidate(e, fx.baseLayout);
    await ociImageToolValidate(e, fx.baseOciTar);
  });
});
