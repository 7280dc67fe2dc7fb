// fix with deflate splicing (issue 11): a seed-like layer whose whiteouts sit near the start of a few MiB of
// files, compressed by GNU gzip as real layers are. The fix's layer must have exactly the content of the full
// re-encode (same diff_id: the same tar bytes), in other gzip bytes that reuse the source's blocks.

import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { MediaType } from '../../../src/engine/oci/types';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix, rewriteLayer } from '../../../src/engine/ops/fix';
import { bytesOf, file, layer, layoutFiles, tarBytes, type BuiltLayer } from '../layers/fixtures';
import { APP, BASE } from '../ops-fix/seedlike';
import { realTar } from './property';
import { scanTar } from '../../../src/engine/tar/reader';

async function bigApp(dirtyPadding = false): Promise<BuiltLayer> {
  // Latin-1 text of real tar bytes: binary-like bodies that compress as a base layer's files do.
  const src = realTar();
  const bodies = Array.from({ length: 24 }, (_, i) => file(`usr/lib/big${i}.so`, Buffer.from(src.subarray(i * 150_000, i * 150_000 + 140_000)).toString('latin1')));
  const tar = await tarBytes([file('etc/first', 'x'), ...APP, ...bodies]);
  if (dirtyPadding) {
    // In the padding after a file in the middle of the layer (among copied blocks): readers ignore it, writers
    // write zeros.
    const e = (await scanTar(new Blob([tar as Uint8Array<ArrayBuffer>]))).find((x) => x.path.startsWith('usr/lib/big1') && x.size % 512)!;
    tar[e.dataOffset + e.size] = 0x55;
  }
  const bytes = spawnSync('gzip', ['-c', '-6', '-n'], { input: tar, maxBuffer: 1 << 28 }).stdout as Buffer;
  return { bytes, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(bytes), size: bytes.length } };
}

describe('fix splices the deflate stream of the layers it rewrites', () => {
  it('same layer content as the full re-encode, most of the source blocks reused', async () => {
    const built = await layoutFiles({ layers: [await layer(BASE), await bigApp()] });
    const run = async (gzipLevel?: number) => {
      const env = { scratch: memoryScratch(), gzipLevel };
      const archive = await openImage(built.blob, env);
      const result = await fix(archive, defaultRepairs(planFix(archive, await diagnose(archive))), env);
      const l = result.rewritten.find((r) => r.kind === 'layer' && r.layer === 1)!;
      return { l, gz: await bytesOf(result.out.blobs.get(l.after.digest)!) };
    };
    const spliced = await run();
    const full = await run(6); // an explicit level: the whole layer deflated again
    expect(spliced.l.after.diffId).toBe(full.l.after.diffId);
    expect(spliced.l.after.digest).not.toBe(full.l.after.digest);
    const tar = zlib.gunzipSync(spliced.gz);
    expect(tar.equals(zlib.gunzipSync(full.gz))).toBe(true);
    expect(await sha256Bytes(tar)).toBe(spliced.l.after.diffId);
    expect(spawnSync('gzip', ['-t'], { input: spliced.gz }).status).toBe(0);
    // Deterministic: the same input fixed again gives the same bytes.
    expect((await run()).l.after.digest).toBe(spliced.l.after.digest);
  });

  it('rewriteLayer reuses most of the source when it splices: gzip in and out at the default level only', async () => {
    const built = await layoutFiles({ layers: [await layer(BASE), await bigApp()] });
    const env = { scratch: memoryScratch() };
    const archive = await openImage(built.blob, env);
    const l = archive.images[0].layers[1];
    const r = await rewriteLayer(l, new Set([2, 3]), env);
    // Re-deflated: the start up to the first source block 32 KiB past the dropped entries, and the end.
    const tarSize = zlib.gunzipSync(await bytesOf(r.layer.blob)).length;
    expect(r.splice!.copied).toBeGreaterThan(tarSize * 0.8);
    expect(r.splice!.copied + r.splice!.deflated).toBe(tarSize);
    expect((await rewriteLayer(l, new Set([2, 3]), { ...env, gzipLevel: 6 })).splice).toBeUndefined();
    const plain = await layoutFiles({ layers: [await layer(BASE, 'none')] });
    const pa = await openImage(plain.blob, env);
    expect((await rewriteLayer(pa.images[0].layers[0], new Set([1]), env)).splice).toBeUndefined();
  });

  it('writes the layer the ordinary way when the source tar has non-zero padding (the guard rejects the splice)', async () => {
    const built = await layoutFiles({ layers: [await layer(BASE), await bigApp(true)] });
    const env = { scratch: memoryScratch() };
    const archive = await openImage(built.blob, env);
    const l = archive.images[0].layers[1];
    const r = await rewriteLayer(l, new Set([2, 3]), env);
    expect(r.splice).toBeUndefined();
    const full = await rewriteLayer(l, new Set([2, 3]), { ...env, gzipLevel: 6 });
    expect(r.layer.diffId).toBe(full.layer.diffId);
    expect(r.layer.descriptor.digest).toBe(full.layer.descriptor.digest);
  });
});
