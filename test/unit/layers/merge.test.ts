// The one merged-filesystem model (layers/merge.ts) and the one resolver (layers/resolve.ts), on layers given as
// entry lists: whiteouts, opaque directories, replacements both ways, hardlinks, loops, deep paths, the parent rule.
import { describe, expect, it } from 'vitest';
import { MergedFs, type MergedNode } from '../../../src/engine/layers/merge';
import { MAX_SYMLINKS, resolve, resolvedPath } from '../../../src/engine/layers/resolve';
import type { TarEntryType } from '../../../src/engine/tar/types';

type Ent = { path: string; type: TarEntryType; linkpath: string };
const d = (path: string): Ent => ({ path, type: 'dir', linkpath: '' });
const f = (path: string): Ent => ({ path, type: 'file', linkpath: '' });
const l = (path: string, linkpath: string): Ent => ({ path, type: 'symlink', linkpath });
const h = (path: string, linkpath: string): Ent => ({ path, type: 'hardlink', linkpath });
const wh = (path: string): Ent => f(path);

function merged(layers: Ent[][], rule: 'replace' | 'follow' = 'replace') {
  const fs = new MergedFs<MergedNode & { layer: number }>(rule);
  const div = layers.map((ents, layer) => fs.applyLayer(ents, (e, path) => ({ path, type: e.type, linkpath: e.linkpath, layer })));
  return { fs, div };
}
const paths = (fs: MergedFs) => [...fs.entries()].map((n) => n.path).sort();

describe('MergedFs: OCI whiteouts', () => {
  it('a whiteout deletes the lower path with its subtree, never an entry of its own layer', () => {
    const { fs } = merged([
      [d('etc'), f('etc/a'), d('etc/sub'), f('etc/sub/x'), f('etc/b')],
      [wh('etc/.wh.sub'), wh('etc/.wh.b'), f('etc/b')],
    ]);
    expect(paths(fs)).toEqual(['etc', 'etc/a', 'etc/b']);
    expect(fs.get('etc/b')!.layer).toBe(1);
  });

  it('an opaque whiteout hides every lower child but keeps the directory and its own layer’s children', () => {
    const { fs } = merged([
      [d('opt'), f('opt/old'), d('opt/deep'), f('opt/deep/er'), f('keep')],
      [d('opt'), wh('opt/.wh..wh..opq'), f('opt/new')],
      [wh('opt/.wh.old')],
    ]);
    expect(paths(fs)).toEqual(['keep', 'opt', 'opt/new']);
    expect(fs.get('opt')!.layer).toBe(1);
  });

  it('bare and reserved whiteouts delete nothing', () => {
    const { fs } = merged([[d('a'), f('a/x')], [wh('a/.wh.'), wh('a/.wh..wh.plnk')]]);
    expect(paths(fs)).toEqual(['a', 'a/x']);
  });

  it('whiteouts under a same-layer symlink are moot with Docker’s rule and go through the link with containerd’s', () => {
    const base = [d('bin'), f('bin/sh'), f('bin/bash'), d('usr'), d('usr/bin'), f('usr/bin/bash'), f('usr/bin/env')];
    const app = [l('bin', 'usr/bin'), wh('bin/.wh.bash'), wh('bin/.wh.sh')];
    const docker = merged([base, app]);
    // The link replaces bin/ with its subtree; nothing under usr/bin is touched.
    expect(paths(docker.fs)).toEqual(['bin', 'usr', 'usr/bin', 'usr/bin/bash', 'usr/bin/env']);
    expect(docker.div[1].map((x) => [x.path, x.otherPath])).toEqual([['bin/.wh.bash', 'usr/bin/bash'], ['bin/.wh.sh', 'usr/bin/sh']]);
    const containerd = merged([base, app], 'follow');
    // The whiteout lands at usr/bin/bash: the base's /usr/bin/bash is silently deleted.
    expect(paths(containerd.fs)).toEqual(['bin', 'usr', 'usr/bin', 'usr/bin/env']);
    expect(containerd.div[1].map((x) => [x.path, x.placed])).toEqual([['bin/.wh.bash', 'usr/bin/bash'], ['bin/.wh.sh', 'usr/bin/sh']]);
  });
});

describe('MergedFs: replacement', () => {
  it('a file replaces a directory with its subtree, and a directory replaces the file back', () => {
    const { fs } = merged([[d('x'), d('x/y'), f('x/y/z')], [f('x')], [d('x'), f('x/w')]]);
    expect(paths(fs)).toEqual(['x', 'x/w']);
    expect(fs.get('x')).toMatchObject({ type: 'dir', layer: 2 });
  });

  it('a directory over a directory keeps the children; a symlink over a directory drops them', () => {
    const { fs } = merged([[d('lib'), f('lib/a')], [d('lib'), f('lib/b')], [l('lib', 'usr/lib')]]);
    expect(paths(fs)).toEqual(['lib']);
    expect(fs.get('lib')).toMatchObject({ type: 'symlink', linkpath: 'usr/lib' });
  });

  it('an entry under a lower symlink: Docker makes a real directory, containerd writes through the link', () => {
    const layers = [[d('usr'), d('usr/lib'), f('usr/lib/ld.so'), l('lib', 'usr/lib')], [f('lib/libnew.so')]];
    const docker = merged(layers);
    expect(paths(docker.fs)).toEqual(['lib/libnew.so', 'usr', 'usr/lib', 'usr/lib/ld.so']);
    expect(docker.fs.isImpliedDir('lib')).toBe(true);
    expect(docker.div[1]).toEqual([{ path: 'lib/libnew.so', through: 'lib', placed: 'lib/libnew.so', otherPath: 'usr/lib/libnew.so', whiteout: false }]);
    const containerd = merged(layers, 'follow');
    expect(paths(containerd.fs)).toEqual(['lib', 'usr', 'usr/lib', 'usr/lib/ld.so', 'usr/lib/libnew.so']);
  });

  it('keeps hardlinks as hardlinks to their cleaned target, and a whiteout of the target leaves the link', () => {
    const { fs } = merged([[d('b'), f('b/a'), h('b/c', 'b/a')], [wh('b/.wh.a')]]);
    expect(paths(fs)).toEqual(['b', 'b/c']);
    expect(fs.get('b/c')).toMatchObject({ type: 'hardlink', linkpath: 'b/a' });
  });

  it('handles deep paths without recursion limits', () => {
    const parts = Array.from({ length: 1500 }, (_, i) => `d${i % 7}`);
    const deep = parts.join('/');
    const { fs } = merged([[f(`${deep}/leaf`)], [wh(`${parts.slice(0, 2).join('/')}/.wh.${parts[2]}`)]]);
    expect(fs.size === 0).toBe(true);
    const again = merged([[f(`${deep}/leaf`)]]);
    expect(resolve(again.fs.lookup, `/${deep}/leaf`).node?.type).toBe('file');
    expect(again.fs.descendants('').length).toBe(1);
    expect(again.fs.descendants('')[0] === `${deep}/leaf`).toBe(true);
  });
});

describe('resolve: symlinks as the kernel follows them in a chroot', () => {
  const { fs } = merged([
    [
      d('usr'), d('usr/bin'), f('usr/bin/dash'), l('usr/bin/sh', 'dash'), l('bin', 'usr/bin'), l('abs', '/usr/bin/sh'),
      l('up', '../../../../usr/bin/dash'), d('a'), l('a/b', '../usr/bin'), l('loop1', 'loop2'), l('loop2', 'loop1'),
      l('self', 'self/x'), f('plain'),
    ],
  ]);

  it('follows relative and absolute targets, and `..` from what a link reached', () => {
    expect(resolve(fs.lookup, '/bin/sh')).toMatchObject({ path: 'usr/bin/dash', visited: ['bin', 'usr', 'usr/bin', 'usr/bin/sh', 'usr/bin/dash'] });
    expect(resolve(fs.lookup, 'abs').path).toBe('usr/bin/dash');
    // a/b -> ../usr/bin: `a/b/..` is usr (the parent of what b reached), not a.
    expect(resolve(fs.lookup, 'a/b/../bin/dash').path).toBe('usr/bin/dash');
    expect(resolve(fs.lookup, 'bin/sh', { followLast: false })).toMatchObject({ path: 'usr/bin/sh', node: { type: 'symlink' } });
  });

  it('clamps `..` at the root like a chroot and says so', () => {
    const r = resolve(fs.lookup, 'up');
    expect(r).toMatchObject({ path: 'usr/bin/dash', clamped: true });
    expect(resolve(fs.lookup, '../../plain')).toMatchObject({ path: 'plain', clamped: true });
  });

  it('stops at loops after MAX_SYMLINKS links, never hangs', () => {
    expect(resolve(fs.lookup, 'loop1')).toMatchObject({ error: 'loop' });
    expect(resolve(fs.lookup, 'self')).toMatchObject({ error: 'loop' });
    expect(resolve(fs.lookup, 'loop1').links.length).toBe(MAX_SYMLINKS);
    expect(() => resolvedPath(fs.lookup, 'self/y')).toThrow(/symlink/i);
  });

  it('reports where a path breaks: a missing component, a file used as a directory', () => {
    expect(resolve(fs.lookup, 'bin/nothere/x')).toMatchObject({ error: 'missing', missingAt: 'usr/bin/nothere', path: 'usr/bin/nothere/x' });
    expect(resolve(fs.lookup, 'plain/x')).toMatchObject({ error: 'not-dir', missingAt: 'plain' });
    // Where an entry would land (extraction creates missing parents): through the links that exist.
    expect(resolvedPath(fs.lookup, 'bin/new/dir/x')).toBe('usr/bin/new/dir/x');
  });
});
