// A merged filesystem view: what a container would see after extracting some layers, keyed by cleaned path.
// Only metadata (FsNode) is held, never content, so memory grows with the number of entries. Applying an upper
// entry follows the OCI layer rules (image-spec layer.md): a non-directory replaces whatever was there with its
// whole subtree; a directory over a directory only updates metadata and keeps the children; whiteouts delete.

import { parentOf, resolveLinkTarget } from '../layers/paths';
import { LwError } from '../errors';
import type { FsNode } from './types';

export class FsView {
  private readonly nodes = new Map<string, FsNode>();
  /** Directory path -> paths of its children present in `nodes` (the root is ''). */
  private readonly children = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(path: string): FsNode | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  /** Extracts one upper-layer entry (not a whiteout) over the view. */
  put(node: FsNode): void {
    const old = this.nodes.get(node.path);
    if (old && !(old.type === 'dir' && node.type === 'dir')) this.remove(node.path);
    this.nodes.set(node.path, node);
    if (node.path === '') return;
    const parent = parentOf(node.path);
    let set = this.children.get(parent);
    if (!set) this.children.set(parent, (set = new Set()));
    set.add(node.path);
  }

  /** Deletes a path and everything below it (a whiteout, or a replacement by a non-directory). */
  remove(path: string): void {
    if (!this.nodes.has(path) && !this.children.has(path)) return;
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

  /** Every path strictly below `path`, sorted (parents before children). */
  descendants(path: string): string[] {
    const out: string[] = [];
    const stack = [path];
    while (stack.length) {
      const kids = this.children.get(stack.pop()!);
      if (!kids) continue;
      for (const k of kids) {
        out.push(k);
        stack.push(k);
      }
    }
    return out.sort(comparePaths);
  }

  *entries(): IterableIterator<FsNode> {
    yield* this.nodes.values();
  }
}

/** Total order on cleaned paths; any plain string order puts a parent before its children (it is their prefix). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Looks up a path in a view; `lookup` may layer several sources (the new layer over the base). */
export type Lookup = (path: string) => FsNode | undefined;

/**
 * Resolves every symlink along `path` (the final component too), the way the kernel resolves it inside the
 * container's root. Throws `symlink-loop` after 40 links, like Linux.
 */
export function resolvePath(lookup: Lookup, path: string): string {
  let hops = 0;
  const walk = (p: string): string => {
    let cur = '';
    for (const comp of p.split('/')) {
      if (comp === '') continue;
      const next = cur === '' ? comp : `${cur}/${comp}`;
      const n = lookup(next);
      if (n?.type === 'symlink') {
        if (++hops > 40) throw new LwError('symlink-loop', `Too many symlinks resolving ${path}.`, { entry: path });
        cur = walk(resolveLinkTarget(next, n.linkpath).path);
      } else cur = next;
    }
    return cur;
  };
  return walk(path);
}

/** True when `path` is `dir` or below it. */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}
