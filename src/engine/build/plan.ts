// What goes into the new layer for one app rootfs, given the merged view below it (base layers, plus earlier
// rootfs layers when several are stacked). Merge semantics are those of the seed's `rsync -a` over the unpacked
// base: the app's entries win, everything else of the base stays (the layer only ADDS). Therefore:
//  - the layer never holds a whiteout. An app symlink over a base directory (bin -> usr/bin, var/log ->
//    volatile/log, any path) is the symlink entry alone: by the OCI rules a non-directory replaces the lower
//    directory with its whole subtree, so whiteouts under it are redundant — and the seed's defect.
//  - usrmerge carry-over (opt-in): when the app turns a base directory into a symlink to another directory, the
//    base's files of the old directory are written into the target inside the new layer, so /bin/sh and the
//    dynamic loader keep working. Conflicts are resolved the way Debian's usrmerge (convert-usrmerge) does:
//    identical files collapse; a link at the new location pointing back to the old one is replaced by the real
//    file; an old-location link to its new location is dropped; the app's own files always win; anything else
//    is a real conflict: listed, and the new location keeps what the base has there.
//  - drop-identical (opt-in): app entries equal to what is below (type, mode, owner, xattrs, content/target)
//    are left out.
//
// planLayer is run twice by the caller: a dry run that only records which base bytes it needs (ContentAccess),
// then, once those are fetched, the real run. Both runs are deterministic and take the same decisions.

import { ancestorsOf, resolveLinkTarget } from '../layers/paths';
import { LwError } from '../errors';
import { sliceStream } from '../io';
import { Sha256 } from '../digest/sha256';
import { comparePaths, isUnder, type MergedFs } from '../layers/merge';
import { resolvedPath as resolvePath, type Lookup } from '../layers/resolve';
import type { BuildWarning, CarryConflict, FsNode } from './types';
import { redirectThroughBaseLinks, type Redirect } from './redirect';

export interface PlanOptions {
  usrmergeCarry?: boolean;
  dropIdentical?: boolean;
}

export interface CarriedDir {
  /** The app symlink that replaced a base directory. */
  from: string;
  /** The directory the base's files were carried into. */
  to: string;
  /** Entries written into `to`. */
  carried: number;
}

export interface LayerPlan {
  /** Entries of the new layer, sorted by path. */
  nodes: FsNode[];
  /** Base directories replaced by an app symlink (no whiteouts written for them). */
  replacedDirs: string[];
  carriedDirs: CarriedDir[];
  conflicts: CarryConflict[];
  /** App directories written through the base's directory symlinks (classic app on a merged-usr base). */
  redirected: Redirect[];
  /** App entries left out because they equal the base (drop-identical). */
  dropped: string[];
  warnings: BuildWarning[];
}

/** Hashes node content on demand; in a dry run, records base nodes whose bytes are not fetched yet. */
export class ContentAccess {
  readonly needs = new Set<FsNode>();

  /** The caller will need this node's bytes (a carried file). */
  need(n: FsNode): void {
    if ((n.type === 'file' || n.type === 'hardlink') && !n.content) this.needs.add(n);
  }

  async hash(n: FsNode): Promise<string | undefined> {
    if (n.hash) return n.hash;
    if (!n.content) {
      this.needs.add(n);
      return undefined;
    }
    const h = new Sha256();
    const reader = sliceStream(n.content).getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      h.update(r.value);
    }
    n.hash = h.hex();
    return n.hash;
  }
}

const fileLike = (n: FsNode) => n.type === 'file' || n.type === 'hardlink';

function sameXattrs(a: FsNode, b: FsNode): boolean {
  const ka = Object.keys(a.xattrs ?? {}).sort();
  const kb = Object.keys(b.xattrs ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.xattrs![k] === b.xattrs![k]);
}

/** Same file as far as a container can tell (mtime aside). undefined = content not known yet (dry run). */
async function identical(a: FsNode, b: FsNode, access: ContentAccess): Promise<boolean | undefined> {
  if (a.type !== b.type || a.type === 'hardlink') return false;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || !sameXattrs(a, b)) return false;
  switch (a.type) {
    case 'file': {
      if (a.size !== b.size) return false;
      const hb = await access.hash(b);
      if (hb === undefined) return undefined;
      return (await access.hash(a)) === hb;
    }
    case 'symlink':
      return a.linkpath === b.linkpath;
    case 'char':
    case 'block':
      return a.devmajor === b.devmajor && a.devminor === b.devminor;
    default:
      return true;
  }
}

/** Same bytes for two file-like nodes (metadata aside), as usrmerge compares them. */
async function sameContent(a: FsNode, b: FsNode, access: ContentAccess): Promise<boolean | undefined> {
  if (a.size !== b.size && a.content && b.content) return false;
  const ha = await access.hash(a);
  const hb = await access.hash(b);
  if (ha === undefined || hb === undefined) return undefined;
  return ha === hb;
}

/**
 * A relative symlink moved from `from` to `to` keeps its text when it still points at the same thing (through
 * the old directory's new symlink); otherwise it becomes absolute, resolved from its old place.
 */
function movedLinkTarget(from: string, to: string, linkpath: string, oldDir: string, newDir: string): string {
  if (linkpath.startsWith('/')) return linkpath;
  const oldTarget = resolveLinkTarget(from, linkpath).path;
  const mapped = isUnder(oldTarget, oldDir) ? newDir + oldTarget.slice(oldDir.length) : oldTarget;
  return resolveLinkTarget(to, linkpath).path === mapped ? linkpath : `/${oldTarget}`;
}

export async function planLayer(input: Map<string, FsNode>, view: MergedFs<FsNode>, opts: PlanOptions, access: ContentAccess): Promise<LayerPlan> {
  const out = new Map<string, FsNode>();
  const plan: LayerPlan = { nodes: [], replacedDirs: [], carriedDirs: [], redirected: [], conflicts: [], dropped: [], warnings: [] };
  let app = input;
  if (opts.usrmergeCarry) {
    const r = await redirectThroughBaseLinks(input, view, access);
    app = r.app;
    plan.redirected = r.redirects;
    plan.conflicts.push(...r.conflicts);
  }
  // Files other app entries hardlink to: never dropped, so the links keep a target in this layer.
  const linkTargets = new Set<string>();
  for (const n of app.values()) if (n.type === 'hardlink') linkTargets.add(n.linkpath);

  const paths = [...app.keys()].sort(comparePaths);
  for (const p of paths) {
    const n = app.get(p)!;
    const hiddenBy = ancestorsOf(p).find((a) => {
      const an = app.get(a);
      return an !== undefined && an.type !== 'dir';
    });
    if (hiddenBy !== undefined) {
      plan.warnings.push({
        code: 'under-app-symlink',
        path: p,
        message: `${p} lies below ${hiddenBy}, which the same rootfs makes a ${app.get(hiddenBy)!.type}: left out (an engine would write it through the link or fail).`,
      });
      continue;
    }
    const lower = view.get(p);
    if (lower?.type === 'dir' && n.type !== 'dir') plan.replacedDirs.push(p);
    if (lower?.type === 'symlink' && n.type === 'dir')
      plan.warnings.push({
        code: 'dir-over-symlink',
        path: p,
        message: `The rootfs has a directory ${p}/ where the base has a symlink ${p} -> ${lower.linkpath}: the directory replaces the link, hiding what it pointed to.`,
      });
    if (opts.dropIdentical && lower && !linkTargets.has(p) && (await identical(n, lower, access))) {
      plan.dropped.push(p);
      continue;
    }
    out.set(p, n);
  }

  if (opts.usrmergeCarry) await carry(app, out, view, plan, access);
  plan.nodes = [...out.values()].sort((a, b) => comparePaths(a.path, b.path));
  return plan;
}

/** The app's own non-directories, to the jailed resolver: not a directory, never followed. */
const JAIL_STOP = { type: 'file' as const, linkpath: '' };

async function carry(app: Map<string, FsNode>, out: Map<string, FsNode>, view: MergedFs<FsNode>, plan: LayerPlan, access: ContentAccess): Promise<void> {
  // The filesystem after this layer: its entries over the view, a non-directory hiding the view below it.
  const lookup: Lookup<FsNode> = (p) => {
    const o = out.get(p);
    if (o) return o;
    for (const a of ancestorsOf(p)) {
      const oa = out.get(a);
      if (oa && oa.type !== 'dir') return undefined;
    }
    return view.get(p);
  };
  const symlinks = [...out.values()].filter((n) => n.type === 'symlink' && view.get(n.path)?.type === 'dir');
  symlinks.sort((a, b) => comparePaths(a.path, b.path));
  for (const link of symlinks) {
    const oldDir = link.path;
    let newDir: string;
    try {
      // Jail: the target is resolved inside the root without following the app's own symlinks (a link of the
      // rootfs never leads build's writes elsewhere); reaching one is a bad target.
      newDir = resolvePath((p) => (app.get(p) && app.get(p)!.type !== 'dir' ? JAIL_STOP : lookup(p)), resolveLinkTarget(oldDir, link.linkpath).path);
    } catch (e) {
      if (!(e instanceof LwError)) throw e;
      plan.conflicts.push({ from: oldDir, to: link.linkpath, reason: 'bad-target', message: `${oldDir} -> ${link.linkpath} does not resolve: ${e.message}` });
      continue;
    }
    const target = lookup(newDir);
    const throughOwn = [newDir, ...ancestorsOf(newDir)].some((a) => (app.get(a)?.type ?? 'dir') !== 'dir');
    if (newDir === '' || throughOwn || isUnder(newDir, oldDir) || isUnder(oldDir, newDir) || (target && target.type !== 'dir')) {
      plan.conflicts.push({
        from: oldDir,
        to: newDir,
        reason: 'bad-target',
        message: `${oldDir} -> ${link.linkpath} does not lead to a separate directory, so the base's ${oldDir}/ cannot be carried over.`,
      });
      continue;
    }
    let count = 0;
    const emit = (n: FsNode) => {
      out.set(n.path, n);
      count++;
    };
    if (!target) {
      // The link points to a directory nobody has: make it (and missing parents) like the old directory.
      const old = view.get(oldDir)!;
      for (const a of [...ancestorsOf(newDir)].reverse())
        if (!lookup(a)) emit({ ...old, path: a, mode: 0o755, uid: 0, gid: 0, xattrs: undefined, base: undefined });
      emit({ ...old, path: newDir, base: undefined });
    }
    const blocked: string[] = [];
    for (const from of view.descendants(oldDir)) {
      if (blocked.length && blocked.some((b) => isUnder(from, b))) continue;
      const src = view.get(from)!;
      const to = newDir + from.slice(oldDir.length);
      const conflict = (reason: CarryConflict['reason'], message: string) => {
        plan.conflicts.push({ from, to, reason, message });
        if (src.type === 'dir') blocked.push(from);
      };
      if (app.has(to)) {
        // The app's own entry wins; a base directory's children cannot go below an app non-directory.
        if (src.type === 'dir' && app.get(to)!.type !== 'dir') blocked.push(from);
        continue;
      }
      const existing = lookup(to);
      const moved: FsNode = { ...src, path: to };
      if (src.type === 'symlink') moved.linkpath = movedLinkTarget(from, to, src.linkpath, oldDir, newDir);
      if (src.type === 'hardlink' && isUnder(src.linkpath, oldDir)) moved.linkpath = newDir + src.linkpath.slice(oldDir.length);
      if (!existing) {
        access.need(src);
        emit(moved);
        continue;
      }
      if (existing.type === 'dir' && src.type === 'dir') continue; // merged: children follow
      if (src.type === 'symlink' && resolveLinkTarget(from, src.linkpath).path === to) continue; // old name -> new name
      if (existing.type === 'symlink' && resolveLinkTarget(to, existing.linkpath).path === from) {
        // The new location only pointed back to the old one: the real file takes its place.
        access.need(src);
        emit(moved);
        continue;
      }
      if (src.type === 'symlink' && existing.type === 'symlink') {
        if (resolveLinkTarget(from, src.linkpath).path === resolveLinkTarget(to, existing.linkpath).path) continue;
        conflict('both-differ', `${from} and ${to} are different symlinks (${src.linkpath} vs ${existing.linkpath}); ${to} is kept.`);
        continue;
      }
      if (fileLike(src) && fileLike(existing)) {
        const same = await sameContent(src, existing, access);
        if (same === undefined || same) continue; // identical: collapse (or not known yet in the dry run)
        conflict('both-differ', `${from} and ${to} are different files; ${to} is kept.`);
        continue;
      }
      conflict(
        (src.type === 'dir') !== (existing.type === 'dir') ? 'type-clash' : 'both-differ',
        `${from} is a ${src.type} but ${to} is a ${existing.type}; ${to} is kept.`,
      );
    }
    plan.carriedDirs.push({ from: oldDir, to: newDir, carried: count });
  }
}
