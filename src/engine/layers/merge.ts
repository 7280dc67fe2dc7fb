// The one merged-filesystem model: what a container sees after extracting layers 0..N, keyed by cleaned path.
// It holds metadata only (whatever node type the caller keeps: type, link target, mode, where it came from), never
// content, so memory grows with the number of entries. diagnose, build (base view, carry-over), fix (carry-over)
// and the Files view all apply layers through `applyLayer` here.
//
// The OCI layer rules (image-spec layer.md) it applies:
//  - whiteouts act on LOWER layers only, so a layer's whiteouts go first: `d/.wh.x` deletes `d/x` with its subtree,
//    `d/.wh..wh..opq` deletes every lower child of `d` (keeping `d`); bare `.wh.` and other `.wh..wh.*` delete nothing;
//  - a non-directory over anything, or a directory over a non-directory, replaces the old path with its subtree;
//    a directory over a directory keeps the children (only its metadata changes).
//
// Where the engines differ, the model computes ONE behaviour, chosen by `parents` (see ParentRule); applyLayer
// returns the entries where the other one would differ, so diagnose can say what each engine does:
//  - 'replace' (default; Docker overlay2, podman, the overlayfs snapshotters): a layer is extracted into an empty
//    upper directory, so an entry under a LOWER non-directory (`lib/x` over a lower `lib -> usr/lib`) creates a real
//    directory `lib` that replaces the link. Whiteouts under a same-layer symlink are moot (the link replaces).
//  - 'follow' (what containerd does with the whiteouts of its own layer; the literal reading "write the path as
//    it resolves"): such an entry or whiteout goes through the symlink, resolved inside the root (resolve.ts), and
//    lands at the link's target; a file used as a directory is still replaced.

import type { TarEntryType } from '../tar/types';
import { ancestorsOf, parentOf, type PathProblem } from './paths';
import { isWhiteout, opaqueDir, whiteoutTarget } from './whiteout';
import { resolve, type LinkNode, type Lookup } from './resolve';

export type ParentRule = 'replace' | 'follow';

/** The least a node of the model has. */
export interface MergedNode extends LinkNode {
  /** Cleaned relative path ('' is the root). */
  path: string;
}

/** What applyLayer needs of a layer entry (a scan entry, a tar header turned into a node...). */
export interface LayerEntryLike {
  /** Cleaned relative path. */
  path: string;
  type: TarEntryType;
  pathProblem?: PathProblem;
}

/** An entry (or whiteout) whose result depends on the parent rule: the other rule would put it at `otherPath`. */
export interface Divergence {
  /** The entry's own (cleaned) path. */
  path: string;
  /** The lower (or same-layer, for whiteouts) non-directory on its way. */
  through: string;
  /** Where this model put it ('' when a whiteout acted on nothing) and where the other rule would. */
  placed: string;
  otherPath: string;
  whiteout: boolean;
}

export class MergedFs<N extends MergedNode = MergedNode> {
  private readonly nodes = new Map<string, N>();
  /** Directory path -> paths of its children present in `nodes` (the root is ''). */
  private readonly children = new Map<string, Set<string>>();

  constructor(readonly parents: ParentRule = 'replace') {}

  get size(): number {
    return this.nodes.size;
  }

  /** The node stored at a path (an entry some layer holds). */
  get(path: string): N | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  /** A directory no layer stores but extraction created (a parent of stored entries). */
  isImpliedDir(path: string): boolean {
    return !this.nodes.has(path) && (path === '' || (this.children.get(path)?.size ?? 0) > 0);
  }

  /** Lookup for resolve(): stored nodes, and implied directories as plain directories. */
  readonly lookup: Lookup<N | LinkNode> = (path) => this.nodes.get(path) ?? (this.isImpliedDir(path) ? IMPLIED_DIR : undefined);

  *entries(): IterableIterator<N> {
    yield* this.nodes.values();
  }

  /** Every stored path strictly below `path` (implied directories left out), sorted (parents before children). */
  descendants(path: string): string[] {
    const out: string[] = [];
    const stack = [path];
    while (stack.length) {
      const kids = this.children.get(stack.pop()!);
      if (!kids) continue;
      for (const k of kids) {
        if (this.nodes.has(k)) out.push(k);
        stack.push(k);
      }
    }
    return out.sort(comparePaths);
  }

  /** The nearest-to-root symlink at `path` or above it (through directories only). */
  symlinkAtOrAbove(path: string): N | undefined {
    for (const a of [...ancestorsOf(path).reverse(), path]) {
      const n = this.nodes.get(a);
      if (n?.type === 'symlink') return n;
      if (n && n.type !== 'dir') return undefined;
    }
    return undefined;
  }

  /** Deletes a path and everything below it (a whiteout, or a replacement by another type). */
  remove(path: string): void {
    this.removeChildren(path);
    this.nodes.delete(path);
    this.children.get(parentOf(path))?.delete(path);
  }

  /** Deletes every child of a directory, keeping it (an opaque whiteout). */
  removeChildren(path: string): void {
    const stack = [path];
    while (stack.length) {
      const p = stack.pop()!;
      const kids = this.children.get(p);
      if (!kids) continue;
      this.children.delete(p);
      for (const k of kids) {
        this.nodes.delete(k);
        stack.push(k);
      }
    }
  }

  /**
   * Extracts one entry (not a whiteout) at `node.path` exactly: a non-directory ancestor is replaced by an implied
   * directory (extraction creates missing parents), an old node of another kind is replaced with its subtree.
   * Use place() first to apply the parent rule.
   */
  put(node: N): void {
    const path = node.path;
    if (path !== '')
      for (const a of [...ancestorsOf(path).reverse()]) {
        const n = this.nodes.get(a);
        if (n && n.type !== 'dir') this.remove(a);
      }
    const old = this.nodes.get(path);
    if (old && !(old.type === 'dir' && node.type === 'dir')) this.remove(path);
    else if (!old && node.type !== 'dir' && this.children.has(path)) this.removeChildren(path);
    this.nodes.set(path, node);
    if (path === '') return;
    let child = path;
    for (const a of [...ancestorsOf(path), '']) {
      let set = this.children.get(a);
      if (!set) this.children.set(a, (set = new Set()));
      if (set.has(child)) break;
      set.add(child);
      child = a;
    }
  }

  /**
   * Where an entry at `path` lands under this model's parent rule, looking first at `own` (the same layer's
   * non-directories: their symlinks are followed by every engine, the layer being extracted into one directory).
   * Returns the path and, when the two rules disagree, the non-directory on the way.
   */
  place(path: string, own?: Map<string, LinkNode>): { path: string; through?: string; other?: string } {
    const parent = parentOf(path);
    if (parent === '') return { path };
    const ownLink = own && ancestorsOf(path).reverse().find((a) => own.get(a)?.type === 'symlink');
    const lowerNonDir = ancestorsOf(path).reverse().find((a) => {
      const n = this.nodes.get(a);
      return n !== undefined && n.type !== 'dir';
    });
    const through = ownLink ?? lowerNonDir;
    if (through === undefined) return { path };
    const look: Lookup = (p) => own?.get(p) ?? this.lookup(p);
    const r = resolve(look, parent);
    const followed = r.error === 'loop' || r.error === 'not-dir' ? path : joinPath(r.path, baseName(path));
    // A same-layer symlink is followed by every engine (on disk in the layer's directory); a lower one only by 'follow'.
    if (ownLink !== undefined) return { path: followed };
    if (this.nodes.get(through)!.type !== 'symlink' || followed === path) return { path };
    return this.parents === 'follow' ? { path: followed, through, other: path } : { path, through, other: followed };
  }

  /**
   * Applies one layer: its whiteouts first (they delete lower paths only), then its other entries in order.
   * `toNode` turns an entry into the stored node (or undefined to skip it); entries whose path climbs out of the
   * root are skipped (engines refuse them). Returns where the other parent rule would differ.
   */
  applyLayer<E extends LayerEntryLike>(entries: Iterable<E>, toNode: (e: E, path: string) => N | undefined): Divergence[] {
    const list = usable(entries);
    const own = ownNonDirs(list);
    const out = this.applyWhiteouts(list, own);
    for (const e of list) {
      if (isWhiteout(e.path)) continue;
      const p = this.place(e.path, own);
      if (p.through !== undefined) out.push({ path: e.path, through: p.through, placed: p.path, otherPath: p.other!, whiteout: false });
      const n = toNode(e, p.path);
      if (n) this.put(n);
    }
    return out;
  }

  /**
   * The whiteouts of one layer, on the lower layers (this model). Under a same-layer non-directory they are moot
   * with 'replace' (the link or file replaces the directory anyway: nothing is deleted) and written through a
   * same-layer symlink with 'follow' (containerd: a lower file at the link's target is deleted).
   */
  applyWhiteouts<E extends LayerEntryLike>(entries: Iterable<E>, own?: Map<string, LinkNode>): Divergence[] {
    const list = usable(entries);
    own ??= ownNonDirs(list);
    const out: Divergence[] = [];
    for (const e of list) {
      if (!isWhiteout(e.path)) continue;
      const target = whiteoutTarget(e.path);
      const dir = target !== undefined ? parentOf(e.path) : opaqueDir(e.path);
      if (dir === undefined) continue; // bare or reserved: deletes nothing
      let at = target ?? dir;
      const ownNonDir = dir === '' ? undefined : [dir, ...ancestorsOf(dir)].find((a) => own.has(a));
      if (ownNonDir !== undefined) {
        const r = own.get(ownNonDir)!.type === 'symlink' ? resolve((p) => own.get(p) ?? this.lookup(p), dir) : undefined;
        const through = !r || r.error === 'loop' || r.error === 'not-dir' ? undefined : target !== undefined ? joinPath(r.path, baseName(target)) : r.path;
        const follow = this.parents === 'follow' && through !== undefined;
        if (through !== undefined && through !== at)
          out.push({ path: e.path, through: ownNonDir, placed: follow ? through : '', otherPath: follow ? '' : through, whiteout: true });
        if (!follow) continue;
        at = through;
      }
      if (target !== undefined) this.remove(at);
      else this.removeChildren(at);
    }
    return out;
  }
}

function usable<E extends LayerEntryLike>(entries: Iterable<E>): E[] {
  return [...entries].filter((e) => e.pathProblem !== 'escapes-root' && e.path !== '');
}

/** A layer's own non-directories (not whiteouts): their symlinks are followed by every engine within the layer. */
function ownNonDirs(list: LayerEntryLike[]): Map<string, LinkNode> {
  const own = new Map<string, LinkNode>();
  for (const e of list) if (e.type !== 'dir' && !isWhiteout(e.path)) own.set(e.path, { type: e.type, linkpath: (e as { linkpath?: string }).linkpath ?? '' });
  return own;
}

const IMPLIED_DIR: LinkNode = { type: 'dir', linkpath: '' };

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Total order on cleaned paths; any plain string order puts a parent before its children (it is their prefix). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `path` is `dir` or below it. */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}
