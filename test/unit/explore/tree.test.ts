// The folder tree: folder totals, whiteouts placed on what they delete, sorting, flattening of the open part,
// keyboard helpers (parent row, type-ahead), largest files; and on seeded random listings, totals and the flattened
// rows against a naive reference.
import { describe, expect, it } from 'vitest';
import { buildTree, largestFiles, parentIndex, reveal, setAllOpen, typeAhead, visibleRows, type TreeEntry } from '../../../src/engine/ops/explore/tree';
import { rng } from '../compress/property';

const f = (path: string, size: number): TreeEntry => ({ path, type: 'file', size });
const d = (path: string): TreeEntry => ({ path, type: 'dir', size: 0 });

const LISTING: TreeEntry[] = [
  d('etc'), f('etc/passwd', 100), f('etc/hosts', 20), d('etc/ssl'), f('etc/ssl/cert.pem', 3000),
  f('usr/bin/big', 50_000), f('usr/bin/env', 10), { path: 'usr/bin/link', type: 'symlink', size: 0 },
  { path: 'bin/.wh.cat', type: 'file', size: 0, whiteout: 'file', target: 'bin/cat' },
  { path: 'var/.wh..wh..opq', type: 'file', size: 0, whiteout: 'opaque', target: 'var' },
  f('a.txt', 1),
];

describe('buildTree', () => {
  it('sums file sizes into every folder, implied folders included; whiteouts add nothing', () => {
    const t = buildTree(LISTING);
    const at = (p: string) => t.byPath.get(p)!;
    expect(at('etc').total).toBe(3120);
    expect(at('etc/ssl').total).toBe(3000);
    expect(at('usr').total).toBe(50_010);
    expect(at('usr').entry).toBeUndefined(); // implied
    expect(at('usr/bin').children?.length).toBe(3);
    expect(t.root.total).toBe(53_131);
    expect(at('etc').descendants).toBe(4);
    // The whiteout sits on the path it deletes, the opaque marker on its folder.
    expect(at('bin/cat').deleted?.path).toBe('bin/.wh.cat');
    expect(at('bin/cat').entry).toBeUndefined();
    expect(at('var').opaque?.path).toBe('var/.wh..wh..opq');
    expect(t.byPath.has('bin/.wh.cat')).toBe(false);
  });

  it('flattens only open folders, sorted by name (folders first) or size, with positions among siblings', () => {
    const t = buildTree(LISTING);
    expect(visibleRows(t.root, 'name').map((n) => n.path)).toEqual(['bin', 'etc', 'usr', 'var', 'a.txt']);
    expect(visibleRows(t.root, 'size').map((n) => n.path)).toEqual(['usr', 'etc', 'a.txt', 'bin', 'var']);
    t.byPath.get('etc')!.open = true;
    const rows = visibleRows(t.root, 'name');
    expect(rows.map((n) => n.path)).toEqual(['bin', 'etc', 'etc/ssl', 'etc/hosts', 'etc/passwd', 'usr', 'var', 'a.txt']);
    expect(rows.map((n) => [n.pos, n.setSize, n.depth])[3]).toEqual([2, 3, 2]);
    expect(parentIndex(rows, 3)).toBe(1);
    expect(parentIndex(rows, 1)).toBe(-1);
    setAllOpen(t, true);
    expect(visibleRows(t.root, 'size').length).toBe(t.nodes.length - 1);
    setAllOpen(t, false);
    expect(visibleRows(t.root, 'name').length).toBe(5);
    expect(reveal(t, 'etc/ssl/cert.pem')?.name).toBe('cert.pem');
    expect(visibleRows(t.root, 'name').map((n) => n.path)).toContain('etc/ssl/cert.pem');
  });

  it('type-ahead finds the next row by its first letters, wrapping round', () => {
    const t = buildTree(LISTING);
    const rows = visibleRows(t.root, 'name'); // bin etc usr var a.txt
    expect(typeAhead(rows, 0, 'v')).toBe(3);
    expect(typeAhead(rows, 3, 'v')).toBe(3); // the only one: wraps to itself
    expect(typeAhead(rows, 4, 'b')).toBe(0);
    expect(typeAhead(rows, 1, 'et')).toBe(1); // a longer prefix may stay on the current row
    expect(typeAhead(rows, 0, 'zz')).toBe(-1);
  });

  it('lists the largest files, whiteouts and folders left out', () => {
    expect(largestFiles(LISTING, 3).map((e) => e.path)).toEqual(['usr/bin/big', 'etc/ssl/cert.pem', 'etc/passwd']);
    expect(largestFiles(LISTING).every((e) => e.type === 'file' && !e.whiteout)).toBe(true);
  });

  it('agrees with a naive reference on seeded random listings (totals, expand-all order and count)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const entries: TreeEntry[] = [];
      const names = ['a', 'b', 'c', 'lib', 'x1', 'x10', 'x2'];
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) {
        const depth = 1 + Math.floor(r() * 4);
        const path = Array.from({ length: depth }, () => names[Math.floor(r() * names.length)]).join('/');
        if (seen.has(path)) continue;
        seen.add(path);
        entries.push(r() < 0.2 ? d(path) : f(path, Math.floor(r() * 1000)));
      }
      const t = buildTree(entries);
      // Reference total: every file at or under the folder's path (a path that is also a folder still counts its size).
      for (const n of t.nodes) {
        const want = entries.filter((e) => e.type === 'file' && (n.path === '' || e.path === n.path || e.path.startsWith(`${n.path}/`))).reduce((s, e) => s + e.size, 0);
        expect(n.total, `${seed}: ${n.path}`).toBe(want);
      }
      setAllOpen(t, true);
      const rows = visibleRows(t.root, 'name');
      const all = new Set(entries.flatMap((e) => e.path.split('/').map((_, k, a) => a.slice(0, k + 1).join('/'))));
      expect(rows.length).toBe(all.size);
      expect(new Set(rows.map((n) => n.path))).toEqual(all);
      // Depth-first: every row's parent comes before it, and siblings are in name order (folders first).
      for (let i = 0; i < rows.length; i++) {
        const p = parentIndex(rows, i);
        if (p >= 0) expect(rows[p]).toBe(rows[i].parent);
        else expect(rows[i].depth).toBe(1);
      }
      const bySize = visibleRows(t.root, 'size').filter((n) => n.depth === 1).map((n) => n.total);
      expect(bySize).toEqual([...bySize].sort((x, y) => y - x));
    }
  });
});
