// Compare: added / removed / changed paths with what changed; content known only through the same source
// (blob digest + entry) or a different size; on seeded random filesystems, counts against a naive reference.
import { describe, expect, it } from 'vitest';
import { compareFilesystems, describeDiff, type CompareEntry } from '../../../src/engine/ops/explore/compare';
import { rng } from '../compress/property';

const e = (path: string, over: Partial<CompareEntry> = {}): CompareEntry => ({
  path, type: 'file', size: 10, mode: 0o644, uid: 0, gid: 0, mtime: 100, linkpath: '', ...over,
});

describe('compareFilesystems', () => {
  it('finds added, removed and changed paths and says what changed', () => {
    const a = [e(''), e('etc', { type: 'dir', size: 0, mode: 0o755 }), e('etc/a', { source: 'sha256:1#1' }), e('etc/b'), e('etc/gone', { size: 7 }), e('ln', { type: 'symlink', size: 0, linkpath: 'x' }), e('same', { source: 'sha256:1#4' })];
    const b = [e(''), e('etc', { type: 'dir', size: 0, mode: 0o755 }), e('etc/a', { source: 'sha256:2#1' }), e('etc/b', { size: 11, mode: 0o755, uid: 5 }), e('etc/new', { size: 3 }), e('ln', { type: 'symlink', size: 0, linkpath: 'y' }), e('same', { source: 'sha256:1#4' })];
    const r = compareFilesystems(a, b);
    expect(r.diffs.map((d) => `${d.kind} ${d.path} ${d.what.join(',')}`)).toEqual([
      'changed etc/a rewritten',
      'changed etc/b size,mode,owner,content',
      'removed etc/gone ',
      'added etc/new ',
      'changed ln link',
    ]);
    expect([r.added, r.changed, r.removed, r.unchanged]).toEqual([1, 3, 1, 2]);
    expect([r.addedBytes, r.removedBytes, r.changedBytes]).toEqual([3, 7, 21]);
    expect(r.diffs.find((d) => d.path === 'etc/gone')?.before?.size).toBe(7);
    expect(describeDiff(r.diffs[0])).toBe('written again (content not compared)');
    expect(describeDiff(r.diffs[4])).toBe('link target');
  });

  it('tells nothing about content when neither side knows its source, and nothing for empty files', () => {
    expect(compareFilesystems([e('a')], [e('a')]).unchanged).toBe(1);
    expect(compareFilesystems([e('a', { size: 0, source: 'x#1' })], [e('a', { size: 0, source: 'y#1' })]).unchanged).toBe(1);
    expect(compareFilesystems([e('a', { type: 'dir', size: 0 })], [e('a', { size: 0 })]).diffs[0].what).toEqual(['type']);
    // An implied folder that is gone with its contents is not a removal of its own.
    const gone = compareFilesystems([e('d', { type: 'dir', size: 0, implied: true }), e('d/f'), e('x', { type: 'dir', size: 0 })], []);
    expect(gone.diffs.map((d) => d.path)).toEqual(['d/f', 'x']);
  });

  it('agrees with a naive reference on seeded random filesystems', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const r = rng(seed);
      const paths = Array.from({ length: 60 }, (_, i) => `d${i % 7}/f${i}`);
      const side = () => paths.filter(() => r() < 0.7).map((p) => e(p, { size: Math.floor(r() * 3), mode: r() < 0.8 ? 0o644 : 0o600, source: r() < 0.5 ? 's#1' : 's#2' }));
      const a = side();
      const b = side();
      const res = compareFilesystems(a, b);
      const A = new Map(a.map((x) => [x.path, x]));
      const B = new Map(b.map((x) => [x.path, x]));
      const added = b.filter((x) => !A.has(x.path)).length;
      const removed = a.filter((x) => !B.has(x.path)).length;
      const changed = b.filter((x) => {
        const o = A.get(x.path);
        return o && (o.size !== x.size || o.mode !== x.mode || (x.size > 0 && o.source !== x.source));
      }).length;
      expect([res.added, res.removed, res.changed], `seed ${seed}`).toEqual([added, removed, changed]);
      expect(res.unchanged + res.changed).toBe(b.length - added);
      expect(res.diffs.map((d) => d.path)).toEqual([...res.diffs.map((d) => d.path)].sort());
    }
  });
});
