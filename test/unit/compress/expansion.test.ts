// Decompression bombs: output past the ceiling ends the stream with `suspicious-expansion`; a zstd frame that
// declares too much is refused before any work; zstd hands out bounded pieces however dense its blocks are.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decompressBlob } from '../../../src/engine/compress/decompress';
import { setLimits, DEFAULT_LIMITS } from '../../../src/engine/limits';
import * as g from '../../hostile/gen';

const MiB = 1024 * 1024;
const blob = (b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>]);

async function drain(s: ReadableStream<Uint8Array>): Promise<{ n: number; max: number; code?: string }> {
  let n = 0;
  let max = 0;
  try {
    for await (const c of s as unknown as AsyncIterable<Uint8Array>) {
      n += c.length;
      max = Math.max(max, c.length);
    }
    return { n, max };
  } catch (e) {
    return { n, max, code: (e as { code?: string }).code };
  }
}

afterEach(() => {
  setLimits(DEFAULT_LIMITS);
});

describe('expansion ceiling', () => {
  it('a zstd frame of 1 GiB of zeros (a few KB) stops at the ceiling, in bounded pieces', async () => {
    setLimits({ minExpanded: 16 * MiB });
    const z = g.zstdFrame(new Uint8Array(512).fill(7), 1024 * MiB);
    expect(z.length).toBeLessThan(40_000);
    const t0 = performance.now();
    const r = await drain(decompressBlob(blob(z)));
    expect(r.code).toBe('suspicious-expansion');
    expect(r.n).toBeGreaterThan(15 * MiB);
    expect(r.n).toBeLessThanOrEqual(16 * MiB + 4 * MiB);
    expect(r.max).toBeLessThanOrEqual(128 * 1024);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('maxOutput null reads everything, still in pieces of at most one block', async () => {
    const z = g.zstdFrame(new Uint8Array(1000).fill(1), 40 * MiB, 9);
    const r = await drain(decompressBlob(blob(z), undefined, { maxOutput: null }));
    expect(r.code).toBeUndefined();
    expect(r.n).toBe(1000 + 40 * MiB);
    expect(r.max).toBeLessThanOrEqual(128 * 1024);
  });

  it('a zstd frame that declares a content size past the ceiling is refused before any output', async () => {
    setLimits({ minExpanded: 1 * MiB });
    const z = g.zstdFrame(new Uint8Array(0), 4 * MiB);
    // rewrite the header: frame content size (8 bytes) of 4 MiB, no window descriptor (single segment)
    const fcs = new Uint8Array(8);
    new DataView(fcs.buffer).setUint32(0, 4 * MiB, true);
    const withFcs = g.concat([new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs, z.subarray(6)]);
    const r = await drain(decompressBlob(blob(withFcs)));
    expect(r).toMatchObject({ code: 'suspicious-expansion', n: 0 });
  });

  it('a multi-member gzip bomb stops at the ratio; the same data under raised limits reads whole', async () => {
    setLimits({ minExpanded: 8 * MiB });
    const member = new Uint8Array(gzipSync(new Uint8Array(4 * MiB), { level: 1 }));
    const bomb = g.concat(Array.from({ length: 16 }, () => member)); // 64 MiB from ~0.25 MB
    const r = await drain(decompressBlob(blob(bomb)));
    expect(r.code).toBe('suspicious-expansion');
    expect(r.n).toBeLessThan(64 * MiB);
    setLimits({ maxExpansionRatio: 10_000 });
    const whole = await drain(decompressBlob(blob(bomb)));
    expect([whole.n, whole.code]).toEqual([64 * MiB, undefined]);
  });

  it('ordinary data is never stopped below the floor', async () => {
    const text = new TextEncoder().encode('hello '.repeat(1_000_000)); // ~6 MB, ratio ~ 300 ×
    const r = await drain(decompressBlob(blob(new Uint8Array(gzipSync(text)))));
    expect([r.n, r.code]).toEqual([text.length, undefined]);
  });
});
