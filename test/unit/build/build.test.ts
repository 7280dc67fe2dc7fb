import { describe, expect, it } from 'vitest';
import { LwError } from '../../../src/engine/errors';
import { build } from '../../../src/engine/ops/build';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { openImage } from '../../../src/engine/oci/archive';
import { digestBlob } from '../../../src/engine/digest/index';
import type { Platform } from '../../../src/engine/oci/types';
import { buildAndOpen, env, gz, layersOf, paths, readLayer, rootfsTar } from './helpers';

// A classic-layout base (real /bin, /lib, /sbin, /var/log) and a merged-usr app, like the seed's case.
const CLASSIC = [
  'bin/',
  ['bin/sh', '#!shell'],
  ['bin/ls', 'base-ls'],
  ['bin/same', 'identical'],
  ['bin/dup', 'old-dup'],
  ['bin/back', 'real-back'],
  ['bin/fwd', '->', '/usr/bin/fwd'],
  ['bin/rel', '->', 'sh'],
  ['bin/up', '->', '../etc/conf'],
  ['bin/hl', '=>', 'bin/sh'],
  'bin/sub/',
  ['bin/sub/tool', 'sub-tool'],
  'etc/',
  ['etc/conf', 'conf'],
  'lib/',
  ['lib/ld.so', 'loader'],
  'sbin/',
  ['sbin/init', 'init'],
  'usr/',
  'usr/bin/',
  ['usr/bin/env', 'env'],
  ['usr/bin/same', 'identical'],
  ['usr/bin/dup', 'new-dup'],
  ['usr/bin/back', '->', '/bin/back'],
  ['usr/bin/fwd', 'fwd-real'],
  'usr/lib/',
  'var/',
  'var/log/',
  ['var/log/old.log', 'log'],
] as const;

const MERGED_APP = [
  '',
  ['bin', '->', 'usr/bin'],
  ['lib', '->', 'usr/lib'],
  ['sbin', '->', 'usr/sbin'],
  'usr/',
  'usr/bin/',
  ['usr/bin/ls', 'app-ls'],
  ['usr/bin/hello', '#!/bin/sh\necho hello\n'],
  'usr/lib/',
  ['usr/lib/libapp.so', 'lib'],
  'var/',
  ['var/log', '->', 'volatile/log'],
] as const;

async function classicBase() {
  const res = await build({ rootfs: [rootfsTar(CLASSIC as never)], settings: { sourceDateEpoch: 1000, tags: ['base:1', 'latest'] } }, env);
  return openImage(writeOciArchive(res.out), env);
}

describe('build from scratch', () => {
  it('writes one sorted layer, owners numeric, names cleared, mtimes clamped, seed config', async () => {
    const tar = rootfsTar(
      [
        'zz/',
        ['zz/b', 'b'],
        { h: { path: './a/file', type: 'file', size: 1, mode: 0o640, uid: 1000, gid: 100, uname: 'me', gname: 'us', mtime: 5e9 }, body: 'x' },
        'a/',
        '',
      ],
      { mtime: 500 },
    );
    const { res, image } = await buildAndOpen({ rootfs: [tar], settings: { sourceDateEpoch: 1000 } });
    expect(res.layers).toHaveLength(1);
    const [layer] = await layersOf(image);
    expect(paths(layer)).toEqual(['a/', 'a/file', 'zz/', 'zz/b']);
    const f = layer[1];
    expect([f.uid, f.gid, f.uname, f.mode, f.mtime]).toEqual([1000, 100, '', 0o640, 1000]);
    expect(layer[0].mtime).toBe(500);
    expect(image.tags).toEqual(['latest']);
    expect(image.config.config?.Cmd).toEqual(['/bin/sh']);
    expect(image.config.config?.Entrypoint).toBeUndefined();
    expect(image.config.created).toBe('1970-01-01T00:16:40Z');
    expect(image.config.rootfs.diff_ids).toEqual([res.layers[0].diffId]);
    expect(image.config.history).toEqual([{ created: '1970-01-01T00:16:40Z', created_by: expect.stringContaining('layerwright build') }]);
    expect(image.manifest.annotations?.['org.opencontainers.image.base.name']).toBeUndefined();
  });

  it('reads tar.gz rootfs without ./ prefixes; same bytes as the plain tar', async () => {
    const specs = ['etc/', ['etc/a', 'A'], ['etc/b', '->', 'a']] as never;
    const plain = await build({ rootfs: [rootfsTar(specs, { prefix: '' })], rootfsNames: ['app'], settings: { sourceDateEpoch: 7 } }, env);
    const zipped = await build({ rootfs: [await gz(rootfsTar(specs))], rootfsNames: ['app'], settings: { sourceDateEpoch: 7 } }, env);
    expect(zipped.layers[0].diffId).toBe(plain.layers[0].diffId);
    expect(zipped.manifest.digest).toBe(plain.manifest.digest);
  });

  it('reads tar.zst rootfs (made by the zstd tool when installed)', async () => {
    const { execFileSync } = await import('node:child_process');
    const specs = ['etc/', ['etc/a', 'A'.repeat(5000)]] as never;
    const plain = new Uint8Array(await rootfsTar(specs).arrayBuffer());
    let zst: Uint8Array;
    try {
      zst = execFileSync('zstd', ['-q', '-c'], { input: plain });
    } catch {
      return; // no zstd tool: the compress module's own tests cover fzstd
    }
    const a = await build({ rootfs: [new Blob([zst as BlobPart])], rootfsNames: ['r'], settings: { sourceDateEpoch: 3 } }, env);
    const b = await build({ rootfs: [new Blob([plain as BlobPart])], rootfsNames: ['r'], settings: { sourceDateEpoch: 3 } }, env);
    expect(a.manifest.digest).toBe(b.manifest.digest);
  });

  it('is byte-identical for the same inputs and SOURCE_DATE_EPOCH', async () => {
    const mk = async () => {
      const res = await build(
        { rootfs: [rootfsTar(MERGED_APP as never)], settings: { sourceDateEpoch: 1700000000, env: ['A=1'], labels: ['x=y z'] } },
        env,
      );
      return digestBlob(writeOciArchive(res.out));
    };
    expect(await mk()).toBe(await mk());
  });

  it('re-roots hardlinks so each link follows its target', async () => {
    // The tar lists z first and a as a link to it: sorted, a comes first, so a gets the bytes.
    const { image } = await buildAndOpen({ rootfs: [rootfsTar([['z', 'data'], ['a', '=>', 'z'], ['m', '=>', 'z']] as never)], settings: {} });
    const [layer] = await layersOf(image);
    expect(layer.map((e) => [e.path, e.type, e.linkpath, e.text])).toEqual([
      ['a', 'file', '', 'data'],
      ['m', 'hardlink', 'a', undefined],
      ['z', 'hardlink', 'a', undefined],
    ]);
  });

  it('several rootfs tarballs → several layers; split rules → one layer per rule, then the rest', async () => {
    const app = rootfsTar(['usr/', 'usr/lib/', ['usr/lib/a.so', 'a'], 'opt/', 'opt/my/', ['opt/my/app', 'x'], 'etc/', ['etc/c', 'c']] as never);
    const { res, image } = await buildAndOpen({
      rootfs: [app, rootfsTar([['etc/d', 'd']] as never)],
      settings: { split: 'libs:/usr/lib app:/opt/my nothing:/srv' },
    });
    expect(res.layers.map((l) => [l.rootfs, l.rule])).toEqual([
      [0, 'libs'],
      [0, 'app'],
      [0, ''],
      [1, ''],
    ]);
    const ls = await layersOf(image);
    expect(paths(ls[0])).toEqual(['usr/', 'usr/lib/', 'usr/lib/a.so']);
    expect(paths(ls[1])).toEqual(['opt/', 'opt/my/', 'opt/my/app']);
    expect(paths(ls[2])).toEqual(['etc/', 'etc/c', 'opt/', 'usr/']);
    expect(paths(ls[3])).toEqual(['etc/d']);
    expect(res.warnings.map((w) => w.code)).toContain('empty-split-layer');
    expect(image.config.history?.map((h) => h.created_by)).toHaveLength(4);
  });

  it('rejects unsafe paths and bad settings', async () => {
    await expect(build({ rootfs: [rootfsTar([['../evil', 'x']] as never, { prefix: '' })], settings: {} }, env)).rejects.toMatchObject({
      code: 'unsafe-path',
    });
    await expect(build({ rootfs: [rootfsTar(['a/'] as never)], settings: { cmd: '"x' } }, env)).rejects.toMatchObject({
      code: 'invalid-argument',
      where: { field: 'cmd' },
    });
    await expect(build({ rootfs: [rootfsTar(['a/'] as never)], settings: { split: 'bad' } }, env)).rejects.toMatchObject({ where: { field: 'split' } });
  });
});

describe('build on a classic base with a merged-usr app', () => {
  it('missing base tag → tag-not-found listing the tags', async () => {
    const base = await classicBase();
    const err = await build({ base, baseTag: 'nope', rootfs: [rootfsTar(['a/'] as never)], settings: {} }, env).catch((e) => e);
    expect(err).toBeInstanceOf(LwError);
    expect(err.code).toBe('tag-not-found');
    expect(err.message).toContain('base:1');
    expect(err.message).toContain('latest');
  });

  it('without carry-over: the symlink alone replaces the base directory, never a whiteout', async () => {
    const base = await classicBase();
    const { res, image } = await buildAndOpen({ base, baseTag: 'base:1', rootfs: [rootfsTar(MERGED_APP as never)], settings: { sourceDateEpoch: 2000, tags: ['app'] } });
    expect(image.layers).toHaveLength(2);
    expect(image.layers[0].descriptor.digest).toBe(base.images[0].layers[0].descriptor.digest); // base layer reused as is
    const layer = await readLayer(image.layers[1].blob!);
    expect(layer.some((e) => e.path.includes('.wh.'))).toBe(false);
    expect(paths(layer)).toEqual([
      'bin',
      'lib',
      'sbin',
      'usr/',
      'usr/bin/',
      'usr/bin/hello',
      'usr/bin/ls',
      'usr/lib/',
      'usr/lib/libapp.so',
      'var/',
      'var/log',
    ]);
    expect(res.replacedDirs).toEqual(['bin', 'lib', 'sbin', 'var/log']);
    expect(image.tags).toEqual(['app']);
    expect(image.manifest.annotations).toMatchObject({
      'org.opencontainers.image.base.name': 'base:1',
      'org.opencontainers.image.base.digest': base.images[0].manifestDescriptor.digest,
    });
    expect(image.config.rootfs.diff_ids).toHaveLength(2);
    expect(image.config.history).toHaveLength(2);
  });

  it('with usrmerge carry-over: base files move into the targets, conflicts resolved like usrmerge', async () => {
    const base = await classicBase();
    const { res, image } = await buildAndOpen({ base, rootfs: [rootfsTar(MERGED_APP as never)], settings: { usrmergeCarry: true, sourceDateEpoch: 2000 } });
    const layer = await readLayer(image.layers[1].blob!);
    const at = (p: string) => layer.find((e) => e.path === p || e.path === p + '/');
    expect(layer.some((e) => e.path.includes('.wh.'))).toBe(false);
    // carried; bin/hl was a hardlink to bin/sh: re-rooted so the first in sort order holds the bytes
    expect(at('usr/bin/hl')?.text).toBe('#!shell');
    expect(at('usr/bin/sh')).toMatchObject({ type: 'hardlink', linkpath: 'usr/bin/hl' });
    expect(at('usr/bin/ls')?.text).toBe('app-ls'); // the app's own file wins
    expect(at('usr/bin/same')).toBeUndefined(); // identical in both places: collapsed, base's stays
    expect(at('usr/bin/dup')).toBeUndefined(); // real conflict: the base's new-location file is kept
    expect(at('usr/bin/back')?.text).toBe('real-back'); // usr/bin/back -> /bin/back replaced by the real file
    expect(at('usr/bin/fwd')).toBeUndefined(); // bin/fwd -> /usr/bin/fwd: dropped (would loop)
    expect(at('usr/bin/rel')?.linkpath).toBe('sh'); // relative link still right from the new place
    expect(at('usr/bin/up')?.linkpath).toBe('/etc/conf'); // ../etc/conf would change meaning: made absolute
    expect(at('usr/bin/sub')?.type).toBe('dir');
    expect(at('usr/bin/sub/tool')?.text).toBe('sub-tool');
    expect(at('usr/lib/ld.so')?.text).toBe('loader');
    expect(at('usr/sbin')?.type).toBe('dir'); // target created
    expect(at('usr/sbin/init')?.text).toBe('init');
    expect(at('var/volatile/log/old.log')?.text).toBe('log');
    expect(res.conflicts.map((c) => [c.from, c.to, c.reason])).toEqual([['bin/dup', 'usr/bin/dup', 'both-differ']]);
    expect(res.carriedDirs.map((c) => [c.from, c.to])).toEqual([
      ['bin', 'usr/bin'],
      ['lib', 'usr/lib'],
      ['sbin', 'usr/sbin'],
      ['var/log', 'var/volatile/log'],
    ]);
    // the layer is sorted and every hardlink follows its target
    const ps = paths(layer);
    expect([...ps].sort()).toEqual(ps);
  });

  it('drop-identical leaves out entries equal to the base', async () => {
    const base = await classicBase();
    const app = rootfsTar(
      [
        { h: { path: 'etc/', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 1 } },
        { h: { path: 'etc/conf', type: 'file', size: 4, mode: 0o755, uid: 0, gid: 0, mtime: 99 }, body: 'conf' },
        { h: { path: 'etc/new', type: 'file', size: 1, mode: 0o644, uid: 0, gid: 0, mtime: 99 }, body: 'n' },
        { h: { path: 'usr/bin/env', type: 'file', size: 4, mode: 0o755, uid: 0, gid: 0, mtime: 99 }, body: 'ENV!' },
      ] as never,
    );
    const { res, image } = await buildAndOpen({ base, rootfs: [app], settings: { dropIdentical: true } });
    expect(paths(await readLayer(image.layers[1].blob!))).toEqual(['etc/new', 'usr/bin/env']);
    expect(res.dropped).toBe(2);
  });

  it('two stacked rootfs: the second sees the first (carry from an app layer)', async () => {
    const base = await classicBase();
    const first = rootfsTar(['opt/', 'opt/a/', ['opt/a/f', 'F']] as never);
    const second = rootfsTar([['opt/a', '->', 'b']] as never);
    const { image } = await buildAndOpen({ base, rootfs: [first, second], settings: { usrmergeCarry: true } });
    expect(image.layers).toHaveLength(3);
    const l2 = await readLayer(image.layers[2].blob!);
    expect(l2.map((e) => [e.path, e.text])).toEqual([
      ['opt/a', undefined],
      ['opt/b/', undefined],
      ['opt/b/f', 'F'],
    ]);
  });
});

describe('classic app on a merged-usr base', () => {
  const MERGED_BASE = [
    ['bin', '->', 'usr/bin'],
    ['lib', '->', 'usr/lib'],
    'usr/',
    'usr/bin/',
    ['usr/bin/sh', 'shell'],
    'usr/lib/',
    ['usr/lib/ld.so', 'loader'],
    ['usr/lib/same.so', 'same'],
    ['usr/lib/other.so', 'base-other'],
  ] as const;
  const CLASSIC_APP = [
    'lib/',
    ['lib/libfoo.so', 'foo'],
    ['lib/same.so', 'same'],
    'lib/sub/',
    ['lib/sub/x', 'x'],
    ['lib/hl', '=>', 'lib/libfoo.so'],
    'bin/',
    ['bin/app', 'app'],
    'usr/',
    'usr/lib/',
    ['usr/lib/dup', 'direct'],
    ['lib/dup', 'redirected'],
  ] as const;

  async function mergedBase() {
    const res = await build({ rootfs: [rootfsTar(MERGED_BASE as never)], settings: { sourceDateEpoch: 1 } }, env);
    return openImage(writeOciArchive(res.out), env);
  }

  it('without carry-over: the directory replaces the symlink (as rsync -a), with a warning', async () => {
    const { res, image } = await buildAndOpen({ base: await mergedBase(), rootfs: [rootfsTar(CLASSIC_APP as never)], settings: { usrmergeCarry: false } });
    expect(res.warnings.filter((w) => w.code === 'dir-over-symlink').map((w) => w.path)).toEqual(['bin', 'lib']);
    expect(paths(await readLayer(image.layers[1].blob!))).toContain('lib/');
    // Left unset, carry-over comes on by itself: the app's bin/ would hide the base's /bin/sh (the default CMD).
    const auto = await buildAndOpen({ base: await mergedBase(), rootfs: [rootfsTar(CLASSIC_APP as never)], settings: {} });
    expect(auto.res.carryReason).toMatch(/^the command \/bin\/sh would be hidden/);
    expect(auto.res.redirected.map((r) => r.from)).toEqual(['bin', 'lib']);
  });

  it('with carry-over: app entries go through the base symlinks, which stay', async () => {
    const { res, image } = await buildAndOpen({ base: await mergedBase(), rootfs: [rootfsTar(CLASSIC_APP as never)], settings: { usrmergeCarry: true } });
    const layer = await readLayer(image.layers[1].blob!);
    expect(layer.map((e) => [e.path, e.type, e.linkpath, e.text])).toEqual([
      ['usr/', 'dir', '', undefined],
      ['usr/bin/app', 'file', '', 'app'],
      ['usr/lib/', 'dir', '', undefined],
      ['usr/lib/dup', 'file', '', 'direct'],
      ['usr/lib/hl', 'file', '', 'foo'],
      ['usr/lib/libfoo.so', 'hardlink', 'usr/lib/hl', undefined],
      ['usr/lib/same.so', 'file', '', 'same'],
      ['usr/lib/sub/', 'dir', '', undefined],
      ['usr/lib/sub/x', 'file', '', 'x'],
    ]);
    expect(res.redirected).toEqual([
      { from: 'bin', to: 'usr/bin' },
      { from: 'lib', to: 'usr/lib' },
    ]);
    expect(res.conflicts.map((c) => [c.from, c.to])).toEqual([['lib/dup', 'usr/lib/dup']]);
    expect(res.warnings.filter((w) => w.code === 'dir-over-symlink')).toEqual([]);
  });
});

describe('base selection', () => {
  it('picks a platform of a multi-platform base; the output holds only the new image', async () => {
    const amd = await build({ rootfs: [rootfsTar([['f', 'amd']] as never)], settings: { architecture: 'amd64', sourceDateEpoch: 1 } }, env);
    const arm = await build({ rootfs: [rootfsTar([['f', 'arm']] as never)], settings: { architecture: 'arm64', variant: 'v8', sourceDateEpoch: 1 } }, env);
    const blobs = new Map([...amd.out.blobs, ...arm.out.blobs]);
    const strip = (d: typeof amd.manifest, p: Platform) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform: p });
    const index = {
      schemaVersion: 2 as const,
      manifests: [
        { ...strip(amd.manifest, { os: 'linux', architecture: 'amd64' }), annotations: { 'org.opencontainers.image.ref.name': 'multi' } },
        { ...strip(arm.manifest, { os: 'linux', architecture: 'arm64', variant: 'v8' }), annotations: { 'org.opencontainers.image.ref.name': 'multi' } },
      ],
    };
    const base = await openImage(writeOciArchive({ blobs, index }), env);
    const { res, archive, image } = await buildAndOpen({
      base,
      baseTag: 'multi',
      basePlatform: { architecture: 'arm64' },
      rootfs: [rootfsTar([['g', 'app']] as never)],
      settings: { tags: ['out'] },
    });
    expect(res.base?.platform).toBe('linux/arm64/v8');
    expect(archive.images).toHaveLength(1);
    expect(image.config.architecture).toBe('arm64');
    expect((await readLayer(image.layers[0].blob!))[0].text).toBe('arm');
    // Without a platform, linux/amd64 is the default pick.
    const r2 = await build({ base, baseTag: 'multi', rootfs: [rootfsTar(['x/'] as never)], settings: {} }, env);
    expect(r2.base?.platform).toBe('linux/amd64');
    await expect(build({ base, baseTag: 'multi', basePlatform: { architecture: 's390x' }, rootfs: [rootfsTar(['x/'] as never)], settings: {} }, env)).rejects.toMatchObject({
      code: 'tag-not-found',
    });
  });
});

describe('build rewrites only what changes (issue 11)', () => {
  it('passes every base layer through as the input Blob itself and deflates the app layer exactly once', async () => {
    const { deflateChunk } = await import('../../../src/engine/compress/deflate-chunk');
    const { memoryScratch } = await import('../../../src/engine/env');
    const { gunzipSync } = await import('node:zlib');
    const base = await classicBase();
    let deflated = 0;
    const counting = {
      concurrency: 2,
      deflate: async (job: import('../../../src/engine/compress/deflate-chunk').DeflateJob) => {
        deflated += job.data.length;
        return deflateChunk(job);
      },
    };
    const res = await build(
      { base, rootfs: [rootfsTar(MERGED_APP as never)], settings: { sourceDateEpoch: 1000, tags: ['app:1'] } },
      { scratch: memoryScratch(), deflater: counting } as typeof env,
    );
    const baseLayers = base.images[0].layers;
    expect(baseLayers.length).toBeGreaterThan(0);
    for (const l of baseLayers) expect(res.out.blobs.get(l.descriptor.digest), l.descriptor.digest).toBe(l.blob);
    expect(res.layers).toHaveLength(1);
    const app = res.out.blobs.get(res.layers[0].digest)!;
    const tar = gunzipSync(new Uint8Array(await app.arrayBuffer()));
    expect(deflated).toBe(tar.length); // each byte of the app layer's tar went through the deflater once
  });
});
