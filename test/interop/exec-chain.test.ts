// Proof that the DEFAULT fix gives an image whose own command runs (issue 8): two seed-style broken images, made
// the seed's way (umoci + rsync over a classic base), whose command is not /bin/sh itself but needs it:
//  - a `#!/bin/sh` script /usr/bin/myapp: its interpreter /bin/sh is hidden by the app's bin -> usr/bin;
//  - a dynamically linked program (the host's /usr/bin/env) as /usr/bin/myapp: its loader
//    /lib64/ld-linux-x86-64.so.2 and libc are in the base's classic /lib64 and /lib, hidden by lib64/lib -> usr/….
// For each: the plain fix (`--only drop-redundant-whiteouts`) loads but `docker run` fails with
// "no such file or directory"; the default `fix` (no flags) carries the hidden files over, and `docker run` with
// no command prints the app's output. The same through the UI (headless Chromium): the Problems panel explains the
// hidden link, pre-checks the carry-over, and the downloaded image runs. And `build` of the same app rootfs onto the
// classic base, with no carry-over flag, turns carry-over on by itself and the built image runs.
import { copyFileSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type RunResult } from './exec';
import { interop } from './context';
import { dockerLoadAndRun } from './engines';
import { startApp } from '../e2e/harness';
import { seedMerge, umociImage } from './fixtures';

const ctx = interop();
const ROOT = join(__dirname, '..', '..');
const LONG = 600_000;

function cli(args: string[]): Promise<RunResult> {
  return run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: ROOT, timeoutMs: LONG, check: false });
}

/** A merged-usr app rootfs with no shell and no libc of its own; `myapp` is what its command runs. */
function makeApp(root: string, myapp: (path: string) => void): void {
  for (const [l, t] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']]) {
    mkdirSync(join(root, t), { recursive: true });
    symlinkSync(t, join(root, l));
  }
  myapp(join(root, 'usr/bin/myapp'));
  chmodSync(join(root, 'usr/bin/myapp'), 0o755);
}

describe.skipIf(!ctx.available)('the default fix gives an image whose own command runs (docker run)', () => {
  let dir: string;
  const broken: Record<'script' | 'dynamic', string> = { script: '', dynamic: '' };
  const appTar: Record<'script' | 'dynamic', string> = { script: '', dynamic: '' };
  let baseOci = '';

  beforeAll(async () => {
    const fx = await ctx.fixtures('small');
    const e = ctx.engines();
    dir = e.tmpdir('exec-chain');
    const sh = (cmd: string, args: string[]) => run(cmd, args, { timeoutMs: LONG, env: { ...process.env, TMPDIR: dir } });
    // A classic base (the fixture's busybox base) with the host's real loader and libc under /lib and /lib64.
    const base = join(dir, 'base-rootfs');
    await sh('cp', ['-a', fx.baseRootfs, base]);
    const libdir = join(base, 'lib/x86_64-linux-gnu');
    copyFileSync(realpathSync('/lib64/ld-linux-x86-64.so.2'), join(libdir, 'ld-linux-x86-64.so.2'));
    copyFileSync(realpathSync('/lib/x86_64-linux-gnu/libc.so.6'), join(libdir, 'libc.so.6'));
    rmSync(join(base, 'lib64/ld-linux-x86-64.so.2'));
    symlinkSync('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(base, 'lib64/ld-linux-x86-64.so.2'));
    const baseLayout = join(dir, 'base-oci');
    await umociImage(baseLayout, base, join(dir, 'base-bundle'), sh);
    baseOci = join(dir, 'base-oci.tar');
    await sh('tar', ['-C', baseLayout, '-cf', baseOci, '.']);

    const apps = {
      script: (p: string) => writeFileSync(p, '#!/bin/sh\necho "myapp script ran: $LWI_GREETING"\n'),
      dynamic: (p: string) => copyFileSync('/usr/bin/env', p),
    };
    for (const kind of ['script', 'dynamic'] as const) {
      const app = join(dir, `app-${kind}`);
      makeApp(app, apps[kind]);
      appTar[kind] = join(dir, `app-${kind}.tar`);
      await sh('tar', ['-C', app, '-cf', appTar[kind], '.']);
      const layout = join(dir, `broken-${kind}`);
      await seedMerge(layout, baseLayout, app, join(dir, `bundle-${kind}`), sh, undefined, [
        '--config.cmd', '/usr/bin/myapp', '--config.env', `LWI_GREETING=hello from the ${kind} app`,
      ]);
      broken[kind] = join(dir, `broken-${kind}.tar`);
      await sh('tar', ['-C', layout, '-cf', broken[kind], '.']);
    }
  }, LONG);

  for (const kind of ['script', 'dynamic'] as const) {
    it(`${kind}: diagnose names the hidden link; the plain fix does not run; the default fix runs the app`, async () => {
      const e = ctx.engines();
      const diag = await cli(['diagnose', broken[kind], '--json']);
      const problems = JSON.parse(diag.stdout).problems ?? JSON.parse(diag.stdout);
      const hidden = (problems as { code: string; paths: string[]; message: string }[]).filter((p) => p.code === 'command-hidden');
      expect(hidden, diag.stdout).toHaveLength(1);
      expect(hidden[0].paths).toEqual(kind === 'script' ? ['/usr/bin/myapp', '/bin/sh'] : ['/usr/bin/myapp', '/lib64/ld-linux-x86-64.so.2']);
      expect(hidden[0].message).toContain('exec /usr/bin/myapp: no such file or directory');

      // The plain fix: Docker loads it, but the command cannot start (what the seed's own fix gives).
      const plain = join(dir, `plain-${kind}.tar`);
      const p = await cli(['fix', broken[kind], '-o', plain, '--format', 'docker', '--only', 'drop-redundant-whiteouts']);
      expect(p.code, p.stdout + p.stderr).toBe(1);
      const bad = await dockerLoadAndRun(e, plain, []);
      expect(bad.load.ok, bad.load.result.stderr).toBe(true);
      expect(bad.run!.code).not.toBe(0);
      expect(bad.run!.stdout + bad.run!.stderr).toMatch(/no such file or directory/);

      // The default fix: carry-over chosen by default, and `docker run` (the image's own command) prints the app's output.
      const fixed = join(dir, `fixed-${kind}.tar`);
      const f = await cli(['fix', broken[kind], '-o', fixed, '--format', 'docker']);
      expect(f.code, f.stdout + f.stderr).toBe(0);
      const good = await dockerLoadAndRun(e, fixed, []);
      expect(good.load.ok, good.load.result.stderr).toBe(true);
      expect(good.run!.code, good.run!.stderr).toBe(0);
      expect(good.run!.stdout).toContain(kind === 'script' ? `myapp script ran: hello from the script app` : `LWI_GREETING=hello from the dynamic app`);
    }, LONG);
  }

  for (const kind of ['script', 'dynamic'] as const)
    it(`${kind}: build with no carry-over flag turns it on (the command needs it) and the built image runs`, async () => {
      const e = ctx.engines();
      const out = join(dir, `built-${kind}.tar`);
      const b = await cli([
        'build', '--base', baseOci, '--rootfs', appTar[kind], '--cmd', '/usr/bin/myapp', '--env', `LWI_GREETING=hello from the ${kind} app`,
        '--tag', `lwi-exec-${kind}:built`, '-o', out, '--format', 'docker',
      ]);
      expect(b.code, b.stdout + b.stderr).toBe(0);
      expect(b.stdout).toContain('carry-over on by default');
      const good = await dockerLoadAndRun(e, out, []);
      expect(good.load.ok, good.load.result.stderr).toBe(true);
      expect(good.run!.code, good.run!.stderr).toBe(0);
      expect(good.run!.stdout).toContain(kind === 'script' ? 'myapp script ran: hello from the script app' : 'LWI_GREETING=hello from the dynamic app');
    }, LONG);

  for (const kind of ['script', 'dynamic'] as const)
    it(`${kind}: fixed through the UI with the default repairs, the download runs its own command in Docker`, async () => {
      const e = ctx.engines();
      const app = await startApp();
      try {
        const page = app.page;
        // The object-URL download path (Playwright cannot drive showSaveFilePicker).
        await page.addInitScript(() => {
          delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
        });
        await page.goto(app.url);
        await page.getByLabel('Open image', { exact: true }).setInputFiles(broken[kind]);
        const problems = page.getByRole('region', { name: 'Problems' });
        await problems.getByText('command-hidden').first().waitFor({ timeout: 120_000 });
        expect(await problems.innerText()).toContain('exec /usr/bin/myapp: no such file or directory');
        expect(await problems.getByRole('checkbox', { name: /carry-over-hidden-files/ }).isChecked()).toBe(true);
        await problems.getByRole('button', { name: 'Fix', exact: true }).click();
        await page.getByRole('region', { name: 'Fixed image' }).getByRole('table', { name: 'Rewritten blobs' }).waitFor({ timeout: 120_000 });
        const download = page.getByRole('region', { name: 'Download', exact: true });
        await download.getByLabel(/docker-archive/).check();
        const [dl] = await Promise.all([page.waitForEvent('download'), download.getByRole('button', { name: 'Download' }).click()]);
        const saved = join(dir, `ui-fixed-${kind}.tar`);
        await dl.saveAs(saved);
        expect(app.foreign).toEqual([]);
        const good = await dockerLoadAndRun(e, saved, []);
        expect(good.load.ok, good.load.result.stderr).toBe(true);
        expect(good.run!.code, good.run!.stderr).toBe(0);
        expect(good.run!.stdout).toContain(kind === 'script' ? 'myapp script ran: hello from the script app' : 'LWI_GREETING=hello from the dynamic app');
      } finally {
        await app.close();
      }
    }, LONG);
});
