// The other direction of the merged-usr break: a classic-layout app (real lib/, bin/ directories) on a
// merged-usr base (lib -> usr/lib). Extracted as is, the app's lib/ directory REPLACES the base's symlink and
// hides /usr/lib's files behind /lib (the dynamic loader disappears) — what `rsync -a` without --keep-dirlinks
// does too. With usrmerge carry-over on, the app's entries are written through the base's directory symlinks
// instead (lib/foo → usr/lib/foo, like `rsync -K`), and the base's symlink stays. Conflicts as usrmerge: an
// entry the app also has at the real place wins; identical ones collapse; others are listed.

import { ancestorsOf, baseOf, parentOf } from '../layers/paths';
import { LwError } from '../errors';
import type { MergedFs } from '../layers/merge';
import { resolvedPath as resolvePath, type LinkNode, type Lookup } from '../layers/resolve';
import type { CarryConflict, FsNode } from './types';

/** What a redirect needs of plan.ts's ContentAccess (declared here so the two modules do not import each other). */
interface ContentHasher {
  hash(n: FsNode): Promise<string | undefined>;
}

export interface Redirect {
  /** App directory that the base has as a symlink. */
  from: string;
  /** Where the app's entries below it were written. */
  to: string;
}

/** What the app's own non-directories look like to the resolver: not a directory, never followed. */
const STOP: LinkNode = { type: 'file', linkpath: '' };

export async function redirectThroughBaseLinks(
  app: Map<string, FsNode>,
  view: MergedFs<FsNode>,
  access: ContentHasher,
): Promise<{ app: Map<string, FsNode>; redirects: Redirect[]; conflicts: CarryConflict[] }> {
  // A base symlink is followed unless the app replaces it with a non-directory of its own. The app's own symlinks
  // are never followed (jail: build does not write through a link of its own rootfs): they end the walk, and an
  // entry below one stays where it is, for planLayer to leave out with a warning.
  const lookup: Lookup = (p) => {
    const v = view.get(p);
    const a = app.get(p);
    if (v?.type === 'symlink' && (!a || a.type === 'dir')) return v;
    if (a && a.type !== 'dir') return STOP;
    return a ?? v;
  };
  const underOwnNonDir = (p: string) => ancestorsOf(p).some((x) => (app.get(x)?.type ?? 'dir') !== 'dir');
  const isDirTarget = (p: string): boolean => {
    const n = app.get(p) ?? view.get(p);
    return !n || n.type === 'dir';
  };
  const redirects = new Map<string, string>();
  const moved = new Map<string, string>(); // old path -> new path
  const resolveParent = (p: string): string => {
    const parent = parentOf(p);
    if (parent === '') return '';
    try {
      return resolvePath(lookup, parent);
    } catch (e) {
      if (e instanceof LwError) return parent;
      throw e;
    }
  };
  for (const p of app.keys()) {
    const n = app.get(p)!;
    if (underOwnNonDir(p)) continue;
    const rp = resolveParent(p);
    const to = rp === '' ? baseOf(p) : `${rp}/${baseOf(p)}`;
    const v = view.get(to);
    if (n.type === 'dir' && v?.type === 'symlink') {
      // The app's directory where the base has a link: keep the link if it leads to a directory.
      let target: string | undefined;
      try {
        target = resolvePath(lookup, to);
      } catch (e) {
        if (!(e instanceof LwError)) throw e;
      }
      if (target !== undefined && target !== to && isDirTarget(target) && (view.get(target)?.type === 'dir' || app.get(target)?.type === 'dir')) {
        redirects.set(p, target);
        moved.set(p, '');
        continue;
      }
    }
    if (to !== p) moved.set(p, to);
  }
  if (moved.size === 0) return { app, redirects: [], conflicts: [] };

  const out = new Map<string, FsNode>();
  const conflicts: CarryConflict[] = [];
  // Hardlinks name app paths: follow their targets (copies: the input index is planned twice).
  const fix = (n: FsNode): FsNode => (n.type === 'hardlink' && moved.get(n.linkpath) ? { ...n, linkpath: moved.get(n.linkpath)! } : n);
  // Entries already at their real place first: they win over redirected ones.
  for (const [p, n] of app) if (!moved.has(p)) out.set(p, fix(n));
  for (const [p, orig] of app) {
    const n = fix(orig);
    const to = moved.get(p);
    if (to === undefined || to === '') continue;
    const there = out.get(to);
    const node: FsNode = { ...n, path: to };
    if (!there) {
      out.set(to, node);
      continue;
    }
    if (there.type === 'dir' && n.type === 'dir') continue;
    if (there.type === 'file' && n.type === 'file' && there.size === n.size && (await access.hash(there)) === (await access.hash(n))) continue;
    if (there.type === 'symlink' && n.type === 'symlink' && there.linkpath === n.linkpath) continue;
    conflicts.push({ from: p, to, reason: there.type === n.type ? 'both-differ' : 'type-clash', message: `${p} would be written to ${to}, which the rootfs also has (different); ${to} is kept.` });
  }
  const list = [...redirects].map(([from, to]) => ({ from, to })).sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  return { app: out, redirects: list, conflicts };
}
