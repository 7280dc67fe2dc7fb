// The seed's broken image, made offline with the seed's own tools (umoci, rsync, skopeo) — see the harness API at
// the top of engines.ts and DESIGN.md "What the seed does".
//
//   base  : a classic-layout rootfs (real bin/ sbin/ lib/ lib64/ var/log/ var/tmp/, busybox applets as hardlinks
//           and symlinks) packed with umoci as an OCI layout, tag `latest`, CMD /bin/sh;
//   app   : a merged-usr rootfs (bin -> usr/bin, sbin -> usr/sbin, lib -> usr/lib, lib64 -> usr/lib64,
//           var/log -> volatile/log, var/tmp -> volatile/tmp) with usr/bin/hello, and no shell of its own;
//   broken: the seed's steps — copy the base layout, `umoci unpack`, delete each of bin lib lib64 sbin var/lock
//           var/log var/run var/tmp that is a real dir in the base and a symlink in the app, rsync the app over
//           it, `umoci repack` → whiteouts under the new symlinks (bin/.wh.busybox …).
//
// The base also has usr/bin/which, usr/lib/x86_64-linux-gnu/ and usr/lib/systemd/ so that whiteouts written
// through the symlinks (containerd, podman) visibly delete base files: those paths are `lostInBroken`.
import { copyFileSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readSync, closeSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync, lstatSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { run, which } from './exec';

export interface FixtureOptions {
  /** Add ~300 MB (incompressible + compressible, one file > 64 MiB, many small files) to the base and the app. */
  big?: boolean;
}

export interface Fixtures {
  dir: string;
  big: boolean;
  tag: string;
  /** Directory trees. */
  baseRootfs: string;
  appRootfs: string;
  /** The app rootfs as `tar -C app -cf app-rootfs.tar .` and the same gzipped (inputs for the build flow). */
  appTar: string;
  appTarGz: string;
  /** The good base image: OCI layout dir, OCI archive, docker-archive (loads as `baseImage`). */
  baseLayout: string;
  baseOciTar: string;
  baseDockerTar: string;
  baseImage: string;
  /** The seed's broken image, same three forms (docker-archive named `brokenImage`). */
  brokenLayout: string;
  brokenOciTar: string;
  brokenDockerTar: string;
  brokenImage: string;
  /** Base paths (and their subtrees) that whiteouts written through the app's symlinks delete. */
  lostInBroken: string[];
  /** Directories the seed deleted from the unpacked base before the rsync. */
  replacedDirs: string[];
  /** Seconds each step took. */
  timings: Record<string, number>;
}

/** Bump when the recipe changes, so a cached fixture dir is rebuilt. */
const RECIPE = 'lwi-fixtures-v2';
const SEED_DIRS = ['bin', 'lib', 'lib64', 'sbin', 'var/lock', 'var/log', 'var/run', 'var/tmp'];
const LONG = 900_000;

function isStaticElf(path: string): boolean {
  // A dynamically linked busybox would not run in the image (the base has no real libc): look for PT_INTERP.
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

export function findBusybox(): string {
  const candidates = [process.env.INTEROP_BUSYBOX, '/bin/busybox', '/usr/bin/busybox', which('busybox')].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(c) && isStaticElf(c)) return c;
  throw new Error(`no static busybox found (tried ${candidates.join(', ')}); install busybox-static`);
}

function file(root: string, rel: string, content: string | Buffer, mode = 0o644): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}
function dir(root: string, rel: string, mode = 0o755): void {
  mkdirSync(join(root, rel), { recursive: true });
  chmodSync(join(root, rel), mode);
}
function symlink(root: string, rel: string, target: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  symlinkSync(target, join(root, rel));
}

function makeBase(root: string, busybox: string): void {
  for (const d of ['bin', 'sbin', 'lib', 'lib64', 'etc', 'root', 'home', 'usr/bin', 'usr/sbin', 'usr/lib', 'usr/share', 'var/log', 'var/tmp', 'var/cache', 'run']) dir(root, d);
  dir(root, 'tmp', 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  copyFileSync(busybox, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'ls', 'cat', 'echo', 'mkdir', 'rm', 'cp', 'touch', 'which', 'stat', 'find']) linkSync(join(root, 'bin/busybox'), join(root, `bin/${a}`));
  for (const a of ['true', 'false', 'sleep']) symlink(root, `bin/${a}`, 'busybox');
  linkSync(join(root, 'bin/busybox'), join(root, 'sbin/ifconfig'));
  symlink(root, 'sbin/init', '../bin/busybox');
  // Debian (no merged-usr) keeps files under both /lib and /usr/lib with the same directory names.
  file(root, 'lib/x86_64-linux-gnu/libfake.so.1', 'fake libc for the interop fixture\n', 0o755);
  symlink(root, 'lib/x86_64-linux-gnu/libfake.so', 'libfake.so.1');
  file(root, 'lib/systemd/systemd-fake', '#!/bin/sh\nexit 0\n', 0o755);
  dir(root, 'lib/modules');
  symlink(root, 'lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libfake.so.1');
  file(root, 'usr/lib/x86_64-linux-gnu/libusr.so.1', 'a library that lives in /usr/lib\n', 0o755);
  file(root, 'usr/lib/x86_64-linux-gnu/gconv/gconv-modules', 'alias ISO-8859-1// LATIN1//\n');
  file(root, 'usr/lib/systemd/user/default.target', '[Unit]\nDescription=fake\n');
  file(root, 'usr/bin/which', '#!/bin/sh\nexec /bin/busybox which "$@"\n', 0o755);
  file(root, 'usr/bin/base-tool', '#!/bin/sh\necho base tool\n', 0o755);
  file(root, 'usr/share/doc/base/README', 'classic-layout base for layerwright interop tests\n');
  file(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  file(root, 'etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  file(root, 'etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
  file(root, 'etc/os-release', 'ID=lwi-base\nNAME="layerwright interop base"\n');
  file(root, 'var/log/syslog', 'Jan  1 00:00:00 base: booted\n', 0o640);
  file(root, 'var/log/apt/history.log', 'Start-Date: 2026-01-01\n');
  file(root, 'var/tmp/keep', 'kept\n');
  symlink(root, 'var/run', '../run');
  symlink(root, 'var/lock', '../run/lock');
  file(root, 'root/.profile', 'PS1="# "\n');
}

function makeApp(root: string): void {
  for (const [l, t] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64'], ['var/log', 'volatile/log'], ['var/tmp', 'volatile/tmp']]) symlink(root, l, t);
  for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'var/volatile/log', 'etc']) dir(root, d);
  dir(root, 'var/volatile/tmp', 0o1777);
  file(root, 'usr/bin/hello', '#!/bin/sh\necho hello from app\n', 0o755);
  file(root, 'usr/sbin/app-admin', '#!/bin/sh\necho admin\n', 0o755);
  file(root, 'usr/lib/app/libapp.so.1', 'app library\n', 0o755);
  symlink(root, 'usr/lib/app/libapp.so', 'libapp.so.1');
  file(root, 'etc/app.conf', 'greeting=hello\n');
}

/** Incompressible (random) and compressible (repetitive text) files, one over 64 MiB, plus many small ones. */
function addBulk(root: string, rel: string, randomMiB: number[], textMiB: number[], smallFiles: number): void {
  const MiB = 1 << 20;
  randomMiB.forEach((n, i) => {
    const p = join(root, rel, `random-${i}.bin`);
    mkdirSync(dirname(p), { recursive: true });
    const fd = openSync(p, 'w');
    for (let k = 0; k < n; k++) writeFileSync(fd, randomBytes(MiB));
    closeSync(fd);
  });
  textMiB.forEach((n, i) => {
    const p = join(root, rel, `text-${i}.log`);
    const fd = openSync(p, 'w');
    let line = 0;
    for (let k = 0; k < n; k++) {
      const parts: string[] = [];
      let len = 0;
      while (len < MiB) {
        const s = `${String(line++).padStart(9, '0')} layerwright interop fixture line, level=info msg="some compressible text" k=${line % 97}\n`;
        parts.push(s);
        len += s.length;
      }
      writeFileSync(fd, parts.join('').slice(0, MiB));
    }
    closeSync(fd);
  });
  for (let i = 0; i < smallFiles; i++) {
    file(root, `${rel}/small/${String(i % 50).padStart(2, '0')}/f${i}.dat`, i % 3 ? randomBytes(512 + (i % 7) * 1000) : `small file ${i}\n`.repeat(40));
  }
}

function timed<T>(timings: Record<string, number>, step: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  return f().finally(() => { timings[step] = (Date.now() - t) / 1000; });
}

/**
 * Build the fixtures into `dir` (created; reused when a previous build of the same recipe completed there).
 * Needs root (umoci unpack as root keeps owners), busybox-static, umoci, rsync, skopeo, tar, gzip. No network.
 */
export async function buildFixtures(dir: string, opts: FixtureOptions = {}): Promise<Fixtures> {
  const big = !!opts.big;
  const p = (x: string) => join(dir, x);
  const name = big ? 'big' : 'small';
  const fx: Fixtures = {
    dir, big, tag: 'latest',
    baseRootfs: p('base-rootfs'), appRootfs: p('app-rootfs'), appTar: p('app-rootfs.tar'), appTarGz: p('app-rootfs.tar.gz'),
    baseLayout: p('base-oci'), baseOciTar: p('base-oci.tar'), baseDockerTar: p('base-docker.tar'), baseImage: `lwi-base-${name}:latest`,
    brokenLayout: p('broken-oci'), brokenOciTar: p('broken-oci.tar'), brokenDockerTar: p('broken-docker.tar'), brokenImage: `lwi-broken-${name}:latest`,
    lostInBroken: [], replacedDirs: [], timings: {},
  };
  const stamp = p('fixtures.json');
  const key = `${RECIPE}:${name}`;
  if (existsSync(stamp)) {
    try {
      const prev = JSON.parse(readFileSync(stamp, 'utf8')) as Fixtures & { key: string };
      if (prev.key === key) return prev;
    } catch { /* rebuild */ }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(p('tmp'), { recursive: true });
  const env = { ...process.env, TMPDIR: p('tmp') };
  const sh = (cmd: string, args: string[]) => run(cmd, args, { timeoutMs: LONG, env });
  const t = fx.timings;

  await timed(t, 'rootfs', async () => {
    makeBase(fx.baseRootfs, findBusybox());
    makeApp(fx.appRootfs);
    if (big) {
      addBulk(fx.baseRootfs, 'usr/share/lwi-big', [80, 40], [30, 10], 1500);
      addBulk(fx.appRootfs, 'usr/share/app-data', [70, 20], [40, 10], 500);
    }
  });

  await timed(t, 'base-image', () => umociImage(fx.baseLayout, fx.baseRootfs, p('tmp/base-bundle'), sh));
  await timed(t, 'broken-image', async () => {
    const r = await seedMerge(fx.brokenLayout, fx.baseLayout, fx.appRootfs, p('tmp/broken-bundle'), sh, fx.baseRootfs);
    fx.replacedDirs.push(...r.replacedDirs);
    fx.lostInBroken.push(...r.lostInBroken);
  });

  await timed(t, 'archives', async () => {
    await sh('tar', ['-C', fx.baseLayout, '-cf', fx.baseOciTar, '.']);
    await sh('tar', ['-C', fx.brokenLayout, '-cf', fx.brokenOciTar, '.']);
    await sh('tar', ['-C', fx.appRootfs, '-cf', fx.appTar, '.']);
    await sh('tar', ['-C', fx.appRootfs, '-czf', fx.appTarGz, '.']);
  });
  await timed(t, 'docker-archives', async () => {
    await sh('skopeo', ['--insecure-policy', 'copy', '-q', `oci-archive:${fx.baseOciTar}:latest`, `docker-archive:${fx.baseDockerTar}:${fx.baseImage}`]);
    await sh('skopeo', ['--insecure-policy', 'copy', '-q', `oci-archive:${fx.brokenOciTar}:latest`, `docker-archive:${fx.brokenDockerTar}:${fx.brokenImage}`]);
  });
  fx.lostInBroken.sort();
  rmSync(p('tmp'), { recursive: true, force: true });
  writeFileSync(stamp, JSON.stringify({ ...fx, key }, null, 2));
  return fx;
}

type Sh = (cmd: string, args: string[]) => Promise<unknown>;

/** An OCI layout (tag latest, CMD /bin/sh, Debian's PATH) holding `rootfs` as one layer, made with umoci. */
export async function umociImage(layout: string, rootfs: string, bundle: string, sh: Sh): Promise<void> {
  await sh('umoci', ['init', '--layout', layout]);
  await sh('umoci', ['new', '--image', `${layout}:latest`]);
  await sh('umoci', ['config', '--image', `${layout}:latest`, '--config.cmd', '/bin/sh',
    '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--author', 'layerwright interop']);
  await sh('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
  await sh('rsync', ['-aH', '--delete', `${rootfs}/`, `${bundle}/rootfs/`]);
  await sh('umoci', ['repack', '--image', `${layout}:latest`, '--history.created_by', 'lwi fixture: classic-layout base', bundle]);
  await sh('umoci', ['gc', '--layout', layout]);
  rmSync(bundle, { recursive: true, force: true });
}

/**
 * The seed's steps (DESIGN.md 1–2) on a copy of `baseLayout` into `layout`: unpack, delete each SEED_DIRS directory
 * that the app makes a symlink, rsync the app over it, umoci repack (→ whiteouts under the new symlinks).
 * `config` (umoci config flags, e.g. --config.cmd) is applied to the result.
 */
export async function seedMerge(
  layout: string, baseLayout: string, appRootfs: string, bundle: string, sh: Sh, baseRootfs?: string, config: string[] = [],
): Promise<{ replacedDirs: string[]; lostInBroken: string[] }> {
  const replacedDirs: string[] = [];
  const lostInBroken: string[] = [];
  await sh('cp', ['-a', baseLayout, layout]);
  await sh('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
  const rootfs = join(bundle, 'rootfs');
  for (const d of SEED_DIRS) {
    const inBase = lstatOrNull(join(rootfs, d));
    const inApp = lstatOrNull(join(appRootfs, d));
    if (inBase?.isDirectory() && inApp?.isSymbolicLink()) {
      replacedDirs.push(d);
      // What a whiteout written through the new symlink deletes: the same name under the symlink's target.
      const target = join(dirname(d), readlinkSync(join(appRootfs, d)));
      if (baseRootfs)
        for (const child of readdirSync(join(rootfs, d))) if (lstatOrNull(join(baseRootfs, target, child))) lostInBroken.push(join(target, child));
      rmSync(join(rootfs, d), { recursive: true, force: true });
    }
  }
  await sh('rsync', ['-a', '--no-owner', '--no-group', `${appRootfs}/`, `${rootfs}/`]);
  await sh('umoci', ['repack', '--image', `${layout}:latest`, '--history.created_by', 'lwi fixture: seed merge of a merged-usr app', bundle]);
  if (config.length) await sh('umoci', ['config', '--image', `${layout}:latest`, ...config]);
  await sh('umoci', ['gc', '--layout', layout]);
  rmSync(bundle, { recursive: true, force: true });
  return { replacedDirs, lostInBroken };
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
