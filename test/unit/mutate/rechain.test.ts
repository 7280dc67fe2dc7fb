import { describe, expect, it } from 'vitest';
import { rechain } from '../../../src/engine/mutate/rechain';
import { encodeLayer } from '../../../src/engine/layers/encode';
import { memoryScratch } from '../../../src/engine/env';
import { indexesAbove, openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { verify } from '../../../src/engine/ops/verify';
import { AnnotationRefName, MediaType } from '../../../src/engine/oci/types';
import { dir, file, layer, openBuilt, sym } from '../layers/fixtures';

const env = { scratch: memoryScratch() };

async function reopen(out: Parameters<typeof writeOciArchive>[0]) {
  return openImage(writeOciArchive(out), env);
}

describe('rechain', () => {
  for (const nested of [false, true]) {
    it(`re-addresses layer -> config -> manifest -> index${nested ? ' (nested index)' : ''}`, async () => {
      const l0 = await layer([dir('usr/'), file('usr/a')]);
      const l1 = await layer([sym('bin', 'usr/bin'), file('bin/.wh.x', '')]);
      const l2 = await layer([file('etc/motd')]);
      const { archive, built } = await openBuilt({ layers: [l0, l1, l2], nested });
      const img = archive.images[0];
      const fixed = await encodeLayer(async (w) => {
        await w.add({ path: 'bin', type: 'symlink', linkpath: 'usr/bin' });
      }, env);
      const out = await rechain(archive, { replace: new Map([[l1.descriptor.digest, fixed]]) });

      // Unchanged blobs are the very input Blobs (slices), never re-read or copied.
      expect(out.blobs.get(l0.descriptor.digest)).toBe(archive.blob(l0.descriptor.digest));
      expect(out.blobs.get(l2.descriptor.digest)).toBe(archive.blob(l2.descriptor.digest));
      expect(out.blobs.has(l1.descriptor.digest)).toBe(false);
      expect(out.blobs.get(fixed.descriptor.digest)).toBe(fixed.blob);
      expect(out.dropped).toContain(l1.descriptor.digest);
      expect(out.changed.get(built.manifestDigest)).toBeDefined();
      expect(out.changed.get(built.configDigest)).toBeDefined();
      expect(out.index.manifests[0].annotations?.[AnnotationRefName]).toBe('latest');

      const again = await reopen(out);
      const r = await verify(again);
      expect(r.problems).toEqual([]);
      const img2 = again.images[0];
      expect(img2.layers.map((l) => l.descriptor.digest)).toEqual([l0.descriptor.digest, fixed.descriptor.digest, l2.descriptor.digest]);
      expect(img2.config.rootfs.diff_ids).toEqual([l0.diffId, fixed.diffId, l2.diffId]);
      // Unknown fields kept, key order kept.
      expect((img2.config as Record<string, unknown>)['x-unknown-field']).toEqual({ keep: true });
      expect(Object.keys(img2.config)).toEqual(Object.keys(img.config));
      expect(img2.manifest.annotations).toEqual({ 'x.manifest': 'kept' });
      expect(img2.platform).toEqual(img.platform);
      expect(indexesAbove(again, img2).length).toBe(nested ? 1 : 0);
    });
  }

  it('changes nothing when there is nothing to change', async () => {
    const l0 = await layer([file('a')]);
    const { archive, built } = await openBuilt({ layers: [l0], extra: new Map([['blobs/sha256/' + 'f'.repeat(64), new Uint8Array([1])]]) });
    const out = await rechain(archive, {});
    expect(out.changed.size).toBe(0);
    expect(out.blobs.get(built.manifestDigest)).toBe(archive.blob(built.manifestDigest));
    expect(out.blobs.has('sha256:' + 'f'.repeat(64))).toBe(true); // unreferenced, kept without gc
    const gc = await rechain(archive, { gc: true });
    expect(gc.blobs.has('sha256:' + 'f'.repeat(64))).toBe(false);
    expect(gc.dropped).toEqual(['sha256:' + 'f'.repeat(64)]);
  });

  it('appends layers, edits config and retags (the build use)', async () => {
    const l0 = await layer([file('a')]);
    const { archive, built } = await openBuilt({ layers: [l0] });
    const add = await encodeLayer(async (w) => {
      await w.add({ path: 'app', type: 'file' }, new TextEncoder().encode('hi'));
    }, env);
    const out = await rechain(archive, {
      images: [
        {
          manifestDigest: built.manifestDigest,
          append: [{ ...add, history: { created_by: 'layerwright build' } }],
          config: (c) => {
            c.config = { ...c.config, Cmd: ['/app'] };
          },
          tags: ['v1', 'v2'],
        },
      ],
    });
    const again = await reopen(out);
    expect((await verify(again)).problems).toEqual([]);
    expect(again.index!.manifests.map((d) => d.annotations?.[AnnotationRefName])).toEqual(['v1', 'v2']);
    const img = again.images[0];
    expect(img.layers.length).toBe(2);
    expect(img.config.rootfs.diff_ids[1]).toBe(add.diffId);
    expect(img.config.history?.at(-1)?.created_by).toBe('layerwright build');
    expect(img.config.config?.Cmd).toEqual(['/app']);
    expect(img.layers[1].descriptor.mediaType).toBe(MediaType.OciLayerGzip);
  });
});
