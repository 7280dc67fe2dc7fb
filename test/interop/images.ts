// Image-level checks with the real engines (API documented at the top of engines.ts). Every helper takes the
// Engines first, so a test file can use the shared daemons of the run or its own.
import { existsSync, mkdirSync, rmSync, statSync, lstatSync, readdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './exec';
import type { Engines } from './engines';

export interface Entry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  link?: string;
  rdev?: string;
  sha256?: string;
  /** Smallest path of the hardlink group this file belongs to (only when the group has ≥ 2 paths). */
  hardlink?: string;
}
export type Listing = Entry[];

const ROOTFS_PY = fileURLToPath(new URL('./rootfs.py', import.meta.url));
const PYTHON = process.env.INTEROP_PYTHON ?? 'python3';
const LONG = 900_000;

function id(): string {
  return randomBytes(4).toString('hex');
}

async function rootfsPy(args: string[]): Promise<any> {
  const r = await run(PYTHON, [ROOTFS_PY, ...args], { timeoutMs: LONG });
  return JSON.parse(r.stdout);
}

/** A layout dir for `input`: the dir itself, or the archive extracted into a temp dir (caller removes `cleanup`). */
async function asLayoutDir(e: Engines, input: string): Promise<{ dir: string; cleanup?: string }> {
  if (statSync(input).isDirectory()) return { dir: input };
  const dir = e.tmpdir('layout');
  await run('tar', ['-C', dir, '-xf', input], { timeoutMs: LONG });
  return { dir, cleanup: dir };
}

// --- Docker ------------------------------------------------------------------------------------------------------

export interface DockerLoad {
  ok: boolean;
  /** Names (or `sha256:` ids) from "Loaded image: …" / "Loaded image ID: …". */
  images: string[];
  result: RunResult;
}

/** `docker load -i archive`; never throws on a load failure (the defect tests need the error text). */
export async function dockerLoad(e: Engines, archive: string): Promise<DockerLoad> {
  const result = await e.docker(['load', '-i', archive], { check: false, timeoutMs: LONG });
  const images = [...result.stdout.matchAll(/^Loaded image(?: ID)?: (\S+)$/gm)].map((m) => m[1]);
  return { ok: result.code === 0 && images.length > 0, images, result };
}

/** Load, then `docker run --rm --network none IMAGE ...cmd` (check: false; look at run.code/stdout). */
export async function dockerLoadAndRun(e: Engines, archive: string, cmd: string[], opts: { runArgs?: string[] } = {}): Promise<{ load: DockerLoad; run?: RunResult }> {
  const load = await dockerLoad(e, archive);
  if (!load.ok) return { load };
  const r = await e.docker(['run', '--rm', '--network', 'none', ...(opts.runArgs ?? []), load.images[0], ...cmd], { check: false, timeoutMs: 300_000 });
  return { load, run: r };
}

/** `docker create` + `docker export` → listing of the container rootfs (includes Docker's init-layer paths). */
export async function exportedRootfsListing(e: Engines, image: string): Promise<Listing> {
  const created = await e.docker(['create', '--network', 'none', image, '/lwi-not-run'], { timeoutMs: 120_000 });
  const cid = created.stdout.trim();
  const out = join(e.tmpdir('export'), 'rootfs.tar');
  try {
    await e.docker(['export', '-o', out, cid], { timeoutMs: LONG });
    return await rootfsPy(['list-tar', out]);
  } finally {
    await e.docker(['rm', '-f', cid], { check: false });
    rmSync(out, { force: true });
  }
}

// --- containerd ----------------------------------------------------------------------------------------------------

export interface ContainerdImport {
  ok: boolean;
  result: RunResult;
  namespace: string;
  /** Image names and manifest (or index) digests as `ctr images ls` shows them. */
  images: { name: string; digest: string }[];
  /** chain IDs of the first image's layers, bottom to top. */
  chainIds: string[];
  /** overlayfs: each layer's own snapshot dir (…/snapshots/N/fs), bottom to top. Empty for other snapshotters. */
  layerDirs: string[];
}

function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? 'sha256:' + createHash('sha256').update(`${prev} ${d}`).digest('hex') : d);
  }
  return out;
}

async function ctrJson(e: Engines, ns: string, digest: string): Promise<any> {
  return JSON.parse((await e.ctrNs(ns, ['content', 'get', digest])).stdout);
}

async function snapshotMounts(e: Engines, ns: string, snapshotter: string, parent: string): Promise<{ key: string; mounts: { Type: string; Source: string; Options: string[] }[] }> {
  const key = `lwi-view-${id()}`;
  const r = await e.ctrNs(ns, ['snapshots', '--snapshotter', snapshotter, 'view', '--mounts', key, parent]);
  return { key, mounts: JSON.parse(r.stdout) };
}

/** `ctr images import` into a fresh namespace (unpacked with the overlayfs snapshotter unless told otherwise). */
export async function containerdImport(e: Engines, archive: string, opts: { snapshotter?: string } = {}): Promise<ContainerdImport> {
  const ns = `lwi-${id()}`;
  const snapshotter = opts.snapshotter ?? e.info.snapshotter;
  const result = await e.ctrNs(ns, ['images', 'import', '--snapshotter', snapshotter, archive], { check: false, timeoutMs: LONG });
  const res: ContainerdImport = { ok: result.code === 0, result, namespace: ns, images: [], chainIds: [], layerDirs: [] };
  if (!res.ok) return res;
  const ls = await e.ctrNs(ns, ['images', 'ls']);
  for (const line of ls.stdout.trim().split('\n').slice(1)) {
    const [name, , digest] = line.trim().split(/\s+/);
    if (name && digest?.startsWith('sha256:')) res.images.push({ name, digest });
  }
  if (!res.images.length) return res;
  let manifest = await ctrJson(e, ns, res.images[0].digest);
  if (manifest.manifests) {
    const m = manifest.manifests.find((d: any) => !d.platform || (d.platform.os === 'linux' && d.platform.architecture === 'amd64')) ?? manifest.manifests[0];
    manifest = await ctrJson(e, ns, m.digest);
  }
  const config = await ctrJson(e, ns, manifest.config.digest);
  res.chainIds = chainIds(config.rootfs.diff_ids);
  if (snapshotter === 'overlayfs' && res.chainIds.length) {
    const { key, mounts } = await snapshotMounts(e, ns, snapshotter, res.chainIds[res.chainIds.length - 1]);
    await e.ctrNs(ns, ['snapshots', '--snapshotter', snapshotter, 'rm', key], { check: false });
    const m = mounts[0];
    if (m.Type === 'bind') res.layerDirs = [m.Source];
    else {
      const lower = m.Options.find((o) => o.startsWith('lowerdir='))!.slice('lowerdir='.length);
      res.layerDirs = lower.split(':').reverse(); // overlay lists the top layer first
    }
  }
  return res;
}

export interface WhiteoutDevice {
  /** Layer index, 0 = bottom. */
  layer: number;
  path: string;
  /** The layer tar holds a whiteout for exactly this path (a legitimate overlay whiteout). */
  expected: boolean;
}

function findCharDevices(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, p));
      if (st.isDirectory()) walk(p);
      else if (st.isCharacterDevice() && st.rdev === 0) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/** 0/0 char devices (overlay whiteouts) in each layer snapshot after a containerd import (overlayfs only). */
export async function containerdWhiteoutDevices(e: Engines, archive: string): Promise<WhiteoutDevice[]> {
  const imp = await containerdImport(e, archive, { snapshotter: 'overlayfs' });
  if (!imp.ok) throw new Error(`ctr import failed:\n${imp.result.stderr}\n${e.logs()}`);
  const literal: string[][] = await rootfsPy(['whiteouts', archive]);
  const out: WhiteoutDevice[] = [];
  imp.layerDirs.forEach((dir, layer) => {
    const expected = new Set(literal[layer] ?? []);
    for (const path of findCharDevices(dir)) out.push({ layer, path, expected: expected.has(path) });
  });
  return out;
}

/** True when containerd's unpack made whiteout devices the image's layers did not ask for (the defect). */
export async function containerdImportHasWhiteoutDevices(e: Engines, archive: string): Promise<boolean> {
  return (await containerdWhiteoutDevices(e, archive)).some((d) => !d.expected);
}

/** The merged rootfs containerd would give a container: a read-only view of the top snapshot, mounted and listed. */
export async function containerdRootfsListing(e: Engines, archive: string, opts: { snapshotter?: string } = {}): Promise<Listing> {
  const snapshotter = opts.snapshotter ?? e.info.snapshotter;
  const imp = await containerdImport(e, archive, { snapshotter });
  if (!imp.ok) throw new Error(`ctr import failed:\n${imp.result.stderr}\n${e.logs()}`);
  const { key, mounts } = await snapshotMounts(e, imp.namespace, snapshotter, imp.chainIds[imp.chainIds.length - 1]);
  const target = e.tmpdir('ctr-view');
  try {
    const m = mounts[0];
    await run('mount', ['-t', m.Type, '-o', m.Options.join(','), m.Source, target]);
    try {
      return await rootfsPy(['list-dir', target]);
    } finally {
      await run('umount', [target], { check: false });
    }
  } finally {
    await e.ctrNs(imp.namespace, ['snapshots', '--snapshotter', snapshotter, 'rm', key], { check: false });
    rmSync(target, { recursive: true, force: true });
  }
}

// --- podman, skopeo, umoci, oci-image-tool ------------------------------------------------------------------------

/**
 * `podman load -i archive` → the loaded image's ID (an OCI archive tagged only `latest` loads as
 * `localhost/latest:latest`, so names collide between fixtures; the ID does not). Throws on failure.
 */
export async function podmanLoad(e: Engines, archive: string): Promise<string> {
  const r = await e.podman(['load', '-i', archive], { timeoutMs: LONG });
  const m = /^Loaded image(?:\(s\))?: (.+)$/m.exec(r.stdout);
  if (!m) throw new Error(`podman load: no image name in output:\n${r.stdout}`);
  const name = m[1].split(',')[0].trim();
  return (await e.podman(['image', 'inspect', '--format', '{{.Id}}', name])).stdout.trim();
}

/** `podman run --rm --network none IMAGE ...cmd` (check: false; look at code/stdout). */
export function podmanRun(e: Engines, image: string, cmd: string[]): Promise<RunResult> {
  return e.podman(['run', '--rm', '--network', 'none', image, ...cmd], { check: false, timeoutMs: 300_000 });
}

/** podman create + export → listing of the rootfs podman gives a container. */
export async function podmanExportedListing(e: Engines, image: string): Promise<Listing> {
  const cid = (await e.podman(['create', '--network', 'none', image, '/lwi-not-run'])).stdout.trim().split('\n').pop()!;
  const out = join(e.tmpdir('pexport'), 'rootfs.tar');
  try {
    await e.podman(['export', '-o', out, cid], { timeoutMs: LONG });
    return await rootfsPy(['list-tar', out]);
  } finally {
    await e.podman(['rm', '-f', cid], { check: false });
    rmSync(out, { force: true });
  }
}

/** `skopeo copy SRC DST` (transports spelled out, e.g. `oci-archive:a.tar:latest`); verifies every blob digest. */
export function skopeoCopy(e: Engines, src: string, dst: string): Promise<RunResult> {
  return e.skopeo(['copy', src, dst], { timeoutMs: LONG });
}

export async function skopeoInspect(e: Engines, ref: string, opts: { config?: boolean; raw?: boolean } = {}): Promise<any> {
  const r = await e.skopeo(['inspect', ...(opts.config ? ['--config'] : []), ...(opts.raw ? ['--raw'] : []), ref]);
  return JSON.parse(r.stdout);
}

/** `umoci unpack` (verifies digests and diff_ids, applies whiteouts) → listing of the rootfs. */
export async function umociUnpackListing(e: Engines, input: string, tag = 'latest'): Promise<Listing> {
  const { dir, cleanup } = await asLayoutDir(e, input);
  const bundle = join(e.tmpdir('umoci'), 'bundle');
  try {
    await e.umoci(['unpack', '--image', `${dir}:${tag}`, bundle], { timeoutMs: LONG });
    return await rootfsPy(['list-dir', join(bundle, 'rootfs')]);
  } finally {
    rmSync(join(bundle, '..'), { recursive: true, force: true });
    if (cleanup) rmSync(cleanup, { recursive: true, force: true });
  }
}

/**
 * `oci-image-tool validate --type image --ref name=TAG LAYOUT_DIR` (schema + digests of the manifest, config and
 * layers the tag points at; knows OCI v1.0 media types only). Archives are extracted first: the tool's own tar
 * reader fails on `./`-prefixed archives ("find failed: unable to walk"), and `--type imageLayout` is unimplemented.
 */
export async function ociImageToolValidate(e: Engines, input: string, opts: { tag?: string; check?: boolean } = {}): Promise<RunResult> {
  const { dir, cleanup } = await asLayoutDir(e, input);
  try {
    return await run('oci-image-tool', ['validate', '--type', 'image', '--ref', `name=${opts.tag ?? 'latest'}`, dir], { check: opts.check ?? true, timeoutMs: LONG });
  } finally {
    if (cleanup) rmSync(cleanup, { recursive: true, force: true });
  }
}

/** The rootfs the OCI layer rules predict for an OCI layout dir, OCI archive or docker-archive (python tarfile). */
export function predictedRootfs(input: string, tag?: string): Promise<Listing> {
  if (!existsSync(input)) throw new Error(`no such image: ${input}`);
  return rootfsPy(['predict', input, ...(tag ? [tag] : [])]);
}

/** Listing of a tar file taken as one filesystem snapshot (no whiteout semantics). */
export function tarListing(tar: string): Promise<Listing> {
  return rootfsPy(['list-tar', tar]);
}

/** Listing of a directory tree. */
export function dirListing(dir: string): Promise<Listing> {
  return rootfsPy(['list-dir', dir]);
}

// --- comparing listings ------------------------------------------------------------------------------------------

/** Paths Docker's init layer adds to every container (and `docker export` includes). */
export const DOCKER_INIT_PATHS = ['.dockerenv', 'dev', 'proc', 'sys', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab'];

export function isDockerInitPath(p: string): boolean {
  return DOCKER_INIT_PATHS.some((d) => p === d || ((d === 'dev' || d === 'proc' || d === 'sys') && p.startsWith(d + '/')));
}

export interface DiffOptions {
  /** Paths to leave out on both sides (default: Docker's init-layer paths). */
  ignore?: (path: string) => boolean;
  /** Fields compared (default all; `mode` is never compared for symlinks). */
  fields?: (keyof Entry)[];
  /** Stop after this many differences (default 200). */
  limit?: number;
}

const FIELDS: (keyof Entry)[] = ['type', 'mode', 'uid', 'gid', 'size', 'link', 'rdev', 'sha256', 'hardlink'];

/** Human-readable differences between two listings: "missing …", "extra …", "changed …"; [] when equal. */
export function diffListings(expected: Listing, actual: Listing, opts: DiffOptions = {}): string[] {
  const ignore = opts.ignore ?? isDockerInitPath;
  const fields = opts.fields ?? FIELDS;
  const limit = opts.limit ?? 200;
  const a = new Map(expected.filter((x) => !ignore(x.path)).map((x) => [x.path, x]));
  const b = new Map(actual.filter((x) => !ignore(x.path)).map((x) => [x.path, x]));
  const out: string[] = [];
  for (const [p, x] of a) {
    const y = b.get(p);
    if (!y) out.push(`missing ${p} (${x.type})`);
    else {
      const d = fields.filter((f) => !(f === 'mode' && x.type === 'symlink') && x[f] !== y[f])
        .map((f) => `${f}: ${fmt(f, x[f])} → ${fmt(f, y[f])}`);
      if (d.length) out.push(`changed ${p}: ${d.join(', ')}`);
    }
    if (out.length >= limit) return out.concat('…');
  }
  for (const [p, y] of b) {
    if (!a.has(p)) out.push(`extra ${p} (${y.type})`);
    if (out.length >= limit) return out.concat('…');
  }
  return out;
}

function fmt(f: keyof Entry, v: unknown): string {
  if (v === undefined) return '-';
  if (f === 'mode') return (v as number).toString(8);
  if (f === 'sha256') return String(v).slice(0, 12);
  return String(v);
}

/** Make a dir (recursively) and return it; small convenience for tests. */
export function ensureDir(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}
