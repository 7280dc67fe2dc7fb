// Deflate splicing (compress/splice.ts): specific cases the property test covers only by chance.
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openSplice } from '../../../src/engine/compress/splice';
import { deflateChunk } from '../../../src/engine/compress/deflate-chunk';
import type { Deflater } from '../../../src/engine/compress/gzip';
import { chunked, readAll } from './helpers';
import { realTar } from './property';
import { applyEdits, type Edit } from './splice-cases';

async function spliced(source: Uint8Array, old: Uint8Array, edits: Edit[], chunkSize = 1 << 20) {
  const { data, same } = applyEdits(old, edits);
  const s = await openSplice(new Blob([source as Uint8Array<ArrayBuffer>]), { chunkSize });
  if (!s) throw new Error('not spliceable');
  for (const [n, o, len] of same) s.same(n, o, len);
  const gz = await readAll(chunked(data, [100_000, 7, 65_536]).pipeThrough(s.stream));
  expect(zlib.gunzipSync(gz).equals(data)).toBe(true);
  expect(spawnSync('gzip', ['-t'], { input: gz }).status).toBe(0);
  return { gz, data, stats: s.stats() };
}

const tar = () => realTar().subarray(0, 4 << 20);
const gnuGzip = (d: Uint8Array, level: number) => spawnSync('gzip', ['-c', `-${level}`, '-n'], { input: d, maxBuffer: 1 << 28 }).stdout as Buffer;

describe('deflate splicing', () => {
  it('copies every block of an unchanged stream, its final block included', async () => {
    const old = tar();
    const { stats, gz } = await spliced(gnuGzip(old, 6), old, []);
    expect(stats.copied).toBe(old.length);
    expect(stats.deflated).toBe(0);
    expect(gz[gz.length - 9]).not.toBe(0x00); // ends with the source's final block, not our empty one (03 00)
  });

  it('re-deflates only around the edits: a drop near the start, files appended at the end', async () => {
    const old = tar();
    const edits: Edit[] = [
      { a: 20_480, b: 22_528, insert: new Uint8Array(0) },
      { a: old.length - 1024, b: old.length, insert: new Uint8Array(300_000).fill(7) },
    ];
    const { stats } = await spliced(gnuGzip(old, 6), old, edits);
    // Re-deflated: from the start to the first block after the drop + 32 KiB, the appended bytes and the blocks
    // ending at the old end — a few hundred KiB, nowhere near the 4 MiB stream.
    expect(stats.deflated).toBeLessThan(1 << 20);
    expect(stats.copied).toBeGreaterThan(3 << 20);
  });

  it('copies stored blocks at a shifted bit offset (their data re-aligned to bytes)', async () => {
    const old = new Uint8Array(600_000);
    for (let i = 0; i < old.length; i++) old[i] = (i * 2654435761) >>> 24;
    old.fill(0, 200_000, 260_000); // compressible in the middle: stored blocks around fixed/dynamic ones
    for (const level of [0, 1]) {
      const src = zlib.gzipSync(old, { level });
      const { stats } = await spliced(src, old, [{ a: 1000, b: 1003, insert: Uint8Array.of(1, 2) }], 65_536);
      expect(stats.copied).toBeGreaterThan(400_000);
    }
  });

  it('reads gzip headers with extra field, name, comment and header CRC', async () => {
    const old = tar().subarray(0, 500_000);
    const plain = zlib.gzipSync(old);
    const extra = Buffer.from([4, 0, 0x41, 0x42, 0, 0]); // XLEN 4, one empty subfield
    const head = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]), extra, Buffer.from('name\0comment\0'), Buffer.from([0, 0])]);
    const src = Buffer.concat([head, plain.subarray(10)]);
    const { stats } = await spliced(src, old, [{ a: 100_000, b: 100_512, insert: new Uint8Array(0) }]);
    expect(stats.copied).toBeGreaterThan(300_000);
  });

  it('gives the same bytes when chunks are deflated concurrently and finish out of order', async () => {
    const old = tar();
    const src = gnuGzip(old, 6);
    const edits: Edit[] = [
      { a: 600_000, b: 1_400_000, insert: new Uint8Array(0) },
      { a: old.length - 1024, b: old.length, insert: old.subarray(0, 900_000) },
    ];
    const { gz } = await spliced(src, old, edits, 65_536);
    const { data, same } = applyEdits(old, edits);
    let k = 0;
    const slow: Deflater = {
      concurrency: 4,
      deflate: (job) => new Promise((res) => setTimeout(() => res(deflateChunk(job)), (k++ * 7) % 5)),
    };
    const s = (await openSplice(new Blob([src as Uint8Array<ArrayBuffer>]), { chunkSize: 65_536, deflater: slow }))!;
    for (const [n, o, len] of same) s.same(n, o, len);
    expect((await readAll(chunked(data, [300_000]).pipeThrough(s.stream))).equals(gz)).toBe(true);
  });

  it('is not offered for data that is not gzip', async () => {
    expect(await openSplice(new Blob([new Uint8Array(100)]))).toBeUndefined();
    expect(await openSplice(new Blob([zlib.deflateRawSync(Buffer.from('x'))]))).toBeUndefined();
  });
});
