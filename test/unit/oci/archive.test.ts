import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { memoryScratch } from '../../../src/engine/env';
import { indexesAbove, openImage } from '../../../src/engine/oci/archive';
import { MediaType, blobPath } from '../../../src/engine/oci/types';
import { inspect, imageDetails } from '../../../src/engine/ops/inspect';
import { verify } from '../../../src/engine/ops/verify';
import { tarBlob } from '../../../src/engine/tar/writer';
import {
  SIMPLE_LAYERS,
  filesToMap,
  filesToTar,
  filesToTarGz,
  makeDockerLegacy,
  makeOciLayout,
  sha256,
} from '../../fixtures/images';

const env = { scratch: memoryScratch() };

describe('openImage: OCI layout', () => {
  it('reads a layout tar: tags, platform, digests, diff_ids; verify is clean', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const archive = await openImage(filesToTar(built.files), env);
    expect(archive.format).toBe('oci-layout');
    expect(archive.tree.kind).toBe('tar');
    const r = inspect(archive);
    const img = built.images[0];
    expect(r).toEqual({
      format: 'oci-layout',
      images: [
        {
          tags: ['latest'],
          platform: 'linux/amd64',
          manifest: { digest: img.manifestDescriptor.digest, size: img.manifestDescriptor.size, mediaType: MediaType.OciManifest },
          config: { digest: img.manifest.config.digest, size: img.manifest.config.size },
          layers: img.manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: img.diffIds[i] })),
        },
      ],
    });
    const v = await verify(archive);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.blobs).toBe(4);
    const d = imageDetails(archive.images[0]);
    expect(d.cmd).toEqual(['/bin/sh']);
    expect(d.layers[1].createdBy).toBe('layer 1');
  });

  it('reads the same layout as tar.gz (one pass, via scratch) and as a folder', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'v1' }]);
    const expected = inspect(await openImage(filesToTar(built.files), env));
    const gz = await openImage(await filesToTarGz(built.files), env, { inMemoryLimit: 100 });
    expect(gz.tree.kind).toBe('tar.gz');
    expect(inspect(gz)).toEqual(expected);
    expect((await verify(gz)).ok).toBe(true);
    const dir = await openImage(filesToMap(built.files), env);
    expect(dir.tree.kind).toBe('dir');
    expect(inspect(dir)).toEqual(expected);
    expect((await verify(dir)).ok).toBe(true);
  });

  it('looks through a single top directory (tar -cf x.tar layoutdir) and ./ prefixes', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const a = await openImage(filesToTar(built.files, 'mylayout/'), env);
    expect(a.images[0].tags).toEqual(['latest']);
    const b = await openImage(filesToTar(built.files, './'), env);
    expect(b.images[0].layers.every((l) => l.blob)).toBe(true);
  });

  it('resolves a nested index with two platforms; the tag applies to both', async () => {
    const built = await makeOciLayout(
      [
        { layers: SIMPLE_LAYERS, platform: { os: 'linux', architecture: 'amd64' } },
        { layers: [SIMPLE_LAYERS[0]], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
      { multiPlatform: true, tag: '1.0' },
    );
    const archive = await openImage(filesToTar(built.files), env);
    const r = inspect(archive);
    expect(r.images.map((i) => [i.platform, i.tags])).toEqual([
      ['linux/amd64', ['1.0']],
      ['linux/arm64/v8', ['1.0']],
    ]);
    expect(indexesAbove(archive, archive.images[1]).map((p) => p.digest)).toEqual([built.nestedIndex!.digest]);
    const v = await verify(archive);
    expect(v.ok).toBe(true);
    // nested index + 2 manifests + 2 configs + 2 distinct layers (the arm64 image's only layer is amd64's first)
    expect(v.blobs).toBe(7);
  });

  it('follows hardlinks and symlinks inside the archive; detects symlink loops', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const [layer0] = built.images[0].layerDigests;
    const files = [...built.files].filter(([p]) => p !== blobPath(layer0));
    const body = built.files.get(blobPath(layer0))!;
    const entries = [
      ...files.map(([path, b]) => ({ header: { path, type: 'file' as const, size: b.length }, body: b })),
      { header: { path: 'store/real', type: 'file' as const, size: body.length }, body },
      { header: { path: 'store/hard', type: 'hardlink' as const, linkpath: 'store/real' } },
      { header: { path: blobPath(layer0), type: 'symlink' as const, linkpath: '../../store/hard' } },
      { header: { path: 'loop/a', type: 'symlink' as const, linkpath: 'b' } },
      { header: { path: 'loop/b', type: 'symlink' as const, linkpath: 'a' } },
    ];
    const archive = await openImage(tarBlob(entries), env);
    expect(await archive.images[0].layers[0].blob!.size).toBe(body.length);
    expect((await verify(archive)).ok).toBe(true);
    expect(() => archive.tree.get('loop/a')).toThrow(expect.objectContaining({ code: 'symlink-loop' }));
  });

  it('refuses a path climbing out of the archive', async () => {
    const blob = tarBlob([{ header: { path: '../evil', type: 'file', size: 1 }, body: new Uint8Array([1]) }]);
    await expect(openImage(blob, env)).rejects.toMatchObject({ code: 'unsafe-path' });
  });

  it('records a missing layer blob (open succeeds, verify reports it)', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const missing = built.images[0].layerDigests[1];
    built.files.delete(blobPath(missing));
    const archive = await openImage(filesToTar(built.files), env);
    expect(archive.images[0].layers[1].blob).toBeUndefined();
    const v = await verify(archive);
    expect(v.ok).toBe(false);
    expect(v.problems).toMatchObject([{ code: 'missing-blob', blob: missing, layer: 1 }]);
  });

  it('a missing config or manifest is an error; malformed JSON is corrupt naming the blob', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const cfg = built.images[0].manifest.config.digest;
    const noCfg = new Map(built.files);
    noCfg.delete(blobPath(cfg));
    await expect(openImage(filesToTar(noCfg), env)).rejects.toMatchObject({ code: 'missing-blob', where: { blob: cfg } });
    const badCfg = new Map(built.files);
    badCfg.set(blobPath(cfg), new TextEncoder().encode('{"architecture": '));
    await expect(openImage(filesToTar(badCfg), env)).rejects.toMatchObject({ code: 'corrupt', where: { blob: cfg } });
    const noIndex = new Map(built.files);
    noIndex.set('index.json', new TextEncoder().encode('[]'));
    await expect(openImage(filesToTar(noIndex), env)).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('a flipped byte in a layer: digest-mismatch naming the blob, and diff_id-mismatch', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest', compression: 'none' }]);
    const victim = built.images[0].layerDigests[0];
    const bytes = built.files.get(blobPath(victim))!.slice();
    bytes[1026] ^= 0xff; // inside the first file's content (etc/ header, etc/hostname header, then its bytes)
    built.files.set(blobPath(victim), bytes);
    const v = await verify(await openImage(filesToTar(built.files), env));
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => [p.code, p.blob, p.layer])).toEqual([
      ['digest-mismatch', victim, 0],
      ['diffid-mismatch', victim, 0],
    ]);
  });

  it('a corrupt gzip layer: digest-mismatch plus a decoding problem, the other blobs still checked', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const victim = built.images[0].layerDigests[0];
    const bytes = built.files.get(blobPath(victim))!.slice();
    bytes[bytes.length - 6] ^= 0xff; // the gzip trailer's CRC/size
    built.files.set(blobPath(victim), bytes);
    const v = await verify(await openImage(filesToTar(built.files), env));
    expect(v.problems[0]).toMatchObject({ code: 'digest-mismatch', blob: victim });
    expect(v.problems.length).toBeGreaterThanOrEqual(2);
    expect(v.blobs).toBe(4);
  });

  it('reports size-mismatch, progress up to the total, and cancellation', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const archive = await openImage(filesToTar(built.files), env);
    archive.images[0].layers[0].descriptor = { ...archive.images[0].layers[0].descriptor, size: 1 };
    const seen: [number, number][] = [];
    const v = await verify(archive, { onProgress: (d, t) => seen.push([d, t]) });
    expect(v.problems.map((p) => p.code)).toEqual(['size-mismatch']);
    const last = seen[seen.length - 1];
    expect(last[0]).toBe(last[1]);
    expect(v.bytes).toBe(last[1]);
    const ac = new AbortController();
    ac.abort();
    await expect(verify(archive, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('multi-member gzip layers verify (the native decoder may refuse them; the fallback decides)', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest', compression: 'none' }]);
    const d = built.images[0].layerDigests[0];
    const tar = built.files.get(blobPath(d))!;
    const half = 1024;
    const multi = new Uint8Array([...gzipSync(tar.subarray(0, half)), ...gzipSync(tar.subarray(half))]);
    const files = new Map(built.files);
    const nd = sha256(multi);
    files.delete(blobPath(d));
    files.set(blobPath(nd), multi);
    const archive = await openImage(filesToTar(files), env);
    const layer = archive.images[0].layers[0];
    layer.descriptor = { mediaType: MediaType.OciLayerGzip, digest: nd, size: multi.length };
    layer.blob = archive.blob(nd);
    const v = await verify(archive);
    // Only the manifest no longer matches the edited descriptor; the layer and its diff_id are fine.
    expect(v.problems.filter((p) => p.blob === nd)).toEqual([]);
  });
});

describe('openImage: docker-archive', () => {
  it('reads a legacy docker save archive (layer.tar, <hex>.json, repositories)', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS, 'example/app:1.0');
    const archive = await openImage(filesToTar(legacy.files), env);
    expect(archive.format).toBe('docker-archive');
    const r = inspect(archive);
    expect(r.images).toHaveLength(1);
    const img = r.images[0];
    expect(img.tags).toEqual(['example/app:1.0']);
    expect(img.platform).toBe('linux/amd64');
    expect(img.config.digest).toBe(legacy.configDigest);
    expect(img.manifest.mediaType).toBe(MediaType.DockerManifest);
    expect(img.layers.map((l) => [l.digest, l.diffId, l.mediaType])).toEqual(legacy.diffIds.map((d) => [d, d, MediaType.DockerLayer]));
    expect(archive.images[0].manifestBlob).toBeUndefined();
    expect(archive.blob(img.manifest.digest)).toBeDefined();
    const v = await verify(archive);
    expect(v.problems).toEqual([]);
    expect(v.blobs).toBe(3);
  });

  it('takes tags from repositories when RepoTags is empty', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS, 'example/app:1.0');
    const m = JSON.parse(new TextDecoder().decode(legacy.files.get('manifest.json')));
    m[0].RepoTags = null;
    legacy.files.set('manifest.json', new TextEncoder().encode(JSON.stringify(m)));
    const archive = await openImage(filesToTar(legacy.files), env);
    expect(archive.images[0].tags).toEqual(['example/app:1.0']);
  });

  it('a modified legacy layer.tar is a diffid-mismatch naming the layer file', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS);
    const path = `${legacy.ids[1]}/layer.tar`;
    const bytes = legacy.files.get(path)!.slice();
    bytes[520] ^= 1;
    legacy.files.set(path, bytes);
    const v = await verify(await openImage(filesToTar(legacy.files), env));
    expect(v.problems).toMatchObject([{ code: 'diffid-mismatch', layer: 1, path, blob: legacy.diffIds[1] }]);
  });

  it('Docker >= 25 form (index.json + manifest.json): OCI wins, RepoTags merged as tags', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const img = built.images[0];
    built.files.set(
      'manifest.json',
      new TextEncoder().encode(JSON.stringify([{ Config: blobPath(img.manifest.config.digest), RepoTags: ['example/app:latest'], Layers: img.layerDigests.map(blobPath) }])),
    );
    const archive = await openImage(filesToTar(built.files), env);
    expect(archive.format).toBe('oci-layout');
    expect(archive.images[0].tags).toEqual(['latest', 'example/app:latest']);
    expect(archive.dockerManifest).toHaveLength(1);
    // index.json unusable → falls back to manifest.json
    built.files.set('index.json', new TextEncoder().encode('{"manifests": 3}'));
    const fallback = await openImage(filesToTar(built.files), env);
    expect(fallback.format).toBe('docker-archive');
    expect(fallback.warnings[0]).toMatch(/index\.json could not be used/);
    expect(inspect(fallback).images[0].layers.map((l) => l.digest)).toEqual(img.layerDigests);
    expect((await verify(fallback)).ok).toBe(true);
  });
});

describe('openImage: not an image', () => {
  it('says a rootfs tarball is a rootfs tarball', async () => {
    const blob = tarBlob([
      { header: { path: './etc/passwd', type: 'file', size: 1 }, body: new Uint8Array([10]) },
      { header: { path: './usr/bin/sh', type: 'file', size: 1 }, body: new Uint8Array([10]) },
    ]);
    await expect(openImage(blob, env)).rejects.toMatchObject({ code: 'not-an-image', message: expect.stringMatching(/plain rootfs tarball/) });
  });
  it('rejects a non-tar file and an empty one', async () => {
    await expect(openImage(new Blob(['hello world'.repeat(100)]), env)).rejects.toMatchObject({ code: 'not-an-image' });
    await expect(openImage(new Blob([]), env)).rejects.toMatchObject({ code: 'not-an-image' });
  });
});

describe('openImage: one manifest under several tags', () => {
  it('is one image with all its tags', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const d = built.index.manifests[0];
    const index = { ...built.index, manifests: [d, { ...d, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] };
    built.files.set('index.json', new TextEncoder().encode(JSON.stringify(index)));
    const archive = await openImage(filesToTar(built.files), env);
    expect(archive.images.map((i) => i.tags)).toEqual([['latest', 'v1']]);
  });
});
