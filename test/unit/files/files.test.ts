// ops/files: listLayer, mergedView, extractFile on archives built here (our tar encoder + fflate gzip, not the code
// under test's own reader path), covering whiteouts, opaque dirs, a dir replaced by a symlink, hardlinks and PAX
// long names.

import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { tarBlob } from '../../../src/engine/tar/writer';
import type { TarHeaderInput } from '../../../src/engine/tar/types';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { memoryScratch, type Scratch } from '../../../src/engine/env';
import { LwError } from '../../../src/engine/errors';
import { MediaType } from '../../../src/engine/oci/types';
import { extractFile, listLayer, mergedView, modeString, packEntries, saveName, sortByPath, unpackEntries, EXTRACT_IN_MEMORY } from '../../../src/engine/ops/files';
import { dir, file, hard, layer, openBuilt, sym, wh, type BuiltLayer } from '../layers/fixtures';

const LONG = `deep/${'d'.repeat(120)}/${'f'.repeat(130)}.txt`;

const base = () =>
  layer([
    dir('./'),
    dir('./bin/'),
    file('./bin/sh', 'shell'),
    file('./bin/ls', 'ls'),
    dir('./etc/'),
    file('./etc/passwd', 'root'),
    file('./etc/shadow', 'secret'),
    dir('./var/'),
    dir('./var/cache/'),
    file('./var/cache/a', 'a'),
    file('./var/cache/b', 'b'),
    dir('./usr/'),
    dir('./usr/bin/'),
    file('./usr/bin/env', 'env'),
  ]);

const upper = () =>
  layer([
    sym('bin', 'usr/bin'), // a directory replaced by a symlink: every lower bin/* is gone
    wh('bin/.wh.sh'), // the seed defect: redundant whiteouts under the symlink
    wh('etc/.wh.shadow'),
    dir('var/cache/'),
    wh('var/cache/.wh..wh..opq'),
    file('var/cache/c', 'c'),
    file('usr/bin/sh', 'new shell'),
    hard('usr/bin/bash', 'usr/bin/sh'),
    file(LONG, 'long'),
    file('orphan/child/x', 'x'), // parents never stored
  ]);

async function open(layers: BuiltLayer[]) {
  return (await openBuilt({ layers })).archive;
}

describe('listLayer', () => {
  it('lists every entry in archive order with cleaned paths, whiteouts marked, hardlinks and PAX names resolved', async () => {
    const archive = await open([await base(), await upper()]);
    const l0 = await listLayer(archive, 0, 0);
    expect(l0.map((e) => e.path)).toEqual(['', 'bin', 'bin/sh', 'bin/ls', 'etc', 'etc/passwd', 'etc/shadow', 'var', 'var/cache', 'var/cache/a', 'var/cache/b', 'usr', 'usr/bin', 'usr/bin/env']);
    expect(l0[2]).toMatchObject({ type: 'file', size: 5, mode: 0o644, mtime: 1700000000 });
    expect(l0[1]).toMatchObject({ type: 'dir', size: 0, mode: 0o755 });

    const l1 = await listLayer(archive, 0, 1);
    expect(l1.map((e) => e.path)).toEqual(['bin', 'bin/.wh.sh', 'etc/.wh.shadow', 'var/cache', 'var/cache/.wh..wh..opq', 'var/cache/c', 'usr/bin/sh', 'usr/bin/bash', LONG, 'orphan/child/x']);
    expect(l1[0]).toMatchObject({ type: 'symlink', linkpath: 'usr/bin' });
    expect(l1[1]).toMatchObject({ whiteout: 'file', target: 'bin/sh' });
    expect(l1[2]).toMatchObject({ whiteout: 'file', target: 'etc/shadow' });
    expect(l1[4]).toMatchObject({ whiteout: 'opaque', target: 'var/cache' });
    expect(l1[5].whiteout).toBeUndefined();
    expect(l1[7]).toMatchObject({ type: 'hardlink', linkpath: 'usr/bin/sh', size: 0 });
    expect(l1[8]).toMatchObject({ type: 'file', size: 4 });
  });

  it('reports progress in stored bytes up to the layer size, and is cancellable', async () => {
    const archive = await open([await base()]);
    const size = archive.images[0].layers[0].blob!.size;
    const seen: [number, number][] = [];
    await listLayer(archive, 0, 0, { onProgress: (d, t) => void seen.push([d, t]) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([size, size]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);

    const ac = new AbortController();
    ac.abort();
    await expect(listLayer(archive, 0, 0, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('turns bad arguments and broken layers into LwErrors naming the layer', async () => {
    const good = await base();
    const tar = new Uint8Array(await tarBlob([{ header: { path: 'a', type: 'file', size: 4000 }, body: new Uint8Array(4000) }]).arrayBuffer());
    const cut = gzipSync(tar.subarray(0, 1200), { mtime: 0 });
    const broken: BuiltLayer = { bytes: cut, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(cut), size: cut.length } };
    const archive = await open([good, broken]);
    await expect(listLayer(archive, 0, 5)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(listLayer(archive, 3, 0)).rejects.toMatchObject({ code: 'invalid-argument' });
    const err = await listLayer(archive, 0, 1).catch((e) => e);
    expect(err).toBeInstanceOf(LwError);
    expect(err.code).toBe('truncated');
    expect(err.where.layer).toBe(1);
  });
});

describe('mergedView', () => {
  it('applies whiteouts, opaque dirs and replacement by a non-directory; tags each path with its layer', async () => {
    const archive = await open([await base(), await upper()]);
    const merged = await mergedView(archive, 0);
    const by = new Map(merged.map((e) => [e.path, e]));
    expect(merged.map((e) => e.path)).toEqual([
      'bin', 'deep', `deep/${'d'.repeat(120)}`, LONG, 'etc', 'etc/passwd', 'orphan', 'orphan/child', 'orphan/child/x',
      'usr', 'usr/bin', 'usr/bin/bash', 'usr/bin/env', 'usr/bin/sh', 'var', 'var/cache', 'var/cache/c',
    ]);
    expect(by.get('bin')).toMatchObject({ type: 'symlink', linkpath: 'usr/bin', layer: 1, ordinal: 0 });
    expect(by.get('etc/passwd')).toMatchObject({ layer: 0, type: 'file' });
    expect(by.get('var/cache')).toMatchObject({ layer: 1, type: 'dir' });
    expect(by.get('usr/bin/env')).toMatchObject({ layer: 0 });
    expect(by.get('usr/bin/sh')).toMatchObject({ layer: 1, size: 9 });
    expect(by.get('usr/bin/bash')).toMatchObject({ layer: 1, type: 'hardlink', linkpath: 'usr/bin/sh' });
    expect(by.get('orphan/child')).toMatchObject({ type: 'dir', implied: true });
    expect(by.get('orphan/child')!.ordinal).toBeUndefined();
    // No whiteout entries ever appear in a merged view.
    expect(merged.some((e) => e.path.includes('.wh.'))).toBe(false);
  });

  it('stops at the layer asked for', async () => {
    const archive = await open([await base(), await upper()]);
    const merged = await mergedView(archive, 0, 0);
    expect(merged.map((e) => e.path)).toContain('bin/sh');
    expect(merged.map((e) => e.path)).toContain('etc/shadow');
    expect(merged.every((e) => e.layer === 0)).toBe(true);
    await expect(mergedView(archive, 0, 2)).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('a directory over a symlink replaces it, a whiteout never hides its own layer', async () => {
    const l0 = await layer([sym('lib', 'usr/lib'), dir('usr/'), dir('usr/lib/'), file('usr/lib/a')]);
    const l1 = await layer([dir('lib/'), file('lib/b'), wh('lib/.wh.b'), wh('usr/lib/.wh.a')]);
    const archive = await open([l0, l1]);
    const merged = await mergedView(archive, 0);
    const by = new Map(merged.map((e) => [e.path, e]));
    expect(by.get('lib')).toMatchObject({ type: 'dir', layer: 1 });
    expect(by.get('lib/b')).toMatchObject({ layer: 1 });
    expect(by.has('usr/lib/a')).toBe(false);
    expect(by.get('usr/lib')).toMatchObject({ layer: 0 });
  });

  it('reports progress across all layers', async () => {
    const archive = await open([await base(), await upper()]);
    const total = archive.images[0].layers.reduce((s, l) => s + l.blob!.size, 0);
    let last: [number, number] = [0, 0];
    await mergedView(archive, 0, undefined, { onProgress: (d, t) => void (last = [d, t]) });
    expect(last).toEqual([total, total]);
  });
});

describe('extractFile', () => {
  it('returns the bytes of a file, of a hardlink target, and the last of duplicate entries', async () => {
    const dup = await layer([file('a', 'first'), file('b', 'bee'), file('a', 'second')]);
    const archive = await open([await base(), await upper(), dup]);
    const env = { scratch: memoryScratch() };
    const text = async (b: Blob) => new TextDecoder().decode(await b.arrayBuffer());
    expect(await text(await extractFile(archive, 0, 0, 'etc/passwd', env))).toBe('root');
    expect(await text(await extractFile(archive, 0, 0, '/etc/passwd', env))).toBe('root');
    expect(await text(await extractFile(archive, 0, 1, 'usr/bin/bash', env))).toBe('new shell');
    expect(await text(await extractFile(archive, 0, 1, LONG, env))).toBe('long');
    expect(await text(await extractFile(archive, 0, 2, 'a', env))).toBe('second');
    expect(await text(await extractFile(archive, 0, 2, 'a', env, { ordinal: 0 }))).toBe('first');
    await expect(extractFile(archive, 0, 0, 'etc', env)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(extractFile(archive, 0, 1, 'bin', env)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(extractFile(archive, 0, 0, 'nope', env)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(extractFile(archive, 0, 2, 'a', env, { ordinal: 1 })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('streams a large file into scratch, not memory', async () => {
    const size = EXTRACT_IN_MEMORY + 1000;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) body[i] = i & 0xff;
    const header: TarHeaderInput = { path: 'big.bin', type: 'file', size, mode: 0o600 };
    const tar = new Uint8Array(await tarBlob([{ header, body }]).arrayBuffer());
    const gz = gzipSync(tar, { level: 1, mtime: 0 });
    const big: BuiltLayer = { bytes: gz, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(gz), size: gz.length } };
    const archive = await open([big]);
    let created = 0;
    const mem = memoryScratch();
    const scratch: Scratch = { create: (n) => (created++, mem.create(n)) };
    const out = await extractFile(archive, 0, 0, 'big.bin', { scratch });
    expect(created).toBe(1);
    expect(out.size).toBe(size);
    expect(await sha256Bytes(new Uint8Array(await out.arrayBuffer()))).toBe(await sha256Bytes(body));
    // Small files never touch scratch.
    const small = await open([await base()]);
    await extractFile(small, 0, 0, 'bin/sh', { scratch });
    expect(created).toBe(1);
  });
});

describe('helpers', () => {
  it('modeString reads like ls -l', () => {
    expect(modeString('dir', 0o755)).toBe('drwxr-xr-x');
    expect(modeString('file', 0o4755)).toBe('-rwsr-xr-x');
    expect(modeString('dir', 0o1777)).toBe('drwxrwxrwt');
    expect(modeString('symlink', 0o777)).toBe('lrwxrwxrwx');
    expect(modeString('file', 0o2640)).toBe('-rw-r-S---');
  });
  it('saveName keeps the basename only and nothing a file system could misread', () => {
    expect(saveName('usr/bin/env')).toBe('env');
    expect(saveName('../../etc/passwd')).toBe('passwd');
    expect(saveName('a/b\\..\\c')).toBe('b_.._c');
    expect(saveName('etc/.bashrc')).toBe('_bashrc');
    expect(saveName('x/con\u0000trol\n')).toBe('con_trol_');
    expect(saveName('')).toBe('file');
  });
  it('sortByPath puts children right after their parent', () => {
    expect(sortByPath([{ path: 'a-b' }, { path: 'a/c' }, { path: 'a' }, { path: 'a/b' }]).map((e) => e.path)).toEqual(['a', 'a/b', 'a/c', 'a-b']);
  });
});

describe('packEntries / unpackEntries', () => {
  it('round-trips both listings exactly (the worker → page wire form)', async () => {
    const archive = await open([await base(), await upper()]);
    const l1 = await listLayer(archive, 0, 1);
    const merged = await mergedView(archive, 0);
    const weird = [{ path: '', type: 'dir' as const, size: 0, mode: 0o755, uid: 4294967294, gid: 0, mtime: -1.5, linkpath: '', pathProblem: 'escapes-root' as const }];
    for (const rows of [l1, merged, weird, []]) {
      const packed = structuredClone(packEntries(rows));
      expect(unpackEntries(packed)).toEqual(rows);
    }
  });
});
