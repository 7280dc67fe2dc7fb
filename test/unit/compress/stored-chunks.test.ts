// Issue 11 (build speed): streams mixing incompressible chunks (stored) with compressible ones (deflated) must
// decode exactly with zlib and `gzip -t`, for chunk sizes from 32 KiB to 1 MiB, and give the same bytes in the
// calling thread and in a pool of 1, 2 and 4 workers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateChunk } from '../../../src/engine/compress/deflate-chunk';
import { gzipStream, type Deflater } from '../../../src/engine/compress/gzip';
import { storedRuns } from '../../../src/engine/compress/incompressible';
import { Rng } from '../../fuzz/lib/prng';
import { chunked, readAll, testPools } from './helpers';
import { realTar } from './property';

const rng = new Rng(2611);

/** ~6.5 MiB: runs of random bytes (one over two 1 MiB chunks), tar, text, zeros and short repeated blocks. */
function mixed(): Uint8Array {
  const tar = realTar();
  const parts: Uint8Array[] = [tar.slice(0, 300_000), rng.bytes(2_300_000)];
  let n = 2_600_000;
  while (n < 6.5 * 1024 * 1024) {
    const kind = rng.int(5);
    const len = rng.range(20_000, kind === 0 ? 1_500_000 : 400_000);
    let p: Uint8Array;
    if (kind === 0) p = rng.bytes(len);
    else if (kind === 1) {
      const at = rng.int(tar.length - len);
      p = tar.slice(at, at + len);
    } else if (kind === 2) p = new TextEncoder().encode(`entry ${rng.int(1e6)} = value\n`.repeat(Math.ceil(len / 20))).subarray(0, len);
    else if (kind === 3) p = new Uint8Array(len);
    else {
      const block = rng.bytes(rng.range(100, 20_000));
      p = new Uint8Array(len).map((_, i) => block[i % block.length]);
    }
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

const pool = testPools();

describe('stored chunks in gzipStream', () => {
  const data = mixed();
  const gz = (chunkSize: number, deflater?: Deflater, level = 6) =>
    readAll(chunked(data, [rng.range(1, 300_000), 65_536, 777]).pipeThrough(gzipStream({ chunkSize, deflater, level })));

  it('decodes exactly with zlib for chunk sizes 32 KiB – 1 MiB, storing some parts and deflating others', async () => {
    for (const chunkSize of [32 * 1024, 100_000, 256 * 1024, 1024 * 1024]) {
      let stored = 0;
      let deflated = 0;
      const spy: Deflater = {
        concurrency: 1,
        deflate: async (job) => {
          for (const run of storedRuns(job.data, job.dict)) run.stored ? stored++ : deflated++;
          return deflateChunk(job);
        },
      };
      const out = await gz(chunkSize, spy);
      expect(zlib.gunzipSync(out).equals(data), `chunk ${chunkSize}`).toBe(true);
      expect(stored, `chunk ${chunkSize}`).toBeGreaterThan(0);
      expect(deflated, `chunk ${chunkSize}`).toBeGreaterThan(0);
      // Storing loses (almost) nothing against zlib's own level 6 on the whole stream.
      expect(out.length, `chunk ${chunkSize}`).toBeLessThan(zlib.gzipSync(data, { level: 6 }).length * 1.02);
    }
  }, 120_000);

  it('writes gzip that `gzip -t` accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-stored-'));
    for (const chunkSize of [32 * 1024, 1024 * 1024]) {
      const f = join(dir, `out-${chunkSize}.gz`);
      writeFileSync(f, await gz(chunkSize));
      execFileSync('gzip', ['-t', f]); // throws on a non-zero exit
    }
  }, 60_000);

  it('gives the same bytes inline and in a pool of 1, 2 and 4 workers, and for any push size', async () => {
    for (const chunkSize of [64 * 1024, 1024 * 1024]) {
      const ref = await gz(chunkSize);
      const whole = await readAll(chunked(data, [data.length]).pipeThrough(gzipStream({ chunkSize })));
      expect(whole.equals(ref), `chunk ${chunkSize}, one push`).toBe(true);
      for (const n of [1, 2, 4]) expect((await gz(chunkSize, pool(n))).equals(ref), `chunk ${chunkSize}, ${n} workers`).toBe(true);
    }
  }, 180_000);

  it('level 0 writes fflate’s stored output unchanged, and it decodes', async () => {
    const out = await gz(256 * 1024, undefined, 0);
    expect(zlib.gunzipSync(out).equals(data)).toBe(true);
  }, 60_000);
});
