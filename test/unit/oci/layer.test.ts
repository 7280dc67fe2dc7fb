// The model layer (oci/layer.ts): one way to read a layer, whatever reader made it.

import { describe, expect, it } from 'vitest';
import {
  decompressBlob,
  makeLayer,
  MediaType,
} from '../../../src/engine/index';
import { gzipSync } from 'fflate';
import { chromiumLike, readAll, sampleData } from '../compress/helpers';

const desc = (size: number) => ({ mediaType: MediaType.OciLayerGzip, digest: 'sha256:' + 'a'.repeat(64), size });

describe('Layer', () => {
  it('uncompressed() decodes by magic bytes and reports every stored byte once', async () => {
    const data = sampleData(300_000);
    const gz = gzipSync(data, { level: 1 });
    const layer = makeLayer({ index: 0, descriptor: desc(gz.length), blob: new Blob([gz]) });
    let read = 0;
    const out = await readAll(layer.uncompressed({ onBytes: (n) => (read += n) }));
    expect(out.equals(data)).toBe(true);
    expect(read).toBe(gz.length);
    expect((await readAll(layer.compressed())).equals(Buffer.from(gz))).toBe(true);
  });

  it('takes back the bytes of an abandoned native gzip read (multi-member restart)', async () => {
    const a = sampleData(100_000), b = sampleData(50_000);
    const gz = Buffer.concat([gzipSync(a), gzipSync(b)]);
    const seen: number[] = [];
    const out = await readAll(decompressBlob(new Blob([gz]), 'gzip', { nativeGunzip: chromiumLike(gzipSync(a).length), onBytes: (n) => seen.push(n) }));
    expect(out.equals(Buffer.concat([a, b]))).toBe(true);
    expect(seen.some((n) => n < 0)).toBe(true);
    expect(seen.reduce((x, y) => x + y, 0)).toBe(gz.length);
  });

  it('throws missing-blob when the archive lacks the layer, from every read', async () => {
    const layer = makeLayer({ index: 2, descriptor: desc(10) });
    expect(() => layer.uncompressed()).toThrow(expect.objectContaining({ code: 'missing-blob' }));
    expect(() => layer.compressed()).toThrow(expect.objectContaining({ code: 'missing-blob' }));
    expect(() => layer.unpack()).toThrow(expect.objectContaining({ code: 'missing-blob' }));
  });

  it('a copy with another blob reads that blob (unpack: digest and diff_id in one pass)', async () => {
    const data = sampleData(10_000);
    const gz = gzipSync(data);
    const layer = { ...makeLayer({ index: 0, descriptor: desc(1) }), blob: new Blob([gz]) };
    const r = await layer.unpack();
    expect(r.size).toBe(gz.length);
    expect(r.compression).toBe('gzip');
    expect(r.tarSize).toBe(data.length);
  });
});
