// Wasted space (dive's efficiency), the size tree and the squarified layout.

import { describe, expect, it } from 'vitest';
import { efficiencyText, wastedSpace } from '../../../src/engine/ops/explore/wasted';
import { sizeTree, squarify } from '../../../src/engine/ops/explore/stats';
import { walkLayers } from '../../../src/engine/ops/explore/changes';
import type { FileEntry } from '../../../src/engine/ops/files';
import { opaqueDir, whiteoutTarget } from '../../../src/engine/layers/whiteout';

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1700000000, linkpath: '' };
const f = (path: string, size: number): FileEntry => ({ ...base, path, type: 'file', size });
const d = (path: string): FileEntry => ({ ...base, mode: 0o755, path, type: 'dir', size: 0 });
function wh(path: string): FileEntry {
  const t = whiteoutTarget(path);
  const o = opaqueDir(path);
  return { ...base, path, type: 'file', size: 0, ...(t !== undefined ? { whiteout: 'file', target: t } : { whiteout: 'opaque', target: o }) };
}
const MB8 = 8 * 1024 * 1024;

describe('wastedSpace', () => {
  it('a file added by layer 1 and deleted by layer 2 wastes all of it', () => {
    const w = wastedSpace([[d('app'), f('app/keep', 1000)], [f('big', MB8)], [wh('.wh.big')]]);
    expect(w.wastedBytes).toBe(MB8);
    expect(w.wastedPaths).toBe(1);
    // Σ minimum = 1000 (keep) + 0 (big: min of 8 MiB and the deletion's 0); Σ cumulative = 1000 + 8 MiB.
    expect(w.efficiency).toBe(1000 / (1000 + MB8));
    expect(w.totalBytes).toBe(1000 + MB8);
    expect(w.offenders).toEqual([{ path: 'big', layers: [1, 2], bytes: MB8, deleted: true }]);
    expect(efficiencyText(w.efficiency)).toBe('Efficiency 0%');
  });

  it('a file written in three layers: every copy is counted, the smallest is the minimum', () => {
    const w = wastedSpace([[f('a', 100), f('b', 300)], [f('a', 200)], [f('a', 50)]]);
    expect(w.wastedBytes).toBe(350);
    expect(w.efficiency).toBe((50 + 300) / (350 + 300));
    expect(w.offenders[0]).toMatchObject({ path: 'a', layers: [0, 1, 2], deleted: false });
    expect(efficiencyText(w.efficiency)).toBe('Efficiency 53%');
  });

  it('nothing written twice: efficiency 100%; parent directories written again are not leaves', () => {
    const w = wastedSpace([[d('usr'), d('usr/bin'), f('usr/bin/a', 5)], [d('usr'), d('usr/bin'), f('usr/bin/b', 7)]]);
    expect(w).toMatchObject({ wastedBytes: 0, wastedPaths: 0, efficiency: 1, offenders: [] });
    expect(efficiencyText(w.efficiency)).toBe('Efficiency 100%');
    expect(wastedSpace([]).efficiency).toBe(1);
  });

  it('each file under a deleted directory (whiteout or opaque) counts as deleted', () => {
    const w = wastedSpace([[d('x'), f('x/1', 10), f('x/2', 20), d('y'), f('y/3', 40)], [wh('.wh.x'), d('y'), wh('y/.wh..wh..opq')]]);
    expect(w.wastedBytes).toBe(70);
    expect(w.offenders.map((o) => o.path)).toEqual(['y/3', 'x/2', 'x/1']);
    expect(w.efficiency).toBe(0);
  });
});

describe('sizeTree', () => {
  it('folder totals, largest first, small entries grouped so sizes add up', () => {
    const merged = walkLayers([[d('usr'), f('usr/big', 9000), f('usr/tiny1', 1), f('usr/tiny2', 2), f('etc/conf', 997)]], () => {});
    const t = sizeTree(merged.entries(), 0.01);
    expect(t.size).toBe(10000);
    expect(t.children!.map((c) => [c.path, c.size, c.dir])).toEqual([['usr', 9003, true], ['etc', 997, true]]);
    const usr = t.children![0];
    expect(usr.children!.map((c) => [c.name, c.size, c.group])).toEqual([['big', 9000, undefined], ['2 smaller entries', 3, 2]]);
  });
});

describe('squarify', () => {
  it('fills the box with areas proportional to the values, in the input order', () => {
    const values = [6, 6, 4, 3, 2, 2, 1, 0];
    const rects = squarify(values, { x: 0, y: 0, w: 6, h: 4 });
    rects.forEach((r, i) => expect(r.w * r.h).toBeCloseTo(values[i], 6));
    for (const r of rects) {
      expect(r.x).toBeGreaterThanOrEqual(-1e-9);
      expect(r.y).toBeGreaterThanOrEqual(-1e-9);
      expect(r.x + r.w).toBeLessThanOrEqual(6 + 1e-9);
      expect(r.y + r.h).toBeLessThanOrEqual(4 + 1e-9);
    }
    // No two rectangles overlap.
    for (let i = 0; i < rects.length; i++)
      for (let j = i + 1; j < rects.length; j++) {
        const a = rects[i];
        const b = rects[j];
        const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
        const oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
        expect(ox > 1e-9 && oy > 1e-9).toBe(false);
      }
    // The paper's example: the first row holds the two 6s side by side along the short side.
    expect(rects[0]).toMatchObject({ x: 0, y: 0, w: 3, h: 2 });
  });

  it('seeded random values stay within the box and sum to its area', () => {
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values = Array.from({ length: 200 }, () => Math.floor(rnd() * 1000) + 1);
    const rects = squarify(values, { x: 10, y: 20, w: 300, h: 200 });
    expect(rects.reduce((t, r) => t + r.w * r.h, 0)).toBeCloseTo(60000, 3);
    for (const r of rects) expect(r.x >= 10 - 1e-6 && r.y >= 20 - 1e-6 && r.x + r.w <= 310 + 1e-6 && r.y + r.h <= 220 + 1e-6).toBe(true);
  });
});
