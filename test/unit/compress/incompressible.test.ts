// Issue 11 (build speed): chunks deflate cannot shrink are stored. The test that decides must store random data,
// never store what deflate does shrink (repeats within its 32 KiB window, text, tar), and the stored output
// must decode exactly, wherever it sits in a gzip stream.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateChunk, storedPiece } from '../../../src/engine/compress/deflate-chunk';
import { scanDeflate, syncPiece } from '../../../src/engine/compress/deflate-scan';
import { deflateSync } from 'fflate';
import { flatHistogram, hasMatches, incompressible, storedRuns } from '../../../src/engine/compress/incompressible';
import { Rng } from '../../fuzz/lib/prng';
import { realTar } from './property';

const MiB = 1024 * 1024;
const rng = new Rng(1107);
const random = (n: number) => rng.bytes(n);
const repeat = (block: Uint8Array, times: number) => {
  const out = new Uint8Array(block.length * times);
  for (let i = 0; i < times; i++) out.set(block, i * block.length);
  return out;
};
/** Raw deflate of a piece: close it with an empty final fixed-Huffman block, as gzip.ts does. */
const inflatePiece = (piece: Uint8Array, dictionary?: Uint8Array) =>
  zlib.inflateRawSync(Buffer.concat([piece, Buffer.from([0x03, 0x00])]), dictionary ? { dictionary } : {});
const gain = (data: Uint8Array) => 1 - zlib.deflateRawSync(data, { level: 6 }).length / data.length;

describe('incompressible', () => {
  const rnd = random(MiB);
  const dict = random(32 * 1024);

  it('stores a random 1 MiB chunk: stored blocks of 64 KiB, decoded exactly', () => {
    expect(incompressible(rnd, dict)).toBe(true);
    const r = deflateChunk({ data: rnd, dict, level: 6 });
    expect(r.piece.length).toBe(MiB + 5 * Math.ceil(MiB / 65535));
    expect(r.size).toBe(MiB);
    expect(inflatePiece(r.piece).equals(rnd)).toBe(true);
    // What fflate writes for it is no smaller (it falls back to stored blocks itself).
    expect(deflateChunk({ data: rnd, dict, level: 0 }).piece.length).toBeGreaterThanOrEqual(r.piece.length);
  });

  it('deflates repeated random data within the 32 KiB window (16 KiB × 64), which shrinks to a few %', () => {
    const rep = repeat(random(16 * 1024), 64);
    expect(flatHistogram(rep)).toBe(true); // its bytes look random: only the LZ check can tell
    expect(hasMatches(rep, new Uint8Array(0))).toBe(true);
    expect(incompressible(rep, new Uint8Array(0))).toBe(false);
    const r = deflateChunk({ data: rep, dict: new Uint8Array(0), level: 6 });
    expect(r.piece.length).toBeLessThan(rep.length / 10);
    expect(inflatePiece(r.piece).equals(rep)).toBe(true);
  });

  it('stores a random block repeated beyond deflate’s window (64 KiB × 16): deflate gains nothing there', () => {
    const rep = repeat(random(64 * 1024), 16);
    expect(gain(rep)).toBeLessThan(0.01);
    expect(incompressible(rep, dict)).toBe(true);
  });

  it('counts matches into the dictionary: data that repeats the previous 32 KiB is not stored', () => {
    const data = repeat(dict, 32);
    expect(incompressible(data, new Uint8Array(0))).toBe(false);
    const once = random(40 * 1024);
    const tail = once.subarray(once.length - 32 * 1024);
    // The first 32 KiB repeat the dictionary; the rest is new random data: 32 KiB of 40 are matches.
    const chunk = new Uint8Array(40 * 1024);
    chunk.set(tail);
    chunk.set(random(8 * 1024), 32 * 1024);
    expect(incompressible(chunk, tail)).toBe(false);
    expect(incompressible(chunk, random(32 * 1024))).toBe(true);
  });

  it('deflates text, a real tar and skewed random bytes', () => {
    const text = new TextEncoder().encode(Array.from({ length: 30_000 }, (_, i) => `line ${i * 7919} of a log\n`).join(''));
    expect(incompressible(text.subarray(0, MiB), dict)).toBe(false);
    // A tar of this machine's /usr/lib and /usr/share: a chunk may be stored only where zlib gains < 1 % too
    // (one compressed file can fill a chunk), and most are not.
    const tar = realTar();
    let stored = 0;
    let chunks = 0;
    for (let at = 0; at + MiB <= tar.length; at += MiB, chunks++) {
      const chunk = tar.subarray(at, at + MiB);
      if (!incompressible(chunk, at ? tar.subarray(at - 32 * 1024, at) : new Uint8Array(0))) continue;
      stored++;
      expect(gain(chunk), `tar at ${at}`).toBeLessThan(0.01);
    }
    expect(stored).toBeLessThan(chunks / 2);
    // Random bytes from 200 of 256 values: no matches, but Huffman gains ~4 %.
    const skewed = random(MiB).map((b) => b % 200);
    expect(hasMatches(skewed, dict)).toBe(false);
    expect(gain(skewed)).toBeGreaterThan(0.03);
    expect(incompressible(skewed, dict)).toBe(false);
  });

  it('stores the random part of a mixed chunk and deflates the rest, in 64 KiB segments', () => {
    const text = new TextEncoder().encode('key = value of a config line\n'.repeat(20_000));
    const chunk = new Uint8Array(MiB);
    chunk.set(text.subarray(0, 300_000));
    chunk.set(random(500_000), 300_000);
    chunk.set(text.subarray(0, MiB - 800_000), 800_000);
    // Segments wholly inside the random bytes: 65536 × 5 … × 12 (300000 falls in segment 4, 800000 in 12).
    expect(storedRuns(chunk, dict)).toEqual([
      { end: 5 * 65536, stored: false },
      { end: 12 * 65536, stored: true },
      { end: MiB, stored: false },
    ]);
    expect(incompressible(chunk, dict)).toBe(false);
    const r = deflateChunk({ data: chunk, dict, level: 6 });
    expect(inflatePiece(r.piece, dict).equals(chunk)).toBe(true);
    expect(r.piece.length).toBeLessThan(7 * 65536 + 300_000 + 20_000);
  });

  it('leaves a chunk with nothing to store exactly as deflated before', () => {
    const lines = Array.from({ length: 60_000 }, () => `${rng.int(1e9)} ${rng.int(1e6).toString(16)}\n`).join('');
    const text = new TextEncoder().encode(lines.repeat(3)).subarray(0, MiB + 32 * 1024);
    const chunk = text.subarray(32 * 1024);
    const before = text.subarray(0, 32 * 1024);
    expect(storedRuns(chunk, before)).toEqual([{ end: MiB, stored: false }]);
    const old = syncPiece(deflateSync(chunk, { level: 6, dictionary: before }));
    expect(Buffer.from(deflateChunk({ data: chunk, dict: before, level: 6 }).piece).equals(old)).toBe(true);
  });

  it('never stores a chunk under 8 KiB: it is deflated (with its dictionary) as before', () => {
    expect(incompressible(random(8 * 1024 - 1), dict)).toBe(false);
    const small = random(4000);
    const r = deflateChunk({ data: small, dict, level: 6 });
    expect(inflatePiece(r.piece, dict).equals(small)).toBe(true);
  });

  it('storedPiece: ≤ 65535-byte non-final blocks that walk as valid deflate, for edge lengths', () => {
    for (const n of [0, 1, 65534, 65535, 65536, 2 * 65535, 2 * 65535 + 1]) {
      const data = random(n);
      const piece = storedPiece(data);
      expect(piece.length, `${n}`).toBe(n + 5 * Math.max(1, Math.ceil(n / 65535)));
      expect(inflatePiece(piece).equals(data), `${n}`).toBe(true);
      // Joined with a final block, the walker finds that one as the last: no stored block is final.
      const joined = Buffer.concat([piece, Buffer.from([0x03, 0x00])]);
      expect(scanDeflate(joined).finalBit, `${n}`).toBe(piece.length * 8);
    }
  });

  it('is a pure function of (data, dict)', () => {
    const data = random(300_000);
    const copy = data.slice();
    const d = dict.slice();
    const a = deflateChunk({ data, dict, level: 6 });
    expect(Buffer.from(deflateChunk({ data: copy, dict: d, level: 6 }).piece).equals(a.piece)).toBe(true);
    expect(Buffer.from(data).equals(copy) && Buffer.from(dict).equals(d)).toBe(true); // inputs left as they were
  });

  it('costs well under 10 ms per MiB (logged; asserted only loosely: the machine is shared)', () => {
    const run = () => incompressible(rnd, dict);
    run();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) run();
    const ms = (performance.now() - t0) / 10;
    console.log(`[bench] incompressible() on 1 MiB of random bytes: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(100);
  });
});
