// Proof of the BUILD flow with real engines (issue 4): the classic-layout base + the merged-usr app rootfs of the
// fixtures, built by layerwright's CLI. With usrmerge carry-over the image runs the app's `#!/bin/sh` script in
// Docker (the base's /bin/sh now lives in /usr/bin); without it the same image has no shell. No whiteouts reach
// containerd, umoci unpacks it, podman loads it, skopeo copies it, and two builds are byte-identical.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './exec';
import { interop } from './context';
import {
  containerdImport, containerdImportHasWhiteoutDevices, diffListings, dockerLoad, dockerLoadAndRun, exportedRootfsListing,
  ociImageToolValidate, podmanLoad, predictedRootfs, skopeoCopy, umociUnpackListing, type Listing,
} from './engines';
import type { Fixtures } from './fixtures';
import { startApp } from '../e2e/harness';

const ctx = interop();
const ROOT = join(__dirname, '..', '..');
const SDE = '1700000000';

/** `npm run -s cli -- build …` as a user runs it (tsx, a separate process). */
async function cli(args: string[]) {
  return run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...args], { cwd: ROOT, timeoutMs: 300_000 });
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe.skipIf(!ctx.available)('build: merged-usr app on a classic base, in real engines', () => {
  let fx: Fixtures;
  let dir: string;
  let carryDocker: string;
  let carryOci: string;
  let plainDocker: string;
  const config = [
    '--cmd', '/usr/bin/hello',
    '--env', 'GREETING=hi there',
    '--env', 'PATH=/usr/local/bin:/usr/bin:/bin',
    '--label', 'org.example.team=build and ship',
    '--label', 'org.example.k=v',
    '--port', '8080/tcp',
    '--workdir', '/etc',
    '--source-date-epoch', SDE,
  ];

  beforeAll(async () => {
    fx = await ctx.fixtures('small');
    dir = ctx.engines().tmpdir('build');
    carryDocker = join(dir, 'carry-docker.tar');
    carryOci = join(dir, 'carry-oci.tar');
    plainDocker = join(dir, 'plain-docker.tar');
    await cli(['--base', fx.baseOciTar, '--rootfs', fx.appTar, '--usrmerge-carry', '--tag', 'lwbuild:carry', ...config, '-o', carryDocker, '--format', 'docker']);
    await cli(['--base', fx.baseOciTar, '--rootfs', fx.appTarGz, '--usrmerge-carry', '--tag', 'built', ...config, '-o', carryOci]);
    await cli(['--base', fx.baseOciTar, '--rootfs', fx.appTar, '--tag', 'lwbuild:plain', '--no-usrmerge-carry', ...config, '-o', plainDocker, '--format', 'docker']);
  });

  it('with carry-over: docker loads it and `docker run` prints the #!/bin/sh script\'s output', async () => {
    const e = ctx.engines();
    const { load, run: r } = await dockerLoadAndRun(e, carryDocker, []);
    expect(load.ok, load.result.stderr).toBe(true);
    expect(load.images).toEqual(['lwbuild:carry']);
    expect(r?.stderr).toBe('');
    expect(r?.stdout).toBe('hello from app\n');
    const sh = await e.docker(['run', '--rm', '--network', 'none', 'lwbuild:carry', '/bin/sh', '-c', 'echo "$GREETING"; pwd; ls /bin/busybox /lib/x86_64-linux-gnu/libfake.so.1 /var/log/syslog'], { check: false });
    expect(sh.stdout).toBe('hi there\n/etc\n/bin/busybox\n/lib/x86_64-linux-gnu/libfake.so.1\n/var/log/syslog\n');
  });

  it('docker inspect shows exactly the config that was set', async () => {
    const e = ctx.engines();
    const info = JSON.parse((await e.docker(['image', 'inspect', 'lwbuild:carry'])).stdout)[0];
    expect(info.Config.Cmd).toEqual(['/usr/bin/hello']);
    expect(info.Config.Entrypoint).toBeNull();
    expect(info.Config.WorkingDir).toBe('/etc');
    expect(info.Config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(info.Config.Env).toContain('GREETING=hi there');
    expect(info.Config.Env.filter((x: string) => x.startsWith('PATH='))).toEqual(['PATH=/usr/local/bin:/usr/bin:/bin']);
    expect(info.Config.Labels).toMatchObject({
      'org.example.team': 'build and ship',
      'org.example.k': 'v',
      'org.opencontainers.image.created': '2023-11-14T22:13:20Z',
    });
    expect(info.Created).toBe('2023-11-14T22:13:20Z');
    expect(info.RootFS.Layers).toHaveLength(2);
  });

  it('the exported rootfs equals the OCI prediction and keeps every base file (carried into /usr)', async () => {
    const e = ctx.engines();
    const predicted = await predictedRootfs(carryDocker);
    const exported = await exportedRootfsListing(e, 'lwbuild:carry');
    expect(diffListings(predicted, exported)).toEqual([]);
    const paths = new Set(exported.map((x: Listing[number]) => x.path));
    for (const p of ['usr/bin/busybox', 'usr/bin/sh', 'usr/sbin/ifconfig', 'usr/lib/x86_64-linux-gnu/libfake.so.1', 'usr/lib/x86_64-linux-gnu/libusr.so.1',
      'usr/lib/systemd/systemd-fake', 'usr/lib64/ld-linux-x86-64.so.2', 'var/volatile/log/syslog', 'usr/bin/which', 'usr/bin/hello'])
      expect(paths, p).toContain(p);
  });

  it('without carry-over the image loads but has no /bin/sh (what the carry-over fixes)', async () => {
    const e = ctx.engines();
    const load = await dockerLoad(e, plainDocker);
    expect(load.ok, load.result.stderr).toBe(true);
    const r = await e.docker(['run', '--rm', '--network', 'none', 'lwbuild:plain'], { check: false });
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('hello from app');
  });

  it('containerd imports it with no whiteout devices', async () => {
    const e = ctx.engines();
    const imp = await containerdImport(e, carryOci);
    expect(imp.ok, imp.result.stderr).toBe(true);
    expect(await containerdImportHasWhiteoutDevices(e, carryOci)).toBe(false);
  });

  it('umoci unpacks it, skopeo copies it, podman loads it, oci-image-tool validates it', async () => {
    const e = ctx.engines();
    const predicted = await predictedRootfs(carryOci, 'built');
    expect(diffListings(predicted, await umociUnpackListing(e, carryOci, 'built'))).toEqual([]);
    await skopeoCopy(e, `oci-archive:${carryOci}:built`, `dir:${e.tmpdir('skopeo-build')}`);
    expect(await podmanLoad(e, carryOci)).toBeTruthy();
    await ociImageToolValidate(e, carryOci, { tag: 'built' });
  });

  it('a docker-archive base (docker save form) works the same: loads, runs the script', async () => {
    const e = ctx.engines();
    const out = join(dir, 'from-docker-base.tar');
    await cli(['--base', fx.baseDockerTar, '--rootfs', fx.appTar, '--usrmerge-carry', '--tag', 'lwbuild:fromdocker', '--cmd', '/usr/bin/hello', '-o', out, '--format', 'docker']);
    const { load, run: r } = await dockerLoadAndRun(e, out, []);
    expect(load.ok, load.result.stderr).toBe(true);
    expect(r?.stdout).toBe('hello from app\n');
  });

  it('two builds with the same inputs and SOURCE_DATE_EPOCH are byte-identical; tar and tar.gz rootfs agree', async () => {
    const again = join(dir, 'carry-docker-2.tar');
    await cli(['--base', fx.baseOciTar, '--rootfs', fx.appTar, '--usrmerge-carry', '--tag', 'lwbuild:carry', ...config, '-o', again, '--format', 'docker']);
    expect(sha(again)).toBe(sha(carryDocker));
    // tar vs tar.gz input: the same layer bytes (only history's created_by names the file differently).
    const fromTar = join(dir, 'carry-oci-from-tar.tar');
    const a = JSON.parse((await cli(['--base', fx.baseOciTar, '--rootfs', fx.appTar, '--usrmerge-carry', '--tag', 'built', ...config, '-o', fromTar, '--json'])).stdout);
    const b = JSON.parse((await cli(['--base', fx.baseOciTar, '--rootfs', fx.appTarGz, '--usrmerge-carry', '--tag', 'built', ...config, '-o', join(dir, 'gz.tar'), '--json'])).stdout);
    expect(a.layers.map((l: { digest: string }) => l.digest)).toEqual(b.layers.map((l: { digest: string }) => l.digest));
    expect(a.conflicts.map((c: { from: string }) => c.from)).toEqual(['bin/which']); // busybox vs the base's usr/bin/which script
  });

  it('through the UI in headless Chromium: Build image, Download docker-archive, docker run prints the script output', async () => {
    const e = ctx.engines();
    const ui = await startApp();
    try {
      const page = ui.page;
      // The download fallback (object URL): Playwright cannot drive showSaveFilePicker.
      await page.addInitScript(() => {
        delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
      });
      await page.goto(ui.url);
      await page.getByLabel('Open image', { exact: true }).setInputFiles(fx.baseOciTar);
      await page.getByRole('heading', { name: /base.*\.tar/ }).first().waitFor();
      await page.getByRole('button', { name: 'Build', exact: true }).click();
      await page.getByLabel('App rootfs').setInputFiles(fx.appTar);
      await page.getByRole('checkbox', { name: /merged-usr app on a classic base/ }).check();
      await page.getByLabel('CMD', { exact: true }).fill('/usr/bin/hello');
      await page.getByLabel('Env', { exact: true }).fill('GREETING=hi there');
      await page.getByLabel('Tag', { exact: true }).fill('lwbuild:ui');
      await page.getByLabel('SOURCE_DATE_EPOCH').fill(SDE);
      await page.getByRole('button', { name: 'Build image' }).click();
      // The result stays on the Build view with its own Download.
      await page.getByRole('heading', { name: 'Last build' }).waitFor({ timeout: 120_000 });
      const download = page.getByRole('region', { name: 'Last build' });
      await download.getByLabel(/docker-archive/).check();
      const [dl] = await Promise.all([page.waitForEvent('download'), download.getByRole('button', { name: 'Download' }).click()]);
      const saved = join(dir, 'from-ui-docker.tar');
      await dl.saveAs(saved);
      const { load, run: r } = await dockerLoadAndRun(e, saved, []);
      expect(load.ok, load.result.stderr).toBe(true);
      expect(load.images).toEqual(['lwbuild:ui']);
      expect(r?.stdout).toBe('hello from app\n');
      // The browser and the CLI build the same image from the same inputs and settings.
      const viaCli = join(dir, 'same-via-cli.tar');
      const sameArgs = ['--base', fx.baseOciTar, '--rootfs', fx.appTar, '--usrmerge-carry', '--cmd', '/usr/bin/hello', '--env', 'GREETING=hi there'];
      const c = JSON.parse((await cli([...sameArgs, '--tag', 'lwbuild:ui', '--source-date-epoch', SDE, '-o', viaCli, '--format', 'docker', '--json'])).stdout);
      const info = JSON.parse((await e.docker(['image', 'inspect', 'lwbuild:ui'])).stdout)[0];
      expect(info.RootFS.Layers[1]).toBe(c.layers[0].diffId);
      expect(ui.foreign).toEqual([]);
    } finally {
      await ui.close();
    }
  });
});
