import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressBlob, gzipStream } from '../../../src/engine/compress';
import { LwError } from '../../../src/engine/errors';
import { chunked, logSpeed, randomSizes, readAll, sampleData } from './helpers';

const gzip = (data: Uint8Array, sizes: number[], level?: number) =>
  readAll(chunked(data, sizes).pipeThrough(gzipStream(level === undefined ? {} : { level })));

describe('gzipStream', () => {
  const data = sampleData(700_000);

  it('writes a deterministic header: mtime 0, no name, OS unix', async () => {
    const gz = await gzip(data, [1 << 16]);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    expect(zlib.gunzipSync(gz).equals(data)).toBe(true);
  });

  it('gives the same bytes however the input is chunked', async () => {
    const ref = await gzip(data, [data.length]);
    for (const sizes of [[1 << 16], [65535, 65537], randomSizes(40, 30_000), [777]])
      expect((await gzip(data, sizes)).equals(ref)).toBe(true);
    const small = sampleData(70_000);
    expect((await gzip(small, [1])).equals(await gzip(small, [small.length]))).toBe(true);
  });

  it('round-trips through our decoder at every level, and for empty input', async () => {
    for (let level = 0; level <= 9; level += 3) {
      const gz = await gzip(data, randomSizes(10, 100_000), level);
      expect((await readAll(decompressBlob(new Blob([gz])))).equals(data)).toBe(true);
    }
    const empty = await gzip(new Uint8Array(0), [1]);
    expect(zlib.gunzipSync(empty).length).toBe(0);
  });

  it('is accepted by `gzip -t` and Python gzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-gzip-'));
    const f = join(dir, 'out.gz');
    writeFileSync(f, await gzip(data, randomSizes(20, 70_000)));
    execFileSync('gzip', ['-t', f]); // throws on a non-zero exit
    const py = execFileSync('python3', [
      '-c',
      'import gzip,hashlib,sys; print(hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest())',
      f,
    ]);
    const { createHash } = await import('node:crypto');
    expect(py.toString().trim()).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('refuses a bad level', () => {
    expect(() => gzipStream({ level: 10 })).toThrow(LwError);
    expect(() => gzipStream({ level: 1.5 })).toThrow(LwError);
  });

  it('speed (logged, not asserted)', async () => {
    const plain = sampleData(8 * 1024 * 1024);
    await logSpeed('gzipStream level 6 (input bytes)', plain.length, () => gzip(plain, [1 << 16]));
  });
});
