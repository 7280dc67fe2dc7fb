// Output archives past Node 20's 4 GiB Blob limit: a layer held as a PartsBlob (a scratch file of several parts)
// is composed into the output tar by its parts, never as a part of `new Blob([...])` (Node would count its size
// and copy none of its bytes, or throw ERR_BUFFER_TOO_LARGE past 4 GiB). The limit is lowered so kilobytes
// exercise the same paths; the result is streamed to a file the way the CLI writes its output.

import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { tarBlob } from '../../src/engine/tar';
import { joinBlobParts, PartsBlob, setBlobJoinLimit } from '../../src/engine/parts-blob';
import { tempDir } from '../fixtures/tools';

function rand(n: number, seed: number): Uint8Array<ArrayBuffer> {
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

/** Streams a blob to a file as the CLI's writeOutput does, and reads the file back. */
async function written(b: Blob, name: string): Promise<Uint8Array> {
  const path = join(tempDir('hostile-output'), name);
  await pipeline(Readable.fromWeb(b.stream() as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(path));
  return new Uint8Array(readFileSync(path));
}

const data = rand(5003, 42);
const cuts = [0, 1000, 2000, 4096, 5003];
const parts = () => new PartsBlob(cuts.slice(1).map((c, i) => new Blob([data.slice(cuts[i], c)])));
const files = (body: Blob | Uint8Array) => [
  { header: { path: 'layer.tar', type: 'file' as const }, body },
  { header: { path: 'index.json', type: 'file' as const }, body: new TextEncoder().encode('{}') },
];

describe('output archives holding a big (multi-part) blob', () => {
  let old: number | undefined;
  afterEach(() => {
    if (old !== undefined) setBlobJoinLimit(old);
    old = undefined;
  });

  it('a PartsBlob body is written with its bytes (flattened into the archive, not copied as an empty Blob)', async () => {
    const expected = new Uint8Array(await tarBlob(files(data)).arrayBuffer());
    const out = tarBlob(files(parts()));
    expect(out.size).toBe(expected.length);
    expect(await written(out, 'small.tar')).toEqual(expected);
  });

  it('past the limit, parts a native Blob cannot hold are joined as a PartsBlob that streams and slices right', async () => {
    old = setBlobJoinLimit(4000);
    const expected = new Uint8Array(await tarBlob(files(data)).arrayBuffer());
    const joined = joinBlobParts([rand(0, 1), parts(), data.slice(0, 10)], { native: false });
    expect(joined).toBeInstanceOf(PartsBlob);
    expect(joined.size).toBe(data.length + 10);
    const want = new Uint8Array([...data, ...data.slice(0, 10)]);
    expect(await written(joined, 'joined.bin')).toEqual(want);
    expect(new Uint8Array(await joined.slice(3990, 5010).arrayBuffer())).toEqual(want.slice(3990, 5010));
    // Through tarBlob past the lowered limit (Node's native Blob holds kilobytes, so it is kept): same bytes.
    const out = tarBlob(files(parts()));
    expect(out.size).toBe(expected.length);
    expect(await written(out, 'big.tar')).toEqual(expected);
  });
});
