import { describe, expect, it } from 'vitest';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { MediaType } from '../../../src/engine/oci/types';
import { toLayout, writeDockerArchive, writeOciArchive, ZSTD_REENCODED_NOTE } from '../../../src/engine/oci/write';
import { verify } from '../../../src/engine/ops/verify';
import { readAll } from '../compress/helpers';
import { SIMPLE_LAYERS, filesToTar, makeOciLayout, rawZstdFrame, sha256 } from '../../fixtures/images';
import { decompressBlob } from '../../../src/engine/compress';

const env = { scratch: memoryScratch() };

describe('docker-archive output re-encodes zstd layers as gzip (docker load cannot read zstd)', () => {
  it('the hand-made zstd frame decodes to its input (the fixture is a real zstd stream)', async () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
    const back = await readAll(decompressBlob(new Blob([rawZstdFrame(data) as BlobPart])));
    expect(sha256(back)).toBe(sha256(data));
  });

  it('zstd layers become gzip, diff_ids and config contents stay, verify is clean', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'example/app:1.0', compression: 'zstd' }]);
    const input = await openImage(filesToTar(built.files), env);
    expect(input.images[0].layers.every((l) => l.descriptor.mediaType === MediaType.OciLayerZstd)).toBe(true);
    const warnings: string[] = [];
    const blob = await writeDockerArchive(toLayout(input), { scratch: memoryScratch(), onWarning: (m) => warnings.push(m) });
    expect(warnings.filter((w) => w.includes(ZSTD_REENCODED_NOTE))).toHaveLength(1);

    const out = await openImage(blob, env);
    expect(out.dockerManifest?.[0].RepoTags).toEqual(['example/app:1.0']);
    const img = out.images[0];
    expect(img.layers).toHaveLength(SIMPLE_LAYERS.length);
    for (const [i, l] of img.layers.entries()) {
      expect(l.descriptor.mediaType).toBe(MediaType.OciLayerGzip);
      const head = new Uint8Array(await l.blob!.slice(0, 2).arrayBuffer());
      expect([head[0], head[1]]).toEqual([0x1f, 0x8b]);
      expect(l.descriptor.digest).not.toBe(built.images[0].layerDigests[i]);
      expect(l.diffId).toBe(built.images[0].diffIds[i]);
      expect(sha256(await readAll(l.uncompressed()))).toBe(built.images[0].diffIds[i]);
    }
    // The manifest.json lists the gzip blobs, and the old zstd blobs are gone.
    expect(out.dockerManifest?.[0].Layers).toEqual(img.layers.map((l) => `blobs/sha256/${l.descriptor.digest.slice(7)}`));
    for (const d of built.images[0].layerDigests) expect(out.blob(d)).toBeUndefined();
    // The config is the same document (diff_ids unchanged); only the manifest moved.
    expect(img.manifest.config.digest).toBe(built.images[0].manifest.config.digest);
    const report = await verify(out);
    expect(report.ok, JSON.stringify(report.problems ?? report)).toBe(true);
  });

  it('OCI output keeps zstd; gzip-only images are written untouched by docker output', async () => {
    const z = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest', compression: 'zstd' }]);
    const oci = await openImage(writeOciArchive(toLayout(await openImage(filesToTar(z.files), env))), env);
    expect(oci.images[0].layers.map((l) => l.descriptor.digest)).toEqual(z.images[0].layerDigests);

    const g = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'example/app:1.0' }]);
    const warnings: string[] = [];
    const docker = await openImage(await writeDockerArchive(toLayout(await openImage(filesToTar(g.files), env)), { onWarning: (m) => warnings.push(m) }), env);
    expect(docker.images[0].manifestDescriptor.digest).toBe(g.images[0].manifestDescriptor.digest);
    expect(warnings).toEqual([]);
  });

  it('a zstd layer that does not decode to its diff_id is refused, not written', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'example/app:1.0', compression: 'zstd' }]);
    // Swap the config's first diff_id: the layer's tar no longer matches what the config says.
    const cfgDigest = built.images[0].manifest.config.digest;
    const layout = toLayout(await openImage(filesToTar(built.files), env));
    const cfg = JSON.parse(await layout.blobs.get(cfgDigest)!.text());
    cfg.rootfs.diff_ids[0] = 'sha256:' + '0'.repeat(64);
    layout.blobs.set(cfgDigest, new Blob([JSON.stringify(cfg)])); // the digest no longer matches either; the diff_id check comes first
    await expect(writeDockerArchive(layout)).rejects.toMatchObject({ code: 'encoder-failed' });
  });
});
