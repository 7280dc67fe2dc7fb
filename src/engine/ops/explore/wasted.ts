// Wasted space, as dive computes it (wagoodman/dive, dive/filetree/efficiency.go `Efficiency`, and the image
// analysis that sums its result): every layer's leaves (entries that are not a directory holding other entries of
// the same layer) are visited per path; a path's cumulative size is the sum of its sizes over the layers that touch
// it and its minimum the smallest of them; a deletion is a visit of size 0. Then
//   efficiency = Σ minimum / Σ cumulative   (1 when nothing has a size),
//   wasted bytes = Σ cumulative of the paths visited in more than one layer (all copies, the kept one included),
// so a file added by one layer and deleted by the next wastes its whole size and adds 0 to the minimum.
//
// Where this differs from dive, on purpose: dive sizes a whiteout of a DIRECTORY as one visit of the directory path
// carrying the subtree's total (the lower directory was no leaf, so that visit is counted once and wastes nothing);
// here each leaf under a deleted directory (whiteout, opaque whiteout, or a file replacing the directory) is a
// deletion of its own, so deleted directories count as wasted like deleted files. The layer rules are the merged
// model's (changes.ts walkLayers), not dive's own tree stacking.

import type { FileEntry } from '../files-common';
import { ancestorsOf } from '../../layers/paths';
import { walkLayers, type LayeredNode } from './changes';
import type { MergedFs } from '../../layers/merge';

export interface WastedPath {
  path: string;
  /** Layers that wrote or deleted it (bottom first). */
  layers: number[];
  /** Its cumulative size: the bytes of every copy. */
  bytes: number;
  /** True when the last visit deleted it (it is not in the final filesystem). */
  deleted: boolean;
}

export interface WastedSpace {
  /** dive's score, 0..1. */
  efficiency: number;
  wastedBytes: number;
  /** Paths written in more than one layer or deleted by a later one. */
  wastedPaths: number;
  /** Σ cumulative: every leaf's bytes over every layer. */
  totalBytes: number;
  /** The largest wasted paths, largest first (at most `top`). */
  offenders: WastedPath[];
}

interface Acc {
  layers: number[];
  cumulative: number;
  minimum: number;
  deleted: boolean;
}

/**
 * dive's efficiency over the layers' listings (bottom first). `merged` gets the merged filesystem after the last
 * layer (the treemap's input) without a second pass over the layers.
 */
export function wastedSpace(listings: FileEntry[][], top = 50, merged?: (fs: MergedFs<LayeredNode>) => void): WastedSpace {
  const seen = new Map<string, Acc>();
  const visit = (path: string, size: number, layer: number, deleted: boolean) => {
    const a = seen.get(path);
    if (!a) seen.set(path, { layers: [layer], cumulative: size, minimum: size, deleted });
    else {
      a.layers.push(layer);
      a.cumulative += size;
      a.minimum = Math.min(a.minimum, size);
      a.deleted = deleted;
    }
  };
  const fs = walkLayers(listings, (d) => {
    const inner = new Set<string>();
    for (const n of d.written) for (const a of ancestorsOf(n.path)) inner.add(a);
    for (const n of d.written) if (n.type !== 'dir' || !inner.has(n.path)) visit(n.path, n.type === 'file' ? n.size : 0, d.layer, false);
    const written = new Set(d.written.map((n) => n.path));
    const gone = [...d.before.keys()].filter((p) => !written.has(p));
    const goneInner = new Set<string>();
    for (const p of gone) for (const a of ancestorsOf(p)) goneInner.add(a);
    for (const p of gone) if (!goneInner.has(p)) visit(p, 0, d.layer, true);
  });
  merged?.(fs);
  let minimum = 0;
  let total = 0;
  let wastedBytes = 0;
  const wasted: WastedPath[] = [];
  for (const [path, a] of seen) {
    minimum += a.minimum;
    total += a.cumulative;
    if (a.layers.length < 2) continue;
    wastedBytes += a.cumulative;
    wasted.push({ path, layers: a.layers, bytes: a.cumulative, deleted: a.deleted });
  }
  wasted.sort((x, y) => y.bytes - x.bytes || (x.path < y.path ? -1 : 1));
  return { efficiency: total === 0 ? 1 : minimum / total, wastedBytes, wastedPaths: wasted.length, totalBytes: total, offenders: wasted.slice(0, top) };
}

/** `Efficiency NN%`, rounded down (an image that wastes anything never reads 100%; dive prints more digits). */
export function efficiencyText(efficiency: number): string {
  return `Efficiency ${Math.floor(efficiency * 100 + 1e-9)}%`;
}
