// Preview: text (UTF-8 / Latin-1), hex for binaries, images by magic bytes, symlinks followed inside the image,
// deletions said in words, and only the bytes it shows are read.

import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { decodeText, hexDump, previewFile, sniffImage, type Preview } from '../../../src/engine/ops/explore/preview';
import { ListingCache } from '../../../src/engine/ops/explore/listings';
import { tarBlob } from '../../../src/engine/tar/writer';
import type { TarHeaderInput } from '../../../src/engine/tar/types';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { memoryScratch } from '../../../src/engine/env';
import { SLICE_CHUNK } from '../../../src/engine/io';
import { MediaType } from '../../../src/engine/oci/types';
import { openBuilt, type BuiltLayer } from '../layers/fixtures';

type Ent = { path: string; type?: TarHeaderInput['type']; link?: string; body?: Uint8Array | string };
const enc = new TextEncoder();
async function rawLayer(entries: Ent[], gzip = true): Promise<BuiltLayer> {
  const tar = new Uint8Array(
    await tarBlob(
      entries.map((e) => {
        const body = typeof e.body === 'string' ? enc.encode(e.body) : e.body;
        return { header: { path: e.path, type: e.type ?? 'file', linkpath: e.link, mtime: 1700000000, size: body?.length }, body };
      }),
    ).arrayBuffer(),
  );
  const bytes = gzip ? gzipSync(tar, { level: 1, mtime: 0 }) : tar;
  const mediaType = gzip ? MediaType.OciLayerGzip : MediaType.OciLayer;
  return { bytes, diffId: await sha256Bytes(tar), descriptor: { mediaType, digest: await sha256Bytes(bytes), size: bytes.length } };
}

// A 1x1 PNG (signature, IHDR, IDAT, IEND).
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));

/** Lines of huge.log: its layer is five stored-read slices long, so a read that stops early is seen. */
const HUGE_LINES = Math.ceil((5 * SLICE_CHUNK) / 13);

async function setup() {
  const big = 'line of text\n'.repeat(HUGE_LINES); // 5 slices of io.ts sliceStream
  const { archive } = await openBuilt({
    layers: [
      await rawLayer([
        { path: 'etc/', type: 'dir' },
        { path: 'etc/hello.txt', body: 'héllo\nwörld\n' },
        { path: 'etc/latin1.txt', body: Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) },
        { path: 'bin/tool', body: Uint8Array.from({ length: 300 }, (_, i) => i % 256) },
        { path: 'img/logo.dat', body: PNG },
        { path: 'img/link.png', type: 'symlink', link: '/img/logo.dat' },
        { path: 'loop/a', type: 'symlink', link: 'b' },
        { path: 'loop/b', type: 'symlink', link: 'a' },
        { path: 'gone.txt', body: 'bye' },
        { path: 'dev/null', type: 'char' },
      ]),
      await rawLayer([{ path: '.wh.gone.txt', body: '' }, { path: 'huge.log', body: big }, { path: 'after', body: 'x' }], false),
    ],
  });
  return { archive, listings: new ListingCache(archive) };
}

const merged = { merged: true as const };
const run = async (s: Awaited<ReturnType<typeof setup>>, target: Parameters<typeof previewFile>[3], path: string): Promise<Preview> =>
  previewFile(s.archive, s.listings, 0, target, path, { scratch: memoryScratch() });

describe('previewFile', () => {
  it('text: UTF-8 with its characters, Latin-1 when not UTF-8', async () => {
    const s = await setup();
    expect(await run(s, merged, '/etc/hello.txt')).toMatchObject({ kind: 'text', encoding: 'utf-8', text: 'héllo\nwörld\n', truncated: false, layer: 0, size: 14 });
    expect(await run(s, { layer: 0 }, 'etc/latin1.txt')).toMatchObject({ kind: 'text', encoding: 'latin-1', text: 'café\n' });
  });

  it('binary as bytes for a hex dump; an image by its magic bytes, through a symlink', async () => {
    const s = await setup();
    const b = await run(s, merged, 'bin/tool');
    expect(b.kind).toBe('binary');
    if (b.kind === 'binary') expect(b.bytes.length).toBe(300);
    const img = await run(s, merged, 'img/link.png');
    expect(img).toMatchObject({ kind: 'image', mime: 'image/png', resolved: 'img/logo.dat', layer: 0 });
    if (img.kind === 'image') expect(new Uint8Array(await img.blob.arrayBuffer())).toEqual(PNG);
    // A layer's own symlink is followed in the image as it is after that layer.
    expect(await run(s, { layer: 0 }, 'img/link.png')).toMatchObject({ kind: 'image', resolved: 'img/logo.dat' });
  });

  it('loops, deletions, whiteouts, directories and devices are said in words', async () => {
    const s = await setup();
    expect(await run(s, merged, 'loop/a')).toMatchObject({ kind: 'none', message: expect.stringContaining('symlink loop') });
    expect(await run(s, merged, 'gone.txt')).toMatchObject({ kind: 'none', message: expect.stringContaining('deleted by layer 1') });
    expect(await run(s, { merged: true, upto: 0 }, 'gone.txt')).toMatchObject({ kind: 'text', text: 'bye' });
    expect(await run(s, { layer: 1 }, '.wh.gone.txt')).toMatchObject({ kind: 'none', message: expect.stringContaining('removes gone.txt') });
    expect(await run(s, merged, 'etc')).toMatchObject({ kind: 'none', message: 'etc is a directory.' });
    expect(await run(s, merged, 'dev/null')).toMatchObject({ kind: 'none', message: expect.stringContaining('character device') });
    expect(await run(s, merged, 'nope')).toMatchObject({ kind: 'none', message: expect.stringContaining('not in the filesystem') });
  });

  it('reads only the first 64 KiB of a large file, and the layer read stops after it', async () => {
    const s = await setup();
    await s.listings.all(0);
    let read = 0;
    const l = s.archive.images[0].layers[1];
    const orig = l.uncompressed.bind(l);
    l.uncompressed = (o) => orig({ ...o, onBytes: (n) => (read += n, o?.onBytes?.(n)) });
    const p = await run(s, merged, 'huge.log');
    expect(p).toMatchObject({ kind: 'text', truncated: true, size: 13 * HUGE_LINES });
    if (p.kind === 'text') expect(p.text.length).toBe(64 * 1024);
    expect(read).toBeGreaterThan(0);
    // The layer is five slices long: the read stopped after the first slice and the one read ahead of it.
    expect(read).toBeLessThanOrEqual(2 * SLICE_CHUNK);
    expect(read).toBeLessThan(l.descriptor.size / 1.5);
  });
});

describe('sniffImage, decodeText, hexDump', () => {
  it('recognise formats by magic bytes only', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImage(enc.encode('GIF89a....'))).toBe('image/gif');
    expect(sniffImage(enc.encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImage(enc.encode('<svg>'))).toBeUndefined();
  });
  it('drops a UTF-8 character cut by a truncated read; binary when NULs or many controls', () => {
    const b = enc.encode('aé'); // 61 c3 a9
    expect(decodeText(b.subarray(0, 2), true)).toEqual({ encoding: 'utf-8', text: 'a' });
    expect(decodeText(Uint8Array.from([0x61, 0, 0x62]))).toBeUndefined();
    expect(decodeText(Uint8Array.from([1, 2, 3, 0x61]))).toBeUndefined();
  });
  it('hex dump lines', () => {
    expect(hexDump(enc.encode('Hello, world!\n\x01\x02z'))).toEqual([
      '00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 01 02  |Hello, world!...|',
      '00000010  7a                                                |z|',
    ]);
  });
});
