// ops/files, wire form. 100k row objects cost ~0.2–0.4 s to structured-clone to the page (per-property
// serialization); columns — strings joined with NUL (which no tar path can hold) and typed arrays — clone in a few
// milliseconds.

import type { TarEntryType } from '../tar/types';
import type { PathProblem } from '../layers/paths';
import type { FileEntry, MergedEntry } from './files-common';

/** Rows as columns: what the worker posts to the page. */
export interface PackedEntries {
  count: number;
  /** NUL-joined columns. */
  paths: string;
  links: string;
  targets: string;
  types: Uint8Array;
  /** bit 0-1: whiteout (1 file, 2 opaque); bit 2-3: pathProblem (1 absolute, 2 escapes-root); bit 4: implied. */
  flags: Uint8Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  modes: Uint16Array;
  uids: Float64Array;
  gids: Float64Array;
  /** Source layer (merged view) or -1; ordinal in that layer or -1. */
  layers: Int32Array;
  ordinals: Int32Array;
}

/** A row of either listing, as unpacked on the page. */
export type AnyEntry = FileEntry & Partial<Pick<MergedEntry, 'layer' | 'ordinal' | 'implied'>>;

const TYPES: TarEntryType[] = ['file', 'hardlink', 'symlink', 'char', 'block', 'dir', 'fifo', 'other'];
const PROBLEMS: (PathProblem | undefined)[] = [undefined, 'absolute', 'escapes-root', 'too-long'];

export function packEntries(rows: AnyEntry[]): PackedEntries {
  const n = rows.length;
  const p: PackedEntries = {
    count: n,
    paths: '',
    links: '',
    targets: '',
    types: new Uint8Array(n),
    flags: new Uint8Array(n),
    sizes: new Float64Array(n),
    mtimes: new Float64Array(n),
    modes: new Uint16Array(n),
    uids: new Float64Array(n),
    gids: new Float64Array(n),
    layers: new Int32Array(n),
    ordinals: new Int32Array(n),
  };
  const paths: string[] = new Array(n);
  const links: string[] = new Array(n);
  const targets: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    paths[i] = r.path;
    links[i] = r.linkpath;
    targets[i] = r.target ?? '';
    p.types[i] = TYPES.indexOf(r.type);
    p.flags[i] =
      (r.whiteout === 'file' ? 1 : r.whiteout === 'opaque' ? 2 : 0) |
      (r.pathProblem ? PROBLEMS.indexOf(r.pathProblem) << 2 : 0) |
      (r.implied ? 16 : 0);
    p.sizes[i] = r.size;
    p.mtimes[i] = r.mtime;
    p.modes[i] = r.mode;
    p.uids[i] = r.uid;
    p.gids[i] = r.gid;
    p.layers[i] = r.layer ?? -1;
    p.ordinals[i] = r.ordinal ?? -1;
  }
  p.paths = paths.join('\0');
  p.links = links.join('\0');
  p.targets = targets.join('\0');
  return p;
}

export function unpackEntries(p: PackedEntries): AnyEntry[] {
  const paths = p.count ? p.paths.split('\0') : [];
  const links = p.count ? p.links.split('\0') : [];
  const targets = p.count ? p.targets.split('\0') : [];
  const out: AnyEntry[] = new Array(p.count);
  for (let i = 0; i < p.count; i++) {
    const f = p.flags[i];
    const r: AnyEntry = {
      path: paths[i],
      type: TYPES[p.types[i]] ?? 'other',
      size: p.sizes[i],
      mode: p.modes[i],
      uid: p.uids[i],
      gid: p.gids[i],
      mtime: p.mtimes[i],
      linkpath: links[i],
    };
    if (f & 3) {
      r.whiteout = (f & 3) === 1 ? 'file' : 'opaque';
      r.target = targets[i];
    }
    const prob = PROBLEMS[(f >> 2) & 3];
    if (prob) r.pathProblem = prob;
    if (f & 16) r.implied = true;
    if (p.layers[i] >= 0) r.layer = p.layers[i];
    if (p.ordinals[i] >= 0) r.ordinal = p.ordinals[i];
    out[i] = r;
  }
  return out;
}
