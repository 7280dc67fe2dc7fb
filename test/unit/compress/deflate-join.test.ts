// The pieces the chunked gzip encoder is built from: the block walker that makes a deflate stream joinable,
// the CRC-32 combine, and order/concurrency independence of gzipStream.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Combine } from '../../../src/engine/compress/crc32';
import { scanDeflate, syncPiece } from '../../../src/engine/compress/deflate-scan';
import { deflateChunk } from '../../../src/engine/compress/deflate-chunk';
import { gzipStream, type Deflater } from '../../../src/engine/compress/gzip';
import { LwError } from '../../../src/engine/errors';
import { chunked, readAll } from './helpers';
import { realTar, rng } from './property';

const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

describe('crc32Combine', () => {
  it('equals the CRC-32 of the concatenation, for any split', () => {
    const r = rng(1);
    const tar = realTar();
    for (let i = 0; i < 300; i++) {
      const off = Math.floor(r() * (tar.length - 300_000));
      const a = tar.subarray(off, off + Math.floor(r() * 100_000));
      const b = tar.subarray(off + a.length, off + a.length + Math.floor(r() * 200_000));
      const whole = tar.subarray(off, off + a.length + b.length);
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(whole));
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(zlib.crc32(whole));
    }
    expect(crc32Combine(0x12345678, 0, 0)).toBe(0x12345678);
  });
});

describe('syncPiece (deflate block walker)', () => {
  // Streams from another encoder (Node's zlib) with every block type: walking them must find the real end.
  it("makes zlib's raw deflate streams joinable, for every strategy and level", () => {
    const r = rng(2);
    const tar = realTar();
    const strategies = [zlib.constants.Z_DEFAULT_STRATEGY, zlib.constants.Z_FIXED, zlib.constants.Z_HUFFMAN_ONLY, zlib.constants.Z_RLE, zlib.constants.Z_FILTERED];
    for (let i = 0; i < 200; i++) {
      const parts: Buffer[] = [];
      const pieces: Uint8Array[] = [];
      for (let k = 0, n = 1 + Math.floor(r() * 4); k < n; k++) {
        const len = Math.floor(r() * 90_000);
        const off = Math.floor(r() * (tar.length - len));
        const d = Buffer.from(r() < 0.2 ? new Uint8Array(len) : tar.subarray(off, off + len));
        parts.push(d);
        const raw = zlib.deflateRawSync(d, { level: Math.floor(r() * 10), strategy: strategies[i % strategies.length] });
        pieces.push(syncPiece(raw));
      }
      const joined = Buffer.concat([...pieces, FINAL_EMPTY_BLOCK]);
      expect(zlib.inflateRawSync(joined).equals(Buffer.concat(parts))).toBe(true);
    }
  });

  it('finds the final block of fflate output and ends the piece on a byte boundary', () => {
    const d = realTar().subarray(0, 200_000);
    for (let level = 0; level <= 9; level++) {
      const { piece, crc, size } = deflateChunk({ data: d, dict: new Uint8Array(0), level });
      expect(size).toBe(d.length);
      expect(crc).toBe(zlib.crc32(d));
      expect([...piece.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
      expect(zlib.inflateRawSync(Buffer.concat([piece, FINAL_EMPTY_BLOCK])).equals(d)).toBe(true);
    }
  });

  it('refuses malformed deflate data with encoder-failed instead of guessing', () => {
    const good = zlib.deflateRawSync(realTar().subarray(0, 50_000));
    const cases = [good.subarray(0, good.length >> 1), Buffer.from([0x07]), Buffer.from([0x01, 0x05, 0x00, 0xfa, 0xff]), Buffer.alloc(0)];
    for (const c of cases) {
      let err: unknown;
      try {
        scanDeflate(c);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LwError);
      expect((err as LwError).code).toBe('encoder-failed');
    }
  });
});

describe('gzipStream with a concurrent deflater', () => {
  it('gives the same bytes when chunks finish out of order, for any concurrency', async () => {
    const data = realTar().subarray(1_000_000, 1_000_000 + 700_000);
    const ref = await readAll(chunked(data, [65_536]).pipeThrough(gzipStream({ chunkSize: 40_000 })));
    expect(zlib.gunzipSync(ref).equals(data)).toBe(true);
    const r = rng(3);
    for (const concurrency of [1, 2, 4]) {
      let inFlight = 0;
      let most = 0;
      const shuffled: Deflater = {
        concurrency,
        async deflate(job) {
          most = Math.max(most, ++inFlight);
          await new Promise((res) => setTimeout(res, Math.floor(r() * 8)));
          inFlight--;
          return deflateChunk(job);
        },
      };
      const out = await readAll(chunked(data, [777, 100_000]).pipeThrough(gzipStream({ chunkSize: 40_000, deflater: shuffled })));
      expect(out.equals(ref)).toBe(true);
      expect(most).toBeLessThanOrEqual(4 * concurrency); // back-pressure: a bounded number of chunks in flight
    }
  });

  it('keeps input of one chunk off a slow-starting pool; sends every chunk of longer input to it', async () => {
    let calls = 0;
    const pool: Deflater = { concurrency: 2, slowStart: true, deflate: async (job) => (calls++, deflateChunk(job)) };
    const data = realTar().subarray(0, 100_000);
    const one = await readAll(chunked(data, [9_999]).pipeThrough(gzipStream({ deflater: pool })));
    expect(calls).toBe(0);
    expect(one.equals(await readAll(chunked(data, [9_999]).pipeThrough(gzipStream())))).toBe(true);
    await readAll(chunked(data, [9_999]).pipeThrough(gzipStream({ deflater: pool, chunkSize: 40_000 })));
    expect(calls).toBe(3);
  });
});
