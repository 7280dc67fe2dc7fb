// changesByLayer: each layer against the merged filesystem below it, with the merged model's OCI rules.

import { describe, expect, it } from 'vitest';
import { changesByLayer, mergedAfter, type LayerChanges } from '../../../src/engine/ops/explore/changes';
import { packChanges, unpackChanges } from '../../../src/engine/ops/explore/changes-wire';
import { ListingCache } from '../../../src/engine/ops/explore/listings';
import type { FileEntry } from '../../../src/engine/ops/files';
import { opaqueDir, whiteoutTarget } from '../../../src/engine/layers/whiteout';
import { dir as tdir, file as tfile, layer, openBuilt, wh as twh } from '../layers/fixtures';

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1700000000, linkpath: '' };
const f = (path: string, size: number, extra: Partial<FileEntry> = {}): FileEntry => ({ ...base, path, type: 'file', size, ...extra });
const d = (path: string, extra: Partial<FileEntry> = {}): FileEntry => ({ ...base, mode: 0o755, path, type: 'dir', size: 0, ...extra });
const l = (path: string, target: string): FileEntry => ({ ...base, mode: 0o777, path, type: 'symlink', size: 0, linkpath: target });
function wh(path: string): FileEntry {
  const t = whiteoutTarget(path);
  const o = opaqueDir(path);
  return { ...base, path, type: 'file', size: 0, ...(t !== undefined ? { whiteout: 'file', target: t } : o !== undefined ? { whiteout: 'opaque', target: o } : {}) };
}
const kinds = (c: LayerChanges) => c.changes.map((x) => `${x.kind} ${x.path} ${x.size}${x.opaque ? ' opaque' : ''}`);

describe('changesByLayer', () => {
  it('counts what the bottom layer adds', () => {
    const [c] = changesByLayer([[d('etc'), f('etc/a', 10), f('etc/b', 5)]]);
    expect(kinds(c)).toEqual(['added etc 0', 'added etc/a 10', 'added etc/b 5']);
    expect(c).toMatchObject({ layer: 0, added: 3, changed: 0, removed: 0, opaqueDirs: 0, addedBytes: 15, changedBytes: 0, removedBytes: 0 });
  });

  it('a whiteout of a file removes it with its bytes', () => {
    const [, c] = changesByLayer([[f('a', 8_000_000), f('b', 1)], [wh('.wh.a')]]);
    expect(kinds(c)).toEqual(['removed a 8000000']);
    expect(c.changes[0].before).toMatchObject({ type: 'file', size: 8_000_000 });
    expect(c).toMatchObject({ removed: 1, removedBytes: 8_000_000, added: 0 });
  });

  it('a whiteout of a directory is one change carrying the bytes of its subtree', () => {
    const [, c] = changesByLayer([[d('usr'), d('usr/lib'), f('usr/lib/x', 100), f('usr/lib/y', 20), d('usr/lib/z'), f('usr/lib/z/w', 3)], [wh('usr/.wh.lib')]]);
    expect(kinds(c)).toEqual(['removed usr/lib 123']);
    expect(c).toMatchObject({ removed: 1, removedBytes: 123 });
  });

  it('an opaque directory hides each lower child (marked opaque) and keeps the directory', () => {
    const [, c] = changesByLayer([[d('etc'), f('etc/a', 4), d('etc/sub'), f('etc/sub/b', 6)], [d('etc'), wh('etc/.wh..wh..opq'), f('etc/new', 2)]]);
    expect(kinds(c)).toEqual(['changed etc 0 opaque', 'removed etc/a 4 opaque', 'added etc/new 2', 'removed etc/sub 6 opaque']);
    expect(c).toMatchObject({ opaqueDirs: 1, removed: 2, removedBytes: 10, added: 1, addedBytes: 2, changed: 1 });
  });

  it('an opaque directory that writes a lower child again: that child is changed, not removed', () => {
    const [, c] = changesByLayer([[d('etc'), f('etc/a', 4)], [d('etc'), wh('etc/.wh..wh..opq'), f('etc/a', 7)]]);
    expect(kinds(c)).toEqual(['changed etc 0 opaque', 'changed etc/a 7']);
  });

  it('a file replacing a directory removes the subtree; a directory replacing a file changes the path', () => {
    const [, c, c2] = changesByLayer([[d('x'), f('x/1', 5), f('x/2', 6), f('y', 9)], [f('x', 1), d('y'), f('y/z', 2)], [d('x')]]);
    expect(kinds(c)).toEqual(['changed x 1', 'removed x/1 5', 'removed x/2 6', 'changed y 0', 'added y/z 2']);
    expect(c.changes.find((x) => x.path === 'x')!.before).toMatchObject({ type: 'dir' });
    expect(c.changes.find((x) => x.path === 'y')!.before).toMatchObject({ type: 'file', size: 9 });
    expect(c).toMatchObject({ changed: 2, changedBytes: 1, removed: 2, removedBytes: 11, added: 1 });
    expect(kinds(c2)).toEqual(['changed x 0']);
  });

  it('a path deleted by one layer and written again by a later one is added there', () => {
    const out = changesByLayer([[f('a', 3)], [wh('.wh.a')], [f('a', 4)]]);
    expect(out.map(kinds)).toEqual([['added a 3'], ['removed a 3'], ['added a 4']]);
  });

  it('whiteout and new entry of the same path in one layer: changed', () => {
    const [, c] = changesByLayer([[d('d'), f('d/old', 5)], [wh('.wh.d'), d('d'), f('d/new', 1)]]);
    expect(kinds(c)).toEqual(['changed d 0', 'added d/new 1', 'removed d/old 5']);
  });

  it('a file written identically twice is changed (like dive: its bytes are stored again)', () => {
    const [, c] = changesByLayer([[f('a', 10)], [f('a', 10)]]);
    expect(kinds(c)).toEqual(['changed a 10']);
    expect(c).toMatchObject({ changed: 1, changedBytes: 10 });
  });

  it('parent directories written again with the same mode and owner are not changes; a mode change is', () => {
    const [, c] = changesByLayer([[d('usr'), d('usr/bin'), f('usr/bin/a', 1)], [d('usr'), d('usr/bin', { mode: 0o700 }), f('usr/bin/b', 2)]]);
    expect(kinds(c)).toEqual(['changed usr/bin 0', 'added usr/bin/b 2']);
  });

  it('whiteouts act on lower layers only and on nothing missing', () => {
    const [c] = changesByLayer([[f('a', 1), wh('.wh.a'), wh('.wh.ghost')]]);
    expect(kinds(c)).toEqual(['added a 1']);
  });

  it('a layer entry under a lower symlink replaces the link (the default parent rule)', () => {
    const [, c] = changesByLayer([[d('usr'), d('usr/lib'), l('lib', 'usr/lib')], [f('lib/x', 2)]]);
    expect(kinds(c)).toEqual(['removed lib 0', 'added lib/x 2']);
  });

  it('mergedAfter walks the same listings once', () => {
    const a = [f('a', 1)];
    const b = [wh('.wh.a'), f('b', 2)];
    const fs = mergedAfter([a, b]);
    expect([...fs.entries()].map((n) => n.path)).toEqual(['b']);
    expect(mergedAfter([a, b])).toBe(fs);
    expect(mergedAfter([[f('a', 1)], b])).not.toBe(fs); // another lower listing: walked again
    expect(mergedAfter([a])).not.toBe(fs);
  });

  it('packs and unpacks every field', () => {
    const out = changesByLayer([[d('etc'), f('etc/a', 4), l('s', 'etc/a')], [d('etc'), wh('etc/.wh..wh..opq'), wh('.wh.s')], []]);
    expect(unpackChanges(packChanges(out))).toEqual(out);
  });

  it('works over a ListingCache of a real image', async () => {
    const { archive } = await openBuilt({
      layers: [await layer([tdir('./'), tfile('./a', 'aaaa'), tdir('d/'), tfile('d/x', 'xx')]), await layer([twh('.wh.a'), twh('d/.wh..wh..opq')])],
    });
    const out = changesByLayer(await new ListingCache(archive).all(0));
    expect(out[0]).toMatchObject({ added: 3, addedBytes: 6 }); // './' is the root: not a change
    expect(kinds(out[1])).toEqual(['removed a 4', 'removed d/x 2 opaque']);
  });
});

describe('ListingCache.tarSize', () => {
  it('notes the uncompressed tar size of each layer it listed', async () => {
    const { archive } = await openBuilt({ layers: [await layer([tfile('a', 'x'.repeat(1000))]), await layer([tfile('b', 'y')], 'none')] });
    const cache = new ListingCache(archive);
    expect(cache.tarSize(0, 0)).toBeUndefined();
    await cache.all(0);
    // One header + 1000 bytes padded to 1024 + the two end blocks, as written (the writer may pad to a record).
    const sizes = [cache.tarSize(0, 0)!, cache.tarSize(0, 1)!];
    expect(sizes[0] % 512).toBe(0);
    expect(sizes[0]).toBeGreaterThanOrEqual(512 + 1024 + 1024);
    expect(sizes[1]).toBe(archive.images[0].layers[1].descriptor.size); // uncompressed layer: stored = tar
  });
});

describe('ListingCache gate', () => {
  it('a background read waits at its gate; a caller without one lifts it', async () => {
    const { archive } = await openBuilt({ layers: [await layer([tfile('a', 'x')])] });
    const cache = new ListingCache(archive);
    let calls = 0;
    const gate = () => (calls++, new Promise<void>(() => {})); // never opens by itself
    let done = false;
    const background = cache.get(0, 0, { gate }).then((l) => ((done = true), l));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBeGreaterThan(0);
    expect(done).toBe(false);
    const user = await cache.get(0, 0); // would wait forever if the gate held
    expect(user.map((e) => e.path)).toEqual(['a']);
    expect(await background).toBe(user);
  });
});
