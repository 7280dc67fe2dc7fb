import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, decompressBlob, decompressStream } from '../../../src/engine/compress';
import { chromiumLike, chunked, failure, logSpeed, randomSizes, readAll, sampleData, type Native } from './helpers';
import { Rng } from '../../fuzz/lib/prng';

// Seeded: a failure reproduces on the next run.
const rng = new Rng(142);
const random = () => rng.next();

const NATIVE = undefined; // DecompressionStream
const FFLATE = null; // no native decoder
const PATHS: [string, Native][] = [
  ['native', NATIVE],
  ['fflate', FFLATE],
];

/** A gzip member with every optional header field (FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT). */
function fancyMember(data: Buffer): Buffer {
  const head = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 1 | 2 | 4 | 8 | 16, 1, 2, 3, 4, 0, 3]),
    Buffer.from([6, 0, 0x41, 0x42, 2, 0, 9, 9]), // XLEN=6, one subfield "AB" of 2 bytes
    Buffer.from('name.tar\0comment here\0'),
  ]);
  const hcrc = crc32(head) & 0xffff;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, Buffer.from([hcrc & 0xff, hcrc >> 8]), zlib.deflateRawSync(data), trailer]);
}

describe('gzip decoding', () => {
  const data = sampleData(300_000);
  const gz = zlib.gzipSync(data);

  it.each(PATHS)('round-trips through decompressBlob (%s)', async (_, native) => {
    expect((await readAll(decompressBlob(new Blob([gz]), undefined, { nativeGunzip: native }))).equals(data)).toBe(true);
    expect((await readAll(decompressBlob(new Blob([gz]), 'gzip', { nativeGunzip: native }))).equals(data)).toBe(true);
  });

  it('decompressStream handles any input chunking, down to single bytes', async () => {
    for (const sizes of [randomSizes(50, 5000), [1 << 20]])
      expect((await readAll(decompressStream(chunked(gz, sizes), 'gzip'))).equals(data)).toBe(true);
    const small = sampleData(20_000); // one read per byte is slow: keep it short
    const smallGz = zlib.gzipSync(small);
    for (const sizes of [[1], [3, 1, 7]])
      expect((await readAll(decompressStream(chunked(smallGz, sizes), 'gzip'))).equals(small)).toBe(true);
  });

  it('reads every optional header field, in any chunking', async () => {
    const small = sampleData(20_000);
    const m = fancyMember(small);
    expect(zlib.gunzipSync(m).equals(small)).toBe(true); // the member is valid for zlib too
    for (const [, native] of PATHS)
      expect((await readAll(decompressBlob(new Blob([m as BlobPart]), 'gzip', { nativeGunzip: native }))).equals(small)).toBe(true);
    for (let n = 1; n < 40; n += 3)
      expect((await readAll(decompressStream(chunked(m, [n]), 'gzip'))).equals(small)).toBe(true);
    const badHcrc = Buffer.from(m);
    badHcrc[10 + 8 + 23] ^= 1; // the header CRC16
    expect(await failure(decompressStream(chunked(badHcrc, [64]), 'gzip'))).toMatchObject({ code: 'corrupt' });
  });

  it('reads multi-member gzip made by `cat a.gz b.gz`, through the native→fflate fallback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-gz-'));
    const a = sampleData(200_000);
    const b = Buffer.from('second member\n'.repeat(5000));
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    execFileSync('gzip', ['-n', join(dir, 'a'), join(dir, 'b')]);
    const cat = Buffer.concat([readFileSync(join(dir, 'a.gz')), readFileSync(join(dir, 'b.gz'))]);
    const want = Buffer.concat([a, b]);
    const natives: Native[] = [
      NATIVE, // Node's own inflater reads multi-member itself
      FFLATE,
      chromiumLike(a.length), // stops after member 1, as Chromium does
      chromiumLike(123_457, 'The compressed data was not valid'), // fails mid-member: skip mid-chunk
      chromiumLike(0),
    ];
    for (const native of natives) {
      const out = await readAll(decompressBlob(new Blob([cat]), undefined, { nativeGunzip: native }));
      expect(out.equals(want)).toBe(true);
    }
    expect((await readAll(decompressStream(chunked(cat, randomSizes(40, 9000)), 'gzip'))).equals(want)).toBe(true);
  });

  it('reads many small members (bgzip style)', async () => {
    const parts = Array.from({ length: 60 }, (_, i) => sampleData(1000 + i * 37));
    const cat = Buffer.concat(parts.map((p) => zlib.gzipSync(p)));
    const out = await readAll(decompressBlob(new Blob([cat]), 'gzip', { nativeGunzip: chromiumLike(parts[0].length) }));
    expect(out.equals(Buffer.concat(parts))).toBe(true);
  });

  it('accepts trailing zero padding, rejects other trailing data', async () => {
    const padded = Buffer.concat([gz, Buffer.alloc(1000)]);
    const junk = Buffer.concat([gz, Buffer.from('junk')]);
    for (const native of [NATIVE, FFLATE, chromiumLike(data.length)]) {
      expect((await readAll(decompressBlob(new Blob([padded]), 'gzip', { nativeGunzip: native }))).equals(data)).toBe(true);
      expect(await failure(decompressBlob(new Blob([junk]), 'gzip', { nativeGunzip: native }))).toMatchObject({
        code: 'corrupt',
      });
    }
  });

  it('reports truncation at every cut point as truncated', async () => {
    const small = zlib.gzipSync(sampleData(3000));
    const multi = Buffer.concat([small, small]);
    for (const native of [NATIVE, FFLATE]) {
      for (let cut = 0; cut < small.length; cut++) {
        const e = await failure(decompressBlob(new Blob([small.subarray(0, cut)]), 'gzip', { nativeGunzip: native }));
        expect(e, `cut ${cut}`).toMatchObject({ code: 'truncated' });
      }
      for (let cut = small.length + 1; cut < multi.length; cut += 7) {
        const e = await failure(decompressBlob(new Blob([multi.subarray(0, cut)]), 'gzip', { nativeGunzip: native }));
        expect(e, `multi cut ${cut}`).toMatchObject({ code: 'truncated' });
      }
    }
    for (let cut = 1; cut < small.length; cut += 5) {
      const e = await failure(decompressStream(chunked(small.subarray(0, cut), [1, 5]), 'gzip'));
      expect(e).toMatchObject({ code: 'truncated' });
    }
  });

  it('reports bad CRC, bad length and bad magic as corrupt', async () => {
    const badCrc = Buffer.from(gz);
    badCrc[gz.length - 6] ^= 0x10;
    const badLen = Buffer.from(gz);
    badLen[gz.length - 2] ^= 0x01;
    const notGzip = Buffer.from('this is not gzip at all');
    for (const native of [NATIVE, FFLATE]) {
      for (const bad of [badCrc, badLen, notGzip]) {
        const e = await failure(decompressBlob(new Blob([bad]), 'gzip', { nativeGunzip: native }));
        expect(e).toMatchObject({ code: 'corrupt' });
        expect(e!.message).toMatch(/^Corrupt: /);
      }
    }
  });

  it('random bit flips end in a typed error or the exact original', async () => {
    const src = sampleData(20_000);
    const small = zlib.gzipSync(src);
    for (let i = 0; i < 150; i++) {
      const bad = Buffer.from(small);
      const pos = 10 + Math.floor(random() * (bad.length - 10));
      bad[pos] ^= 1 << Math.floor(random() * 8);
      for (const native of [NATIVE, FFLATE]) {
        try {
          const out = await readAll(decompressBlob(new Blob([bad]), 'gzip', { nativeGunzip: native }));
          expect(out.equals(src), `flip at ${pos} decoded to different bytes`).toBe(true);
        } catch (e) {
          expect(['corrupt', 'truncated']).toContain((e as { code: string }).code);
        }
      }
    }
  });

  it('random garbage after a gzip header ends in a typed error, never a hang', async () => {
    for (let i = 0; i < 300; i++) {
      const junk = new Uint8Array(10 + Math.floor(random() * 400));
      crypto.getRandomValues(junk);
      junk.set([0x1f, 0x8b, 8, 0]);
      for (const native of [NATIVE, FFLATE]) {
        const e = await failure(decompressBlob(new Blob([junk]), undefined, { nativeGunzip: native }));
        expect(['corrupt', 'truncated']).toContain(e?.code);
      }
    }
  });

  it('cancels: abort errors the stream with cancelled and cancels the source', async () => {
    const big = zlib.gzipSync(sampleData(4_000_000));
    for (const native of [NATIVE, FFLATE]) {
      const ac = new AbortController();
      const r = decompressBlob(new Blob([big]), 'gzip', { signal: ac.signal, nativeGunzip: native }).getReader();
      expect((await r.read()).done).toBe(false);
      ac.abort();
      await expect(r.read()).rejects.toMatchObject({ code: 'cancelled' });
    }
    let cancelled = false;
    let pulled = 0;
    const ac = new AbortController();
    const src = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(big.subarray(pulled, pulled + 4096));
        pulled += 4096;
      },
      cancel() {
        cancelled = true;
      },
    });
    const r = decompressStream(src, 'gzip', { signal: ac.signal }).getReader();
    await r.read();
    ac.abort();
    await expect(r.read()).rejects.toMatchObject({ code: 'cancelled' });
    expect(cancelled).toBe(true);
  });

  it('is pull-based: reading one chunk does not drain the source', async () => {
    const big = zlib.gzipSync(sampleData(4_000_000));
    let pulled = 0;
    const src = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (pulled >= big.length) return c.close();
          c.enqueue(big.subarray(pulled, pulled + 4096));
          pulled += 4096;
        },
      },
      { highWaterMark: 0 },
    );
    const r = decompressStream(src, 'gzip').getReader();
    await r.read();
    await new Promise((res) => setTimeout(res, 50));
    expect(pulled).toBeLessThan(big.length / 4);
    await r.cancel();
  });

  it('speed: native vs fflate gunzip (logged, not asserted)', async () => {
    const plain = sampleData(24 * 1024 * 1024);
    const blob = new Blob([zlib.gzipSync(plain)]);
    for (const [name, native] of PATHS)
      await logSpeed(`gunzip ${name} (uncompressed bytes)`, plain.length, async () => {
        expect((await readAll(decompressBlob(blob, 'gzip', { nativeGunzip: native }))).length).toBe(plain.length);
      });
  });
});
