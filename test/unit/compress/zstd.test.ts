import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decompressBlob, decompressStream, detectCompression } from '../../../src/engine/compress';
import { chunked, failure, logSpeed, randomSizes, readAll, sampleData } from './helpers';
import { Rng } from '../../fuzz/lib/prng';

// Seeded: a failure reproduces on the next run.
const rng = new Rng(46);
const random = () => rng.next();

const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const zstd = (data: Buffer, ...args: string[]) => execFileSync('zstd', ['-q', '-c', ...args], { input: data, maxBuffer: 1 << 30 });

// The zstd CLI is an apt package (zstd); without it there is no independent encoder to test against.
describe.skipIf(!hasZstd)('zstd decoding (fzstd) against the zstd CLI', () => {
  const data = sampleData(1_500_000);
  const z = hasZstd ? zstd(data, '-3') : Buffer.alloc(0);

  it('round-trips a CLI-made frame (with checksum) via decompressBlob and decompressStream', async () => {
    expect(detectCompression(z)).toBe('zstd');
    expect((await readAll(decompressBlob(new Blob([z])))).equals(data)).toBe(true);
    for (const sizes of [randomSizes(30, 9000), [1 << 20], [17]])
      expect((await readAll(decompressStream(chunked(z, sizes), 'zstd'))).equals(data)).toBe(true);
  });

  it('reads multiple frames, a skippable frame and a frame without checksum', async () => {
    const b = Buffer.from('second frame\n'.repeat(3000));
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('hello')]);
    const cat = Buffer.concat([skippable, z, zstd(b, '--no-check', '-19')]);
    expect(detectCompression(cat)).toBe('zstd');
    expect((await readAll(decompressBlob(new Blob([cat])))).equals(Buffer.concat([data, b]))).toBe(true);
  });

  it('reports truncation as truncated, at many cut points', async () => {
    const small = zstd(sampleData(40_000), '-3');
    for (let cut = 0; cut < small.length; cut += cut < 40 ? 1 : 97) {
      const e = await failure(decompressBlob(new Blob([small.subarray(0, cut)]), 'zstd'));
      expect(e, `cut ${cut}`).toMatchObject({ code: 'truncated' });
    }
    expect(await failure(decompressBlob(new Blob([small.subarray(0, small.length - 1)]), 'zstd'))).toMatchObject({
      code: 'truncated',
    }); // inside the checksum
  });

  it('reports bad data and trailing junk as typed errors', async () => {
    const junk = Buffer.concat([z, Buffer.from('junk!junk!')]);
    expect(await failure(decompressBlob(new Blob([junk]), 'zstd'))).toMatchObject({ code: 'corrupt' });
    const small = zstd(sampleData(40_000), '-3');
    for (let i = 0; i < 100; i++) {
      const bad = Buffer.from(small);
      bad[4 + Math.floor(random() * (bad.length - 4))] ^= 1 << Math.floor(random() * 8);
      try {
        await readAll(decompressBlob(new Blob([bad]), 'zstd'));
        // fzstd skips the XXH64 checksum, so a flip there (or in a literal) can decode "successfully"
      } catch (e) {
        expect(['corrupt', 'truncated']).toContain((e as { code: string }).code);
      }
    }
  });

  it('speed (logged, not asserted)', async () => {
    const plain = sampleData(16 * 1024 * 1024);
    const blob = new Blob([zstd(plain, '-3')]);
    await logSpeed('zstd fzstd (uncompressed bytes)', plain.length, async () => {
      expect((await readAll(decompressBlob(blob, 'zstd'))).length).toBe(plain.length);
    });
  });
});

describe('other kinds', () => {
  it('refuses bzip2 and xz with unsupported-media-type', async () => {
    const bz = Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(100)]);
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2]);
    for (const b of [bz, xz]) {
      const e = await failure(decompressBlob(new Blob([b])));
      expect(e).toMatchObject({ code: 'unsupported-media-type' });
      expect(e!.message).toMatch(/gzip, zstd/);
    }
    expect(await failure(decompressStream(chunked(xz, [3]), 'xz'))).toMatchObject({ code: 'unsupported-media-type' });
  });

  it('passes uncompressed data through', async () => {
    const data = sampleData(200_000);
    expect((await readAll(decompressBlob(new Blob([data])))).equals(data)).toBe(true);
    expect((await readAll(decompressBlob(new Blob([data]), 'none'))).equals(data)).toBe(true);
    expect((await readAll(decompressStream(chunked(data, [1000]), 'none'))).equals(data)).toBe(true);
    expect((await readAll(decompressBlob(new Blob([])))).length).toBe(0);
  });

  it('an empty zstd stream is truncated', async () => {
    expect(await failure(decompressBlob(new Blob([]), 'zstd'))).toMatchObject({ code: 'truncated' });
  });
});

// Hand-made frames (RFC 8878): magic, frame header descriptor, window descriptor, blocks.
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const rawBlock = (last: boolean, body: number[]) => [(last ? 1 : 0) | (body.length << 3), body.length >> 5, 0, ...body];
const rleBlock = (last: boolean, n: number, byte: number) => [(last ? 1 : 0) | 2 | (n << 3), n >> 5, 0, byte];

describe('zstd frame walker', () => {
  it('decodes raw, RLE and empty blocks, a checksum, and frames back to back', async () => {
    const abc = [...'abc'].map((c) => c.charCodeAt(0));
    const frame1 = [...MAGIC, 0x00, 0x50, ...rawBlock(false, abc), ...rawBlock(false, []), ...rleBlock(true, 5, 0x78)];
    const frame2 = [...MAGIC, 0x04, 0x50, ...rawBlock(true, abc), 1, 2, 3, 4]; // checksum flag + 4 bytes
    const bytes = new Uint8Array([...frame1, ...frame2]);
    const out = await readAll(decompressBlob(new Blob([bytes])));
    expect(out.toString()).toBe('abcxxxxxabc');
    for (let cut = 1; cut < bytes.length; cut++) {
      const e = await failure(decompressStream(chunked(bytes.subarray(0, cut), [1, 2]), 'zstd'));
      if (cut === frame1.length) expect(e).toBeNull();
      else expect(e, `cut ${cut}`).toMatchObject({ code: 'truncated' });
    }
  });

  it('refuses a window beyond 128 MiB before allocating it', async () => {
    const big = new Uint8Array([...MAGIC, 0x00, (28 - 10) << 3, ...rawBlock(true, [65])]); // 256 MiB window
    const e = await failure(decompressBlob(new Blob([big])));
    expect(e).toMatchObject({ code: 'unsupported-media-type' });
    expect(e!.message).toMatch(/256 MiB window/);
    const ok = new Uint8Array([...MAGIC, 0x00, (27 - 10) << 3, ...rawBlock(true, [65])]); // exactly 128 MiB
    expect((await readAll(decompressBlob(new Blob([ok])))).toString()).toBe('A');
  });

  it('rejects reserved bits and block types as corrupt', async () => {
    for (const bad of [
      [...MAGIC, 0x08, 0x50, ...rawBlock(true, [65])], // reserved header bit
      [...MAGIC, 0x00, 0x50, 0x07, 0, 0], // block type 3
      [...MAGIC, 0x00, 0x50, 0x01 | (0x1f << 3), 0xff, 0x1f], // block > 128 KiB
    ])
      expect(await failure(decompressBlob(new Blob([new Uint8Array(bad)])))).toMatchObject({ code: 'corrupt' });
  });

  it('random garbage after the magic ends in a typed error or output, never a hang', async () => {
    for (let i = 0; i < 300; i++) {
      const junk = new Uint8Array(4 + Math.floor(random() * 300));
      crypto.getRandomValues(junk);
      junk.set(MAGIC);
      if (i % 2) junk[4] &= 0x27; // plausible header flags: no reserved bit, sometimes single segment
      try {
        await readAll(decompressBlob(new Blob([junk])));
      } catch (e) {
        // garbage whose header declares a content size past the expansion ceiling is refused before decoding
        expect(['corrupt', 'truncated', 'unsupported-media-type', 'suspicious-expansion']).toContain((e as { code: string }).code);
      }
    }
  });
});

