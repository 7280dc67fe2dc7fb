// GNU sparse files as GNU tar writes them (`tar --sparse` in the gnu and oldgnu formats — typeflag 'S', with
// extension headers past 4 regions — and pax with sparse versions 0.0, 0.1 and 1.0): each is a regular file of
// its real length, the entries after it stay in step, a verbatim copy reproduces the archive, and scanTar
// (the seeking indexer) agrees with the streaming reader.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { TarWriter, readTar, scanTar } from '../../../src/engine/tar';
import { sha256Bytes } from '../../../src/engine/digest';
import { MediaType } from '../../../src/engine/oci/types';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { mergedView } from '../../../src/engine/ops/files';
import { openBuilt, tarBytes, layoutFiles, file as fileEntry } from '../layers/fixtures';
import { openImage } from '../../../src/engine/oci/archive';
import { memoryScratch } from '../../../src/engine/env';
import { cat, readAll, streamOf } from './helpers';

const FORMATS: [string, string[], string][] = [
  ['gnu', ['--format=gnu'], 'gnu'],
  ['oldgnu', ['--format=oldgnu'], 'gnu'],
  ['pax-0.0', ['--format=pax', '--sparse-version=0.0'], 'pax-0.0'],
  ['pax-0.1', ['--format=pax', '--sparse-version=0.1'], 'pax-0.1'],
  ['pax-1.0', ['--format=pax', '--sparse-version=1.0'], 'pax-1.0'],
];

let dir = '';
const sizes: Record<string, number> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lw-sparse-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  // one data region in the middle of 3 MiB of holes
  let fd = openSync(join(src, 'holes'), 'w');
  writeSync(fd, Buffer.from('abc'), 0, 3, 1 << 20);
  ftruncateSync(fd, 3 << 20);
  closeSync(fd);
  // 12 data regions: more than the 4 map slots of an old GNU header, so extension headers follow it
  fd = openSync(join(src, 'many'), 'w');
  for (let i = 0; i < 12; i++) writeSync(fd, Buffer.alloc(100, 0x78), 0, 100, i * 65536);
  ftruncateSync(fd, 12 * 65536 + 5000);
  closeSync(fd);
  writeFileSync(join(src, 'after'), 'after\n');
  for (const n of ['holes', 'many', 'after']) sizes[n] = statSync(join(src, n)).size;
  for (const [name, flags] of FORMATS)
    execFileSync('tar', ['--sparse', ...flags, '-cf', join(dir, `${name}.tar`), '-C', src, 'holes', 'many', 'after']);
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GNU sparse files', () => {
  for (const [name, , format] of FORMATS) {
    it(`${name}: regular files of their real size, the next entry intact`, async () => {
      const input = new Uint8Array(readFileSync(join(dir, `${name}.tar`)));
      const got = await readAll(input, 1000);
      expect(got.map((g) => g.entry.path)).toEqual(['holes', 'many', 'after']);
      for (const g of got.slice(0, 2)) {
        expect(g.entry.type, g.entry.path).toBe('file');
        expect(g.entry.sparse, g.entry.path).toEqual({ realSize: sizes[g.entry.path], format });
        // what the archive stores is far smaller than the file
        expect(g.entry.size).toBeLessThan(sizes[g.entry.path] / 4);
      }
      const after = got[2];
      expect(after.entry.sparse).toBeUndefined();
      expect(new TextDecoder().decode(after.content)).toBe('after\n');
      if (format === 'gnu') {
        expect(got[0].entry.typeflag).toBe('S');
        expect(got[1].entry.raw.length).toBeGreaterThan(512); // the extension header travels with its entry
      }
    });

    it(`${name}: verbatim copy is byte for byte, scanTar agrees`, async () => {
      const input = new Uint8Array(readFileSync(join(dir, `${name}.tar`)));
      const out: Uint8Array[] = [];
      const w = new TarWriter((c) => void out.push(c.slice()));
      const entries = [];
      for await (const item of readTar(streamOf(input, 777))) {
        entries.push(item.entry);
        await w.addRaw(item.entry, item.data());
      }
      await w.finish();
      const copy = cat(out);
      expect(Buffer.from(copy).equals(Buffer.from(input.subarray(0, copy.length)))).toBe(true);
      expect(await scanTar(new Blob([input]))).toEqual(entries);
    });
  }

  it('a truncated old GNU extension header is an error, not a misread', async () => {
    const input = new Uint8Array(readFileSync(join(dir, 'gnu.tar')));
    const entries = await readAll(input);
    const many = entries[1].entry;
    const cut = input.subarray(0, many.offset + 512 + 100);
    await expect(readAll(cut)).rejects.toMatchObject({ code: 'truncated' });
  });

  for (const [name, , format] of FORMATS)
    it(`${name} in an image: ls --merged gives the real size; diagnose flags only the old GNU 'S' form`, async () => {
      const tar = new Uint8Array(readFileSync(join(dir, `${name}.tar`)));
      const gz = gzipSync(tar, { level: 1, mtime: 0 });
      const { archive } = await openBuilt({
        layers: [{ bytes: gz, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(gz), size: gz.length } }],
      });
      const merged = await mergedView(archive, 0);
      expect(merged.filter((m) => m.path !== 'after').map((m) => [m.path, m.type, m.size])).toEqual([
        ['holes', 'file', sizes.holes],
        ['many', 'file', sizes.many],
      ]);
      const problems = (await diagnose(archive)).filter((p) => p.severity === 'error');
      if (format === 'gnu') expect(problems).toMatchObject([{ code: 'unsupported-entry-type', layer: 0, paths: ['holes', 'many'] }]);
      else expect(problems).toEqual([]);
    });

  it('a layout tarred with --sparse (an uncompressed layer ends in zero blocks) is refused in plain words, not misread', async () => {
    const tar = await tarBytes([fileEntry('a', '\0'.repeat(64 * 1024) + 'x')]);
    const { files } = await layoutFiles({
      layers: [{ bytes: tar, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayer, digest: await sha256Bytes(tar), size: tar.length } }],
    });
    const root = join(dir, 'layout');
    for (const [p, b] of files) {
      mkdirSync(join(root, p, '..'), { recursive: true });
      // written with holes where a 4 KiB block is all zeros, as a file copied with `cp --sparse` would be
      const fd = openSync(join(root, p), 'w');
      for (let o = 0; o < b.length; o += 4096) {
        const blk = b.subarray(o, o + 4096);
        if (blk.some((x) => x !== 0)) writeSync(fd, blk, 0, blk.length, o);
      }
      ftruncateSync(fd, b.length);
      closeSync(fd);
    }
    const out = join(dir, 'layout-sparse.tar');
    execFileSync('tar', ['--sparse', '--format=gnu', '-cf', out, '-C', root, '.']);
    const bytes = new Uint8Array(readFileSync(out));
    expect((await readAll(bytes)).some((r) => r.entry.sparse)).toBe(true); // GNU tar did store the layer sparse
    await expect(openImage(new Blob([bytes]), { scratch: memoryScratch() })).rejects.toMatchObject({ code: 'unsupported-media-type' });
  });
});
