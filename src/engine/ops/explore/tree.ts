// The file browser's folder tree, built from a listing (one layer's entries, the merged filesystem, or a compare's
// paths). Pure, no DOM: the page renders only `visibleRows` (the open part of the tree, flattened) through a virtual
// list, so a 200,000-entry layer costs one pass to build and one pass per expand/collapse to flatten.
// Whiteouts are not files: a whiteout sits on the path it deletes (`deleted`), an opaque marker on the folder whose
// lower contents it hides (`opaque`); neither adds bytes to a folder's total.

import type { TarEntryType } from '../../tar/types';

/** What a tree needs of a listing row. */
export interface TreeEntry {
  path: string;
  type: TarEntryType;
  size: number;
  whiteout?: 'file' | 'opaque';
  target?: string;
}

export type SortKey = 'name' | 'size';

export interface TreeNode<T extends TreeEntry = TreeEntry> {
  /** Last path segment ('' for the root). */
  name: string;
  /** Cleaned path ('' = root). */
  path: string;
  depth: number;
  parent: TreeNode<T> | null;
  /** The listing row stored at this path; absent for a folder only implied by its children or a deleted path. */
  entry?: T;
  /** The whiteout entry that deletes this path (layer view). */
  deleted?: T;
  /** The opaque marker that hides this folder's lower contents (layer view). */
  opaque?: T;
  /** Children in listing order; absent for a leaf. */
  children?: TreeNode<T>[];
  /** Bytes of regular files here and below. */
  total: number;
  /** Number of nodes below (0 for a leaf). */
  descendants: number;
  open: boolean;
  /** Position among its siblings (1-based) and their number, in the order last flattened. */
  pos: number;
  setSize: number;
  /** Children sorted by the last key asked for (kept until the key changes). */
  sorted?: { key: SortKey; list: TreeNode<T>[] };
}

export interface Tree<T extends TreeEntry = TreeEntry> {
  root: TreeNode<T>;
  /** Every node, parents before children (build order). */
  nodes: TreeNode<T>[];
  byPath: Map<string, TreeNode<T>>;
}

function node<T extends TreeEntry>(path: string, parent: TreeNode<T> | null): TreeNode<T> {
  const slash = path.lastIndexOf('/');
  return { name: path.slice(slash + 1), path, depth: parent ? parent.depth + 1 : 0, parent, total: 0, descendants: 0, open: false, pos: 1, setSize: 1 };
}

/** Builds the tree of `entries` (any order); the root is open. */
export function buildTree<T extends TreeEntry>(entries: readonly T[]): Tree<T> {
  const root = node<T>('', null);
  root.open = true;
  const byPath = new Map<string, TreeNode<T>>([['', root]]);
  const nodes: TreeNode<T>[] = [root];
  // Listings come mostly grouped by folder: remember the last parent found, so most entries cost one lookup.
  let lastDir = '';
  let lastDirNode = root;
  const ensure = (path: string): TreeNode<T> => {
    let n = byPath.get(path);
    if (n) return n;
    const slash = path.lastIndexOf('/');
    let parent = root;
    if (slash >= 0) {
      const dir = path.slice(0, slash);
      if (dir !== lastDir) {
        lastDirNode = ensure(dir);
        lastDir = dir;
      }
      parent = lastDirNode;
    }
    n = node(path, parent);
    (parent.children ??= []).push(n);
    byPath.set(path, n);
    nodes.push(n);
    return n;
  };
  for (const e of entries) {
    if (e.whiteout === 'opaque') {
      const n = ensure(e.target ?? '');
      n.opaque = e;
      n.children ??= []; // an opaque marker is only ever inside a folder
    }
    else if (e.whiteout === 'file' && e.target !== undefined) ensure(e.target).deleted = e;
    else {
      const n = ensure(e.path);
      n.entry = e;
      if (e.type === 'dir') n.children ??= [];
    }
  }
  // Children come after their parents in `nodes`: one backward pass sums every folder.
  for (let i = nodes.length - 1; i > 0; i--) {
    const n = nodes[i];
    if (n.entry?.type === 'file') n.total += n.entry.size;
    const p = n.parent!;
    p.total += n.total;
    p.descendants += n.descendants + 1;
  }
  if (root.entry?.type === 'file') root.total += root.entry.size;
  return { root, nodes, byPath };
}

const collator = new Intl.Collator('en', { numeric: true });
const isFolder = (n: TreeNode) => !!n.children;

/** A node's children in `key` order: by name folders first, by size the largest first (then by name). */
export function sortedChildren<T extends TreeEntry>(n: TreeNode<T>, key: SortKey): TreeNode<T>[] {
  if (!n.children) return [];
  if (n.sorted?.key === key && n.sorted.list.length === n.children.length) return n.sorted.list;
  const list = [...n.children].sort((a, b) =>
    key === 'size'
      ? b.total - a.total || collator.compare(a.name, b.name)
      : Number(isFolder(b)) - Number(isFolder(a)) || collator.compare(a.name, b.name),
  );
  n.sorted = { key, list };
  return list;
}

/** The rows a tree view shows: every node whose ancestors are all open, in `key` order (the root itself not). */
export function visibleRows<T extends TreeEntry>(root: TreeNode<T>, key: SortKey): TreeNode<T>[] {
  const out: TreeNode<T>[] = [];
  if (!root.open) return out;
  // An explicit stack: paths can nest deeper than a comfortable recursion depth.
  const stack: TreeNode<T>[] = [];
  const pushChildren = (n: TreeNode<T>) => {
    const list = sortedChildren(n, key);
    for (let i = list.length - 1; i >= 0; i--) {
      list[i].pos = i + 1;
      list[i].setSize = list.length;
      stack.push(list[i]);
    }
  };
  pushChildren(root);
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    if (n.open && n.children) pushChildren(n);
  }
  return out;
}

/** Opens (or closes) every folder. */
export function setAllOpen(tree: Tree, open: boolean): void {
  for (const n of tree.nodes) if (n.children) n.open = open;
  tree.root.open = true;
}

/** Opens every folder above `path` (so it becomes a visible row); the node, if there is one. */
export function reveal<T extends TreeEntry>(tree: Tree<T>, path: string): TreeNode<T> | undefined {
  const n = tree.byPath.get(path);
  for (let p = n?.parent; p; p = p.parent) p.open = true;
  return n;
}

/** Index of row i's parent among `rows`, or -1 at the top level. */
export function parentIndex(rows: readonly TreeNode[], i: number): number {
  const parent = rows[i]?.parent;
  if (!parent?.parent) return -1; // a top-level row: its parent is the root, which is no row
  for (let j = i - 1; j >= 0; j--) if (rows[j] === parent) return j;
  return -1;
}

/**
 * Type-ahead (WAI-ARIA tree pattern): the next visible row after `from` whose name starts with `prefix`
 * (case-insensitive), wrapping round; `from` itself when it matches a prefix longer than one letter; -1 if none.
 */
export function typeAhead(rows: readonly TreeNode[], from: number, prefix: string): number {
  const p = prefix.toLowerCase();
  if (!p || rows.length === 0) return -1;
  const start = p.length > 1 ? from : from + 1;
  for (let k = 0; k < rows.length; k++) {
    const i = (((start + k) % rows.length) + rows.length) % rows.length;
    if (rows[i].name.toLowerCase().startsWith(p)) return i;
  }
  return -1;
}

/** The `n` largest regular files of a listing (whiteouts excluded), largest first. */
export function largestFiles<T extends TreeEntry>(entries: readonly T[], n = Infinity): T[] {
  const files = entries.filter((e) => e.type === 'file' && !e.whiteout);
  files.sort((a, b) => b.size - a.size || collator.compare(a.path, b.path));
  return Number.isFinite(n) ? files.slice(0, n) : files;
}
