// Sizes of the merged filesystem for the treemap: folder totals, pruned to what can be drawn, and the squarified
// layout (Bruls, Huizing, van Wijk, "Squarified Treemaps", 2000) as a small pure function the page draws as SVG.

import type { EntryStat } from '../files-common';
import { ancestorsOf, baseOf, parentOf } from '../../layers/paths';

export interface SizeNode {
  /** Last path component ('' for the root); for a group of small entries, what it stands for in words. */
  name: string;
  /** Cleaned path ('' = the root); a group has its folder's path. */
  path: string;
  /** Bytes of the regular files at or below it. */
  size: number;
  dir: boolean;
  /** Several entries too small to draw, together (their count). */
  group?: number;
  children?: SizeNode[];
}

/**
 * The merged tree by size, largest first, keeping only entries of at least `minShare` of the total (and at most
 * `maxNodes` of them); what is left out of a folder becomes one "N smaller entries" node, so sizes still add up.
 */
export function sizeTree(merged: Iterable<EntryStat>, minShare = 0.002, maxNodes = 1500): SizeNode {
  const totals = new Map<string, number>();
  const kids = new Map<string, Set<string>>();
  const dirs = new Set<string>(['']);
  const add = (parent: string, child: string) => {
    let s = kids.get(parent);
    if (!s) kids.set(parent, (s = new Set()));
    s.add(child);
  };
  for (const e of merged) {
    if (e.path === '') continue;
    if (e.type === 'dir') dirs.add(e.path);
    totals.set(e.path, (totals.get(e.path) ?? 0) + (e.type === 'file' ? e.size : 0));
    add(parentOf(e.path), e.path);
    for (const a of ancestorsOf(e.path)) {
      dirs.add(a);
      add(parentOf(a), a);
      if (e.type === 'file') totals.set(a, (totals.get(a) ?? 0) + e.size);
    }
  }
  const total = [...(kids.get('')?.values() ?? [])].reduce((s, k) => s + (totals.get(k) ?? 0), 0);
  const floor = total * minShare;
  let budget = maxNodes;
  const build = (path: string): SizeNode => {
    const node: SizeNode = { name: baseOf(path), path, size: path === '' ? total : (totals.get(path) ?? 0), dir: dirs.has(path) };
    const list = [...(kids.get(path) ?? [])].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || (a < b ? -1 : 1));
    if (!node.dir || list.length === 0) return node;
    node.children = [];
    let rest = 0;
    let restCount = 0;
    for (const k of list) {
      const size = totals.get(k) ?? 0;
      if (size > 0 && size >= floor && budget > 0) {
        budget--;
        node.children.push(build(k));
      } else {
        rest += size;
        restCount++;
      }
    }
    if (restCount > 0) node.children.push({ name: `${restCount} smaller ${restCount === 1 ? 'entry' : 'entries'}`, path, size: rest, dir: false, group: restCount });
    return node;
  };
  return build('');
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Squarified layout of `values` (any order; the result is in the same order) in the rectangle; values ≤ 0 get an
 * empty rectangle. Rows are laid along the shorter side while adding an item does not worsen the worst aspect ratio.
 */
export function squarify(values: number[], box: Rect): Rect[] {
  const out: Rect[] = values.map(() => ({ x: box.x, y: box.y, w: 0, h: 0 }));
  const order = values.map((v, i) => i).filter((i) => values[i] > 0).sort((a, b) => values[b] - values[a]);
  const sum = order.reduce((s, i) => s + values[i], 0);
  if (sum <= 0 || box.w <= 0 || box.h <= 0) return out;
  const scale = (box.w * box.h) / sum; // value -> area
  let { x, y, w, h } = box;
  let i = 0;
  const worst = (row: number[], side: number) => {
    const s = row.reduce((a, b) => a + b, 0);
    const max = Math.max(...row);
    const min = Math.min(...row);
    return Math.max((side * side * max) / (s * s), (s * s) / (side * side * min));
  };
  while (i < order.length) {
    const side = Math.min(w, h);
    const row: number[] = [values[order[i]] * scale];
    let j = i + 1;
    while (j < order.length) {
      const next = [...row, values[order[j]] * scale];
      if (worst(next, side) > worst(row, side)) break;
      row.push(next[next.length - 1]);
      j++;
    }
    const area = row.reduce((a, b) => a + b, 0);
    const thick = area / side;
    let off = 0;
    for (let k = 0; k < row.length; k++) {
      const len = row[k] / thick;
      out[order[i + k]] = w >= h ? { x, y: y + off, w: thick, h: len } : { x: x + off, y, w: len, h: thick };
      off += len;
    }
    if (w >= h) (x += thick, (w -= thick));
    else (y += thick, (h -= thick));
    i = j;
  }
  return out;
}
