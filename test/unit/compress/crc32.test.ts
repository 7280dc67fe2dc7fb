// CRC-32: the slicing-by-16 word loop, its unaligned head and its byte tail, and continuation across calls,
// against Node's zlib (an independent implementation), over seeded random lengths and offsets.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Combine } from '../../../src/engine/compress/crc32';
import { rng } from './property';

describe('crc32', () => {
  const r = rng(32);
  const data = new Uint8Array(200_000).map(() => Math.floor(r() * 256));

  it('matches zlib for every start offset and length around the word loop', () => {
    for (let k = 0; k < 400; k++) {
      const from = Math.floor(r() * 64);
      const len = k < 100 ? k : Math.floor(r() * 190_000);
      const d = data.subarray(from, from + len);
      expect(crc32(d), `from ${from} len ${len}`).toBe(zlib.crc32(d));
    }
  });

  it('continues across calls and combines', () => {
    for (let k = 0; k < 50; k++) {
      const cut = Math.floor(r() * data.length);
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      expect(crc32(b, crc32(a))).toBe(zlib.crc32(data));
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(zlib.crc32(data));
    }
  });
});
