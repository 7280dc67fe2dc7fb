// layers/merge.ts, the parts other modules call directly (diagnose's cross-layer rules, build's planner and split):
// implied directories, descendants, the nearest symlink above a path, put() over implied children, where place()
// lands when a lower link is a loop or a dead end, and the path helpers. Written against surviving mutants of
// the mutation run (README, "Tests"): each asserts behaviour a caller relies on.
import { describe, expect, it } from 'vitest';
import { MergedFs, comparePaths, isUnder, joinPath, type MergedNode } from '../../../src/engine/layers/merge';
import type { TarEntryType } from '../../../src/engine/tar/types';

type Ent = { path: string; type: TarEntryType; linkpath: string };
const d = (path: string): Ent => ({ path, type: 'dir', linkpath: '' });
const f = (path: string): Ent => ({ path, type: 'file', linkpath: '' });
const l = (path: string, linkpath: string): Ent => ({ path, type: 'symlink', linkpath });

function fsOf(layers: Ent[][], rule: 'replace' | 'follow' = 'replace') {
  const fs = new MergedFs<MergedNode>(rule);
  const div = layers.map((ents) => fs.applyLayer(ents, (e, path) => ({ path, type: e.type, linkpath: e.linkpath })));
  return { fs, div };
}
const paths = (fs: MergedFs) => [...fs.entries()].map((n) => n.path).sort();

describe('MergedFs: queries', () => {
  it('counts and finds stored paths; implied parents are directories but not stored', () => {
    const { fs } = fsOf([[f('a/b/c')]]);
    expect(fs.size).toBe(1);
    expect(fs.has('a/b/c')).toBe(true);
    expect(fs.has('a/b')).toBe(false);
    expect(fs.isImpliedDir('a/b')).toBe(true);
    expect(fs.isImpliedDir('a/b/c')).toBe(false);
    expect(fs.isImpliedDir('x')).toBe(false);
    expect(fs.isImpliedDir('')).toBe(true);
    expect(fs.lookup('a')).toEqual({ type: 'dir', linkpath: '' });
    expect(fs.lookup('x')).toBeUndefined();
    // An empty model still has its root.
    expect(new MergedFs().isImpliedDir('')).toBe(true);
  });

  it('lists descendants through implied directories, sorted, without the implied ones or the path itself', () => {
    const { fs } = fsOf([[d('r'), f('r/z'), f('r/a/b/c'), d('r/m'), f('r/m/x'), f('other')]]);
    expect(fs.descendants('r')).toEqual(['r/a/b/c', 'r/m', 'r/m/x', 'r/z']);
    expect(fs.descendants('r/m')).toEqual(['r/m/x']);
    expect(fs.descendants('other')).toEqual([]);
    expect(fs.descendants('')).toEqual(['other', 'r', 'r/a/b/c', 'r/m', 'r/m/x', 'r/z']);
  });

  it('finds the nearest-to-root symlink at or above a path, through directories only', () => {
    const { fs } = fsOf([[l('bin', 'usr/bin'), d('usr'), d('usr/lib'), l('usr/lib/x', 'y'), f('file')]]);
    expect(fs.symlinkAtOrAbove('bin/sh')?.path).toBe('bin');
    expect(fs.symlinkAtOrAbove('bin')?.path).toBe('bin');
    expect(fs.symlinkAtOrAbove('usr/lib/x/deeper')?.path).toBe('usr/lib/x');
    expect(fs.symlinkAtOrAbove('usr/lib/y')).toBeUndefined();
    // A regular file on the way stops the search: nothing below it can be reached.
    expect(fs.symlinkAtOrAbove('file/x')).toBeUndefined();
    expect(fs.symlinkAtOrAbove('nothere/x')).toBeUndefined();
  });
});

describe('MergedFs: put and remove', () => {
  it('a file at a path that only had implied children drops them', () => {
    const { fs } = fsOf([[f('a/b/c'), f('a/d')], [f('a/b')]]);
    expect(paths(fs)).toEqual(['a/b', 'a/d']);
    expect(fs.descendants('a/b')).toEqual([]);
    expect(fs.isImpliedDir('a')).toBe(true);
  });

  it('a directory at an implied path keeps its children', () => {
    const { fs } = fsOf([[f('a/b/c')], [d('a/b')]]);
    expect(paths(fs)).toEqual(['a/b', 'a/b/c']);
  });

  it('remove() takes the path out of its parent, so the parent is no longer implied', () => {
    const { fs } = fsOf([[f('p/q')]]);
    fs.remove('p/q');
    expect(fs.size).toBe(0);
    expect(fs.isImpliedDir('p')).toBe(false);
    expect(fs.descendants('')).toEqual([]);
  });

  it('an entry under a lower file replaces the file with a directory', () => {
    const { fs } = fsOf([[f('a'), f('b')], [f('a/x')]]);
    expect(paths(fs)).toEqual(['a/x', 'b']);
    expect(fs.isImpliedDir('a')).toBe(true);
  });

  it('keeps the root entry and skips entries that escape the root', () => {
    const fs = new MergedFs();
    fs.applyLayer(
      [
        { path: '', type: 'dir' as TarEntryType },
        { path: 'etc', type: 'file' as TarEntryType, pathProblem: 'escapes-root' as const },
        { path: 'ok', type: 'file' as TarEntryType },
      ],
      (e, path) => ({ path, type: e.type, linkpath: '' }),
    );
    expect(paths(fs)).toEqual(['ok']);
  });
});

describe('MergedFs: place() with broken lower links', () => {
  it('an entry under a lower symlink loop or a link through a file stays where it is written, under both rules', () => {
    for (const rule of ['replace', 'follow'] as const) {
      const { fs, div } = fsOf([[l('loop', 'loop'), f('target'), l('tofile', 'target/z')], [f('loop/x'), f('tofile/y')]], rule);
      expect(paths(fs)).toEqual(['loop/x', 'target', 'tofile/y']);
      expect(div[1]).toEqual([]);
    }
  });

  it('an entry under a lower file is not a divergence (every engine replaces the file)', () => {
    const { div } = fsOf([[f('a')], [f('a/x')]], 'follow');
    expect(div[1]).toEqual([]);
  });

  it('follows a lower link only with the follow rule, and says where the other rule puts it', () => {
    const base = [d('usr'), d('usr/lib'), l('lib', 'usr/lib')];
    const follow = fsOf([base, [f('lib/a')]], 'follow');
    expect(follow.div[1]).toEqual([{ path: 'lib/a', through: 'lib', placed: 'usr/lib/a', otherPath: 'lib/a', whiteout: false }]);
    expect(follow.fs.get('lib')?.type).toBe('symlink');
    // A top-level entry has no parent to go through.
    expect(fsOf([base, [f('lib2')]], 'follow').div[1]).toEqual([]);
  });

  it('a same-layer symlink is followed by both rules, with no divergence', () => {
    for (const rule of ['replace', 'follow'] as const) {
      const { fs, div } = fsOf([[d('usr'), d('usr/bin')], [l('bin', 'usr/bin'), f('bin/sh')]], rule);
      expect(fs.has('usr/bin/sh')).toBe(true);
      expect(fs.has('bin/sh')).toBe(false);
      expect(div[1]).toEqual([]);
    }
  });
});

describe('MergedFs: whiteouts under the layer’s own non-directories', () => {
  it('an opaque whiteout under a same-layer symlink clears the link target’s children only with follow', () => {
    const base = [d('usr'), d('usr/bin'), f('usr/bin/a'), d('bin'), f('bin/b')];
    const app = [l('bin', 'usr/bin'), f('bin/.wh..wh..opq')];
    const replace = fsOf([base, app]);
    expect(paths(replace.fs)).toEqual(['bin', 'usr', 'usr/bin', 'usr/bin/a']);
    expect(replace.div[1]).toEqual([{ path: 'bin/.wh..wh..opq', through: 'bin', placed: '', otherPath: 'usr/bin', whiteout: true }]);
    const follow = fsOf([base, app], 'follow');
    expect(paths(follow.fs)).toEqual(['bin', 'usr', 'usr/bin']);
    expect(follow.div[1]).toEqual([{ path: 'bin/.wh..wh..opq', through: 'bin', placed: 'usr/bin', otherPath: '', whiteout: true }]);
  });

  it('a whiteout under a same-layer file or looping link deletes nothing and is no divergence', () => {
    for (const rule of ['replace', 'follow'] as const) {
      const base = [d('a'), f('a/x'), d('b'), f('b/y')];
      const { fs, div } = fsOf([base, [f('a'), f('a/.wh.x'), l('b', 'b'), f('b/.wh.y')]], rule);
      expect(paths(fs)).toEqual(['a', 'b']);
      expect(div[1]).toEqual([]);
    }
  });

  it('a top-level whiteout is never under an own non-directory', () => {
    const { fs, div } = fsOf([[f('x'), f('y')], [l('z', 'x'), f('.wh.x')]]);
    expect(paths(fs)).toEqual(['y', 'z']);
    expect(div[1]).toEqual([]);
  });
});

describe('path helpers', () => {
  it('joins, orders and tests containment of cleaned paths', () => {
    expect(joinPath('', 'a')).toBe('a');
    expect(joinPath('a/b', 'c')).toBe('a/b/c');
    expect(comparePaths('a', 'b')).toBe(-1);
    expect(comparePaths('b', 'a')).toBe(1);
    expect(comparePaths('a', 'a')).toBe(0);
    expect(['a/b', 'a', 'B', 'a-b'].sort(comparePaths)).toEqual(['B', 'a', 'a-b', 'a/b']);
    expect(isUnder('a/b', 'a')).toBe(true);
    expect(isUnder('a', 'a')).toBe(true);
    expect(isUnder('ab', 'a')).toBe(false);
    expect(isUnder('x', '')).toBe(true);
    expect(isUnder('a', 'a/b')).toBe(false);
  });
});
