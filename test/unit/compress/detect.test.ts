import { describe, expect, it } from 'vitest';
import { detectCompression, sniffBlob, sniffStream } from '../../../src/engine/compress';
import { chunked, readAll } from './helpers';

const b = (...x: number[]) => new Uint8Array(x);

describe('detectCompression', () => {
  it('recognises magic bytes', () => {
    expect(detectCompression(b(0x1f, 0x8b, 8, 0))).toBe('gzip');
    expect(detectCompression(b(0x28, 0xb5, 0x2f, 0xfd, 0x04))).toBe('zstd');
    expect(detectCompression(b(0x50, 0x2a, 0x4d, 0x18, 0, 0))).toBe('zstd'); // skippable frame
    expect(detectCompression(b(0x5f, 0x2a, 0x4d, 0x18))).toBe('zstd');
    expect(detectCompression(new TextEncoder().encode('BZh91AY&SY'))).toBe('bzip2');
    expect(detectCompression(b(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00))).toBe('xz');
  });
  it('says none for tar, short and near-miss input', () => {
    expect(detectCompression(new TextEncoder().encode('bin/\0\0\0\0'))).toBe('none');
    expect(detectCompression(b())).toBe('none');
    expect(detectCompression(b(0x1f))).toBe('none');
    expect(detectCompression(b(0xfd, 0x37, 0x7a, 0x58, 0x5a))).toBe('none');
    expect(detectCompression(new TextEncoder().encode('BZhx'))).toBe('none');
    expect(detectCompression(b(0x28, 0xb5, 0x2f))).toBe('none');
  });
  it('sniffBlob reads only the head', async () => {
    let sliced: [number, number] | null = null;
    const blob = new Blob([b(0x1f, 0x8b, 8), new Uint8Array(1 << 20)]);
    const spy = Object.assign(Object.create(blob), {
      slice(a: number, z: number) {
        sliced = [a, z];
        return blob.slice(a, z);
      },
    }) as Blob;
    expect(await sniffBlob(spy)).toBe('gzip');
    expect(sliced![1]).toBeLessThanOrEqual(16);
  });
  it('sniffStream detects from a stream and hands back every byte', async () => {
    const data = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const sizes of [[1], [2, 3], [100]]) {
      const { kind, stream } = await sniffStream(chunked(data, sizes));
      expect(kind).toBe('zstd');
      expect([...(await readAll(stream))]).toEqual([...data]);
    }
    const short = await sniffStream(chunked(new Uint8Array([0x1f]), [1]));
    expect(short.kind).toBe('none');
    expect([...(await readAll(short.stream))]).toEqual([0x1f]);
  });
});
