// What each layer changed, against the merged filesystem below it (dive's "changes only", the Layer sizes counts,
// the file tree's Show filter). The layer rules are the one merged model's (layers/merge.ts: whiteouts first and on
// lower layers only, opaque dirs, replacement of a path of another type with its subtree, the parent rule); this
// file only watches what that model removes and writes, one layer at a time, and compares before with after.
//
// Choices (the model has metadata only, no content digests):
//  - a non-directory written over a path that existed below is `changed`, even when its size, mode and owner are
//    identical (dive too counts a file written twice: the layer stores the bytes again whatever they are);
//  - a directory written over a directory with the same mode, uid and gid is not a change (every layer stores the
//    parents of what it adds; counting those would bury the real changes); other mode/owner changes are, and so is
//    a directory deleted (whiteout) and written again by the same layer;
//  - a removed directory is ONE change whose size is the total of the regular files below it; the paths under it
//    are not listed again;
//  - an opaque whiteout counts once in `opaqueDirs`; each lower child it hides is a `removed` change marked
//    `opaque`, and the directory itself (kept) is marked `opaque` when it is listed (added, or re-written);
//  - a path removed and written again in the same layer is `changed`; a path deleted by a layer and written again
//    by a later one is `added` there (it was absent below).

import type { TarEntryType } from '../../tar/types';
import { MergedFs, type MergedNode } from '../../layers/merge';
import { ancestorsOf, parentOf } from '../../layers/paths';
import type { EntryStat, FileEntry } from '../files-common';

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface PathChange {
  /** Cleaned path, relative to the root. */
  path: string;
  kind: ChangeKind;
  /** The new entry's type; for `removed`, the type of what was removed. */
  type: TarEntryType;
  /** The new entry's bytes, or what was removed (a directory: the total of its subtree). */
  size: number;
  /** What was there below this layer (changed and removed). */
  before?: EntryStat;
  /** Hidden by an opaque whiteout of this layer (removed), or the opaque directory itself. */
  opaque?: boolean;
}

export interface LayerChanges {
  layer: number;
  added: number;
  changed: number;
  removed: number;
  opaqueDirs: number;
  addedBytes: number;
  changedBytes: number;
  removedBytes: number;
  /** Sorted by path. */
  changes: PathChange[];
}

/** A path of the merged model as the explore views keep it: its stat and the layer it comes from. */
export interface LayeredNode extends MergedNode, EntryStat {
  layer: number;
  /** Position of the entry in its layer's tar (the listing index), for extractFile. */
  ordinal: number;
}
type Node = LayeredNode;

/** The merged model, with what each of its removals and writes replaced recorded for the current layer. */
class Watched extends MergedFs<Node> {
  layer = 0;
  /** Lower paths (from layers below `layer`) this layer removed or wrote over: their state below. */
  before = new Map<string, Node>();
  /** Paths this layer wrote. */
  written = new Set<string>();
  /** Lower paths this layer deleted outright (a whiteout, a replacement), as opposed to wrote over. */
  deleted = new Set<string>();

  private keep(path: string): void {
    const n = this.get(path);
    if (n && n.layer < this.layer && !this.before.has(path)) this.before.set(path, n);
  }

  override remove(path: string): void {
    if (this.get(path) && this.get(path)!.layer < this.layer) this.deleted.add(path);
    this.keep(path);
    for (const d of this.descendants(path)) this.keep(d);
    super.remove(path);
  }

  override removeChildren(path: string): void {
    for (const d of this.descendants(path)) this.keep(d);
    super.removeChildren(path);
  }

  override put(node: Node): void {
    this.keep(node.path);
    this.written.add(node.path);
    super.put(node);
  }
}

function stat(n: EntryStat): EntryStat {
  return { path: n.path, type: n.type, size: n.size, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime, linkpath: n.linkpath };
}

/** What one layer did to the merged model, for the views built on it (changes, wasted space). */
export interface LayerDelta {
  layer: number;
  /** Paths this layer wrote that are still its own at the layer's end: the layer's entries as placed. */
  written: EntryStat[];
  /** Lower paths it deleted or wrote over, as they were below (every path of a deleted subtree is here). */
  before: Map<string, EntryStat>;
  /** Lower paths it deleted outright (a whiteout, a replacement by another type). */
  deleted: Set<string>;
  /** Directories whose lower children an opaque whiteout of this layer hid. */
  opaque: Set<string>;
  /** The merged filesystem after this layer (valid during the callback only: the next layer changes it). */
  get(path: string): (EntryStat & { layer: number }) | undefined;
}

/**
 * Applies the layers bottom first through the one merged model and hands each layer's delta to `visit`; returns
 * the merged filesystem after the last layer (its lookup() serves resolve(); the root '' may be stored).
 */
export function walkLayers(listings: FileEntry[][], visit: (d: LayerDelta) => void = () => {}): MergedFs<LayeredNode> {
  const fs = new Watched();
  listings.forEach((entries, layer) => {
    fs.layer = layer;
    fs.before = new Map();
    fs.written = new Set();
    fs.deleted = new Set();
    const ordinal = new Map<FileEntry, number>();
    entries.forEach((e, i) => ordinal.set(e, i));
    fs.applyLayer(entries, (e, path) => ({
      path, type: e.type, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkpath: e.linkpath, layer,
      ordinal: ordinal.get(e) ?? -1,
    }));
    const opaque = new Set<string>();
    for (const e of entries) if (e.whiteout === 'opaque' && e.target !== undefined && e.pathProblem !== 'escapes-root') opaque.add(e.target);
    const written: EntryStat[] = [];
    for (const p of fs.written) {
      const n = fs.get(p);
      if (n && n.layer === layer) written.push(n); // else: replaced later in the same layer
    }
    visit({ layer, written, before: fs.before, deleted: fs.deleted, opaque, get: (p) => fs.get(p) });
  });
  return fs;
}

/**
 * The merged filesystem after `listings` (bottom first), kept while the top layer's listing lives: the listings
 * come from the per-session ListingCache (the same arrays every time), so previews and package lookups after the
 * same layer walk the layers once, not once per request.
 */
export function mergedAfter(listings: FileEntry[][]): MergedFs<LayeredNode> {
  const top = listings.at(-1);
  if (!top) return walkLayers([]);
  const hit = merged.get(top);
  if (hit && hit.lists.length === listings.length && hit.lists.every((l, i) => l === listings[i])) return hit.fs;
  const fs = walkLayers(listings);
  merged.set(top, { lists: [...listings], fs });
  return fs;
}
const merged = new WeakMap<FileEntry[], { lists: FileEntry[][]; fs: MergedFs<LayeredNode> }>();

/** Each layer's changes against the merged filesystem below it, bottom layer first, in one pass over the listings. */
export function changesByLayer(listings: FileEntry[][]): LayerChanges[] {
  const out: LayerChanges[] = [];
  walkLayers(listings, (d) => out.push(compare(d)));
  return out;
}

function compare(d: LayerDelta): LayerChanges {
  const { layer, opaque, before } = d;
  const r: LayerChanges = { layer, added: 0, changed: 0, removed: 0, opaqueDirs: opaque.size, addedBytes: 0, changedBytes: 0, removedBytes: 0, changes: [] };
  const written = new Set(d.written.map((n) => n.path));
  const gone = new Set<string>();
  for (const p of before.keys()) if (!written.has(p)) gone.add(p);
  // A removed directory is one change carrying its subtree's bytes: each gone path adds to its topmost gone ancestor.
  const roots = new Map<string, number>();
  for (const p of gone) {
    let top = p;
    for (const a of ancestorsOf(p)) if (gone.has(a)) top = a;
    const n = before.get(p)!;
    roots.set(top, (roots.get(top) ?? 0) + (n.type === 'file' ? n.size : 0));
  }
  for (const [p, bytes] of roots) {
    const b = before.get(p)!;
    const c: PathChange = { path: p, kind: 'removed', type: b.type, size: bytes, before: stat(b) };
    if (opaque.has(parentOf(p))) c.opaque = true;
    r.changes.push(c);
    r.removed++;
    r.removedBytes += bytes;
  }
  for (const n of d.written) {
    const p = n.path;
    const b = before.get(p);
    const isOpaque = opaque.has(p);
    if (b && b.type === 'dir' && n.type === 'dir' && b.mode === n.mode && b.uid === n.uid && b.gid === n.gid && !isOpaque && !d.deleted.has(p))
      continue;
    const c: PathChange = { path: p, kind: b ? 'changed' : 'added', type: n.type, size: n.size };
    if (b) c.before = stat(b);
    if (isOpaque) c.opaque = true;
    r.changes.push(c);
    if (b) (r.changed++, (r.changedBytes += n.size));
    else (r.added++, (r.addedBytes += n.size));
  }
  r.changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return r;
}
