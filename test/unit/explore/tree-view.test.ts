// The file browser's pure UI helpers: problems by path (per image, per layer, stored spellings cleaned), a compare's
// rows for the Show filter (removed paths as what they were), the counts line.
import { describe, expect, it } from 'vitest';
import { changeRows, cleanProblemPath, diffCounts, diffRows, problemsByPath, when } from '../../../src/ui/components/files/view';
import { changesByLayer } from '../../../src/engine/ops/explore/changes';
import type { FileEntry } from '../../../src/engine/ops/files';
import { compareFilesystems, type CompareEntry } from '../../../src/engine/ops/explore/compare';
import type { ProblemView } from '../../../src/protocol';

const e = (path: string, size = 1, over: Partial<CompareEntry> = {}): CompareEntry => ({ path, type: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 1, linkpath: '', ...over });

describe('files view helpers', () => {
  it('keys problems by cleaned path, for one image and (in a layer view) one layer', () => {
    const p = (over: Partial<ProblemView>): ProblemView => ({ code: 'duplicate-entry', severity: 'warning', message: 'm', ...over }) as ProblemView;
    const problems = [
      p({ image: 0, layer: 2, paths: ['./bin/.wh.cat', '/etc/x/'], message: 'a' }),
      p({ image: 0, layer: 1, paths: ['etc/x'], message: 'b' }),
      p({ image: 1, layer: 2, paths: ['bin/.wh.cat'], message: 'other image' }),
      p({ message: 'no paths' }),
    ];
    expect(cleanProblemPath('./a/b/')).toBe('a/b');
    const merged = problemsByPath(problems, 0);
    expect([...merged]).toEqual([['bin/.wh.cat', ['a']], ['etc/x', ['a', 'b']]]);
    expect([...problemsByPath(problems, 0, 1)]).toEqual([['etc/x', ['b']]]);
    expect(problemsByPath(undefined, 0).size).toBe(0);
  });

  it('turns a compare into Show rows and a counts line', () => {
    const r = compareFilesystems([e('a', 5), e('b', 2)], [e('b', 3), e('c', 2048)]);
    expect(diffRows(r, 'all').map((x) => [x.path, x.change, x.size])).toEqual([['a', 'removed', 5], ['b', 'changed', 3], ['c', 'added', 2048]]);
    expect(diffRows(r, 'removed')).toEqual([expect.objectContaining({ path: 'a', change: 'removed', before: expect.objectContaining({ size: 5 }) })]);
    expect(diffCounts(r, (n) => `${n}b`)).toBe('1 added (2048b) · 1 changed (3b) · 1 removed (5b)');
    expect(when(0)).toBe('—');
    expect(when(1700000000)).toBe('2023-11-14 22:13');
  });

  it("turns a layer's changes (changes.ts) into Show rows with the layer's own entries and what differs", () => {
    const f = (path: string, size: number, over: Partial<FileEntry> = {}): FileEntry => ({ path, type: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 1, linkpath: '', ...over });
    const d = (path: string): FileEntry => ({ ...f(path, 0), type: 'dir', mode: 0o755 });
    const l0 = [d('etc'), f('etc/a', 5), f('etc/b', 2), d('doc'), f('doc/x', 7), f('doc/y', 3)];
    const l1 = [f('etc/a', 5, { mode: 0o600 }), f('etc/b', 2), f('etc/c', 9), { ...f('.wh.doc', 0), whiteout: 'file' as const, target: 'doc' }];
    const [, lc] = changesByLayer([l0, l1]);
    const rows = changeRows(lc, l1.map((e) => ({ ...e, layer: 1 })), 'all');
    expect(rows.map((r) => [r.path, r.change, r.size, r.what?.join(',') ?? ''])).toEqual([
      ['doc', 'removed', 10, ''],
      ['etc/a', 'changed', 5, 'mode'],
      ['etc/b', 'changed', 2, 'rewritten'],
      ['etc/c', 'added', 9, ''],
    ]);
    expect(rows[1].mode).toBe(0o600);
    expect(changeRows(lc, [], 'added').map((r) => r.path)).toEqual(['etc/c']);
    expect(diffCounts(lc, String)).toBe('1 added (9) · 2 changed (7) · 1 removed (10)');
  });
});
