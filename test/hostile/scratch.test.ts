// Node scratch files past Node 20's 32-bit Blob sizes: written as parts, read back as one Blob (PartsBlob).
// The part size is lowered so the split is exercised with kilobytes, not gigabytes.

import { afterAll, describe, expect, it } from 'vitest';
import { nodeScratch, setScratchPartSize, SCRATCH_PART } from '../../src/platform/node';
import { PartsBlob } from '../../src/platform/node-bigblob';

function rand(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function streamed(b: Blob): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of b.stream() as unknown as AsyncIterable<Uint8Array>) parts.push(c);
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
}

describe('node scratch beyond one part', () => {
  const old = SCRATCH_PART;
  afterAll(() => setScratchPartSize(old));

  it('splits a file into parts and reads it back whole, by slices and by stream', async () => {
    setScratchPartSize(1000);
    const s = nodeScratch();
    const data = rand(4321, 7);
    const f = await s.create('big');
    for (let i = 0; i < data.length; i += 333) await f.write(data.subarray(i, i + 333));
    const blob = await f.close();
    expect(blob.size).toBe(data.length);
    expect(await streamed(blob)).toEqual(data);
    expect(new Uint8Array(await blob.slice(990, 2010).arrayBuffer())).toEqual(data.subarray(990, 2010));
    await s.dispose();
  });

  it('PartsBlob: size, slices across parts (negative bounds too) and stream agree with the bytes', async () => {
    const data = rand(10_000, 99);
    const cuts = [0, 1, 2500, 2501, 7000, 10_000];
    const parts = cuts.slice(1).map((c, i) => new Blob([data.slice(cuts[i], c)]));
    const pb = new PartsBlob(parts);
    expect(pb).toBeInstanceOf(Blob);
    expect(pb.size).toBe(data.length);
    expect(await streamed(pb)).toEqual(data);
    let x = 12345;
    for (let k = 0; k < 50; k++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const a = x % 10_001;
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const b = x % 10_001;
      expect(new Uint8Array(await pb.slice(a, b).arrayBuffer()), `slice(${a}, ${b})`).toEqual(data.slice(a, b));
    }
    expect(new Uint8Array(await pb.slice(-100).arrayBuffer())).toEqual(data.slice(-100));
    expect(new Uint8Array(await pb.slice(-300, -10).arrayBuffer())).toEqual(data.slice(-300, -10));
  });
});
