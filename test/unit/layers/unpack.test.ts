import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unpackLayer } from '../../../src/engine/layers/unpack';
import { scanLayerTar } from '../../../src/engine/layers/scan';
import { tarBlob } from '../../../src/engine/tar/writer';
import { SLICE_CHUNK } from '../../../src/engine/io';
import { chromiumLike } from '../compress/helpers';

const sha = (b: Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function tarOf(files: number): Promise<Uint8Array<ArrayBuffer>> {
  const list = Array.from({ length: files }, (_, i) => ({
    header: { path: `f${i}`, type: 'file' as const, mtime: 0, size: 20_000 },
    body: new Uint8Array(20_000).map((_, j) => (i * 31 + j * 7) % 251),
  }));
  return new Uint8Array(await tarBlob(list).arrayBuffer());
}

describe('unpackLayer', () => {
  it('hashes stored and uncompressed bytes in one pass; a consumer that stops early still gets a full diff_id', async () => {
    const tar = await tarOf(20);
    const gz = new Uint8Array(zlib.gzipSync(tar));
    let bytes = 0;
    const r = await unpackLayer(new Blob([gz]), {
      onBytes: (n) => (bytes += n),
      consume: async (s) => {
        const rd = s.getReader();
        await rd.read();
        await rd.cancel();
        return 'stopped';
      },
    });
    expect(r).toMatchObject({ compression: 'gzip', digest: sha(gz), size: gz.length, diffId: sha(tar), tarSize: tar.length, result: 'stopped' });
    expect(r.error).toBeUndefined();
    expect(bytes).toBe(gz.length);
  });

  it('restarts with our own decoder when the native one refuses multi-member gzip: same digests, progress counted once', async () => {
    const tar = await tarOf(20);
    const half = 10 * 512 * 40;
    const gz = new Uint8Array(Buffer.concat([zlib.gzipSync(tar.subarray(0, half)), zlib.gzipSync(tar.subarray(half))]));
    let bytes = 0;
    let streams = 0;
    const blob = new Blob([gz]);
    const counted = new Proxy(blob, {
      get(t, p) {
        if (p === 'stream') return () => (streams++, t.stream());
        if (p === 'slice') return (a?: number, e?: number) => (a === 0 && e === SLICE_CHUNK && streams++, t.slice(a, e));
        const v = Reflect.get(t, p, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    let consumed = 0;
    const r = await unpackLayer(counted, {
      nativeGunzip: chromiumLike(half),
      onBytes: (n) => (bytes += n),
      consume: async (s) => (consumed++, (await scanLayerTar(s)).entries.length),
    });
    expect(streams).toBe(2);
    expect(consumed).toBe(1);
    expect(r).toMatchObject({ digest: sha(gz), size: gz.length, diffId: sha(tar), tarSize: tar.length, result: 20 });
    expect(bytes).toBe(gz.length);
  });

  it('reports truncation and a corrupt tar with the stored digest still complete', async () => {
    const tar = await tarOf(5);
    const full = new Uint8Array(zlib.gzipSync(tar));
    const gz = full.subarray(0, full.length >> 1);
    for (const native of [undefined, null]) {
      const r = await unpackLayer(new Blob([gz]), { nativeGunzip: native, consume: (s) => scanLayerTar(s) });
      expect(r.error?.code).toBe('truncated');
      expect(r).toMatchObject({ digest: sha(gz), size: gz.length, diffId: undefined, result: undefined });
    }
    const bad = tar.slice();
    bad[100] = 0x41; // mode field: checksum no longer matches
    const r = await unpackLayer(new Blob([bad]), { consume: (s) => scanLayerTar(s) });
    expect(r.compression).toBe('none');
    expect(r.error?.code).toBe('corrupt');
    expect(r).toMatchObject({ digest: sha(bad), size: bad.length, diffId: undefined });
  });

  it('plain tar: digest and diff_id are the same hash; bzip2 is unsupported but still hashed', async () => {
    const tar = await tarOf(3);
    const r = await unpackLayer(new Blob([tar]));
    expect(r).toMatchObject({ compression: 'none', digest: sha(tar), diffId: sha(tar), size: tar.length, tarSize: tar.length });
    const bz = new Uint8Array([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 1, 2, 3]);
    let called = false;
    const b = await unpackLayer(new Blob([bz]), { consume: async () => void (called = true) });
    expect(called).toBe(false);
    expect(b.error?.code).toBe('unsupported-media-type');
    expect(b).toMatchObject({ compression: 'bzip2', digest: sha(bz), size: bz.length, diffId: undefined });
  });
});
