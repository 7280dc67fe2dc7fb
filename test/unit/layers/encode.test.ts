import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'fflate';
import { encodeLayer } from '../../../src/engine/layers/encode';
import { memoryScratch } from '../../../src/engine/env';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { MediaType } from '../../../src/engine/oci/types';
import { LwError } from '../../../src/engine/errors';
import { bytesOf } from './fixtures';

const env = { scratch: memoryScratch() };
const big = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);

async function sample(w: import('../../../src/engine/tar/writer').TarWriter) {
  await w.add({ path: 'usr/', type: 'dir', mtime: 0 });
  await w.add({ path: 'usr/big', type: 'file', mtime: 0 }, big);
  await w.add({ path: 'bin', type: 'symlink', linkpath: 'usr/bin', mtime: 0 });
}

describe('encodeLayer', () => {
  it('writes tar+gzip with correct digest, size and diff_id in one pass', async () => {
    const r = await encodeLayer(sample, env);
    const stored = await bytesOf(r.blob);
    expect(r.descriptor.mediaType).toBe(MediaType.OciLayerGzip);
    expect(r.descriptor.size).toBe(stored.length);
    expect(r.descriptor.digest).toBe(await sha256Bytes(stored));
    expect(stored[4] | stored[5] | stored[6] | stored[7]).toBe(0); // gzip header mtime 0
    const tar = gunzipSync(stored);
    expect(r.diffId).toBe(await sha256Bytes(tar));
    expect(r.tarSize).toBe(tar.length);
  });

  it('is deterministic', async () => {
    const a = await encodeLayer(sample, env);
    const b = await encodeLayer(sample, env);
    expect(a.descriptor.digest).toBe(b.descriptor.digest);
    expect(a.diffId).toBe(b.diffId);
  });

  it('writes uncompressed tar when asked (digest == diff_id)', async () => {
    const r = await encodeLayer(sample, env, { mediaType: MediaType.OciLayer });
    expect(r.descriptor.digest).toBe(r.diffId);
  });

  it('discards the scratch file and throws LwError on failure or cancel', async () => {
    await expect(
      encodeLayer(async (w) => {
        await w.add({ path: 'a', type: 'file', size: 3 }, new Uint8Array(2));
      }, env),
    ).rejects.toBeInstanceOf(LwError);
    const ac = new AbortController();
    ac.abort();
    await expect(encodeLayer(sample, env, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(encodeLayer(sample, env, { mediaType: MediaType.OciLayerZstd })).rejects.toMatchObject({ code: 'unsupported-media-type' });
  });
});
