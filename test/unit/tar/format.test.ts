// Header-format edge cases: numeric encodings, sizes >= 8 GiB (without allocating them), old formats,
// global/extended header semantics, strings that are not UTF-8, normalizePath.
import { describe, expect, it } from 'vitest';
import { BLOCK, decodeBytes, encodeString, formatPaxRecord, parseNumeric, putChecksum } from '../../../src/engine/tar/header';
import { encodeHeader, normalizePath, readTar, scanTar, tarBlob } from '../../../src/engine/tar';
import { blobBytes, cat, enc, errorCode, readAll } from './helpers';

const GiB = 2 ** 30;
const BIG = 8 * GiB + 5; // needs PAX size or base-256: 8^11 = 8 GiB
const END = new Uint8Array(1024);
const pad = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** A Blob stand-in of any size: zeros except the given byte runs (Node's Blob stops at 4 GiB). */
function sparseBlob(size: number, runs: [number, Uint8Array][]): Blob {
  const make = (start: number, end: number): Blob =>
    ({
      size: end - start,
      slice(a = 0, b = end - start) {
        return make(start + a, Math.min(end, start + b));
      },
      async arrayBuffer() {
        const out = new Uint8Array(end - start);
        for (const [o, bytes] of runs) {
          const from = Math.max(o, start);
          const to = Math.min(o + bytes.length, end);
          if (from < to) out.set(bytes.subarray(from - o, to - o), from - start);
        }
        return out.buffer;
      },
    }) as unknown as Blob;
  return make(0, size);
}

function gnuBase256Size(path: string, size: number): Uint8Array {
  const h = encodeHeader({ path, type: 'file' });
  h.set(enc('ustar  \0'), 257); // old GNU magic
  h.fill(0, 124, 136);
  h[124] = 0x80;
  let v = size;
  for (let i = 135; i > 124; i--) {
    h[i] = v % 256;
    v = Math.floor(v / 256);
  }
  putChecksum(h);
  return h;
}

describe('sizes of 8 GiB and more', () => {
  for (const [how, hdr] of [
    ['PAX size', () => encodeHeader({ path: 'huge.bin', type: 'file', size: BIG })],
    ['base-256 size', () => gnuBase256Size('huge.bin', BIG)],
  ] as const) {
    it(`${how}: scanTar seeks past the content to the next entry`, async () => {
      const h = hdr();
      const next = encodeHeader({ path: 'after', type: 'file', size: 3 });
      const nextAt = h.length + pad(BIG);
      const blob = sparseBlob(nextAt + 512 + 512 + 1024, [[0, h], [nextAt, cat([next, enc('abc')])]]);
      const entries = await scanTar(blob);
      expect(entries.map((e) => [e.path, e.size, e.offset, e.dataOffset])).toEqual([
        ['huge.bin', BIG, 0, h.length],
        ['after', 3, nextAt, nextAt + 512],
      ]);
      if (how === 'PAX size') expect(entries[0].pax.size).toBe(String(BIG));
      // content missing => truncated
      expect(await errorCode(scanTar(sparseBlob(h.length + 4 * GiB, [[0, h]])))).toBe('truncated');
    });

    it(`${how}: readTar streams the content as zero-copy subarrays`, async () => {
      const h = hdr();
      const zero = new Uint8Array(1 << 20);
      let left = BIG;
      let phase = 0;
      const src = new ReadableStream<Uint8Array>({
        pull(c) {
          if (phase === 0) (phase = 1), c.enqueue(h);
          else if (left > 0) {
            const n = Math.min(left, zero.length);
            left -= n;
            c.enqueue(zero.subarray(0, n));
          } else if (phase === 1) (phase = 2), c.enqueue(cat([new Uint8Array(pad(BIG) - BIG), encodeHeader({ path: 'z', type: 'dir' }), END]));
          else c.close();
        },
      });
      const seen: [string, number][] = [];
      for await (const item of readTar(src)) {
        let n = 0;
        let copies = 0;
        for await (const c of item.data()) {
          n += c.length;
          if (c.buffer !== zero.buffer) copies++;
        }
        expect(copies).toBe(0);
        seen.push([item.entry.path, n]);
      }
      expect(seen).toEqual([['huge.bin', BIG], ['z/', 0]]);
    });
  }

  it('the writer puts 8^11 - 1 in octal and 8^11 in PAX', () => {
    const a = encodeHeader({ path: 'f', type: 'file', size: 8 ** 11 - 1 });
    expect(new TextDecoder().decode(a.subarray(124, 136))).toBe('77777777777\0');
    const b = encodeHeader({ path: 'f', type: 'file', size: 8 ** 11 });
    expect(new TextDecoder().decode(b.subarray(512, 512 + 20))).toBe('19 size=8589934592\n\0');
  });
});

describe('numeric fields', () => {
  it('octal with spaces/NULs, empty, base-256 positive and negative', () => {
    expect(parseNumeric(enc(' 0000644\0'), 'mode')).toBe(0o644);
    expect(parseNumeric(enc('644 '), 'mode')).toBe(0o644);
    expect(parseNumeric(new Uint8Array(8), 'mode')).toBe(0);
    expect(parseNumeric(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0), 'size')).toBe(2 ** 32);
    expect(parseNumeric(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0x18), 'mtime')).toBe(-1000);
    expect(() => parseNumeric(enc('0x12'), 'mode')).toThrow(/octal/);
    expect(() => parseNumeric(enc('12 34'), 'mode')).toThrow(/octal/);
    expect(() => parseNumeric(Uint8Array.of(0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'size')).toThrow(/range/);
  });

  it('accepts a signed-sum checksum (old Unix tars) and rejects a wrong one', async () => {
    const h = encodeHeader({ path: 'é'.repeat(10), type: 'file', size: 0 }).subarray(1024); // name has bytes >= 0x80
    expect(h[0]).toBeGreaterThanOrEqual(0x80);
    let signed = 0;
    for (let i = 0; i < 512; i++) signed += i >= 148 && i < 156 ? 32 : h[i] >= 128 ? h[i] - 256 : h[i];
    const s = h.slice();
    s.set(enc(signed.toString(8).padStart(6, '0') + '\0 '), 148);
    expect((await readAll(cat([s, END])))[0].entry.size).toBe(0);
    s[148] = 0x37;
    expect(await errorCode(readAll(cat([s, END])))).toBe('corrupt');
  });
});

describe('old formats and typeflags', () => {
  function v7(path: string, typeflag: string, size = 0): Uint8Array {
    const h = encodeHeader({ path: 'x', type: 'file', size });
    h.fill(0, 257, 512); // no magic, no ustar fields
    h.fill(0, 0, 100);
    h.set(enc(path), 0);
    h[156] = typeflag.charCodeAt(0);
    putChecksum(h);
    return h;
  }

  it('v7: directories by trailing slash, no prefix/uname', async () => {
    const got = await readAll(cat([v7('d/', '\0'), v7('f', '\0', 3), enc('abc'), new Uint8Array(509), v7('c', '7', 1), enc('q'), new Uint8Array(511), END]));
    expect(got.map((g) => [g.entry.path, g.entry.type, g.entry.size])).toEqual([['d/', 'dir', 0], ['f', 'file', 3], ['c', 'file', 1]]);
    expect(new TextDecoder().decode(got[1].content)).toBe('abc');
  });

  it('ustar prefix is joined; old GNU headers ignore the prefix area', async () => {
    const long = 'p'.repeat(120) + '/' + 'n'.repeat(90);
    const u = encodeHeader({ path: long, type: 'file' });
    expect(u.length).toBe(512);
    const g = u.slice();
    g.set(enc('ustar  \0'), 257);
    putChecksum(g);
    const got = await readAll(cat([u, g, END]));
    expect(got.map((x) => x.entry.path)).toEqual([long, 'n'.repeat(90)]);
  });

  it('header-only types carry no content even if their size field says so; unknown types keep theirs', async () => {
    const hl = encodeHeader({ path: 'h', type: 'file', size: 5 });
    hl[156] = 0x31; // '1'
    hl.set(enc('target'), 157);
    putChecksum(hl);
    const vol = encodeHeader({ path: 'label', type: 'file', size: 4 });
    vol[156] = 0x56; // 'V' volume header
    putChecksum(vol);
    const got = await readAll(cat([hl, vol, enc('data'), new Uint8Array(508), END]));
    expect(got.map((x) => [x.entry.type, x.entry.typeflag, x.entry.size, x.entry.linkpath])).toEqual([['hardlink', '1', 0, 'target'], ['other', 'V', 4, '']]);
  });

  it('GNU sparse entries are files of their real size; an \'S\' without the GNU layout stays "other"', async () => {
    const s = encodeHeader({ path: 's', type: 'file', size: 0 });
    s[156] = 0x53; // 'S' in a POSIX ustar header: no GNU sparse fields to read
    putChecksum(s);
    expect((await readAll(cat([s, END])))[0].entry.type).toBe('other');
    const p = await blobBytes(tarBlob([{ header: { path: 'GNUSparseFile.0/x', type: 'file', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'x', 'GNU.sparse.realsize': '10' } } }]));
    const e = (await readAll(p))[0].entry;
    expect([e.path, e.type, e.sparse]).toEqual(['x', 'file', { realSize: 10, format: 'pax-1.0' }]);
  });
});

/** A raw 'x' or 'g' header with its records. */
function meta(typeflag: string, records: [string, string][]): Uint8Array {
  const data = cat(records.map(([k, v]) => formatPaxRecord(k, v)));
  const h = encodeHeader({ path: 'PaxHeaders/m', type: 'file', size: data.length });
  h[156] = typeflag.charCodeAt(0);
  putChecksum(h);
  return cat([h, data, new Uint8Array(pad(data.length) - data.length)]);
}

describe('PAX semantics', () => {
  it('global records apply to later entries, x overrides, empty value deletes; g blocks ride in the next raw', async () => {
    const g = meta('g', [['comment', 'one'], ['uname', 'globalname']]);
    const a = encodeHeader({ path: 'a', type: 'file', uname: 'local' });
    const b = encodeHeader({ path: 'b', type: 'file', pax: { comment: 'two' } });
    // an x header with "comment=" (delete) and "uname=" (fall back to the header field)
    const c = cat([meta('x', [['comment', ''], ['uname', '']]), encodeHeader({ path: 'c', type: 'file', uname: 'hdr' })]);
    const bytes = cat([g, a, b, c, END]);
    const got = (await readAll(bytes)).map((x) => x.entry);
    expect(got.map((e) => [e.path, e.uname, e.pax.comment])).toEqual([
      ['a', 'globalname', 'one'],
      ['b', 'globalname', 'two'],
      ['c', 'hdr', undefined],
    ]);
    expect(got[0].raw).toEqual(cat([g, a]));
    expect([got[0].offset, got[0].dataOffset, got[1].offset]).toEqual([0, 1536, 1536]);
  });

  it('PAX path/linkpath override GNU long names and header fields', async () => {
    const L = encodeHeader({ path: '././@LongLink', type: 'file', size: 6 });
    L[156] = 0x4c;
    putChecksum(L);
    const Ldata = cat([enc('gnu/n\0'), new Uint8Array(506)]);
    const x = encodeHeader({ path: 'short', type: 'symlink', linkpath: 'é' });
    const got = (await readAll(cat([L, Ldata, encodeHeader({ path: 'short', type: 'file' }), L, Ldata, x, END]))).map((r) => r.entry);
    expect(got.map((e) => [e.path, e.linkpath])).toEqual([['gnu/n', ''], ['gnu/n', 'é']]);
    expect(got[1].raw.length).toBe(1024 + 1536);
  });

  it('writer output is deterministic and puts explicit records first-class', () => {
    const h = { path: 'f', type: 'file' as const, pax: { b: '2', a: '1', path: 'ignored' } };
    const out = encodeHeader(h);
    expect(out).toEqual(encodeHeader(h));
    expect(new TextDecoder().decode(out.subarray(0, 100)).replace(/\0+$/, '')).toBe('PaxHeaders/f');
    expect(new TextDecoder().decode(out.subarray(512, 524))).toBe('6 a=1\n6 b=2\n');
    expect(out.subarray(136, 148)).toEqual(enc('00000000000\0'));
  });
});

describe('writer path placement', () => {
  it('uses the ustar prefix up to its limits, PAX beyond', async () => {
    const fits = 'p'.repeat(155) + '/' + 'n'.repeat(100);
    const tooLongName = 'p'.repeat(10) + '/' + 'n'.repeat(101);
    const tooLongPrefix = 'p'.repeat(156) + '/' + 'n'.repeat(100);
    expect(encodeHeader({ path: fits, type: 'file' }).length).toBe(512);
    expect(encodeHeader({ path: tooLongName, type: 'file' }).length).toBe(1536);
    expect(encodeHeader({ path: tooLongPrefix, type: 'file' }).length).toBe(1536);
    expect(encodeHeader({ path: 'l', type: 'symlink', linkpath: 't'.repeat(100) }).length).toBe(512);
    expect(encodeHeader({ path: 'l', type: 'symlink', linkpath: 't'.repeat(101) }).length).toBe(1536);
    expect(encodeHeader({ path: 'f', type: 'file', uid: 0o7777777 }).length).toBe(512);
    expect(encodeHeader({ path: 'f', type: 'file', uid: 0o10000000 }).length).toBe(1536);
    expect(encodeHeader({ path: 'f', type: 'file', uname: 'u'.repeat(32) }).length).toBe(512);
    expect(encodeHeader({ path: 'f', type: 'file', uname: 'u'.repeat(33) }).length).toBe(1536);
    const bytes = cat([fits, tooLongName, tooLongPrefix].map((p) => encodeHeader({ path: p, type: 'file' })).concat([END]));
    expect((await readAll(bytes)).map((r) => r.entry.path)).toEqual([fits, tooLongName, tooLongPrefix]);
    expect(() => encodeHeader({ path: 'a\0b', type: 'file' })).toThrow(/NUL/);
  });
});

describe('strings', () => {
  it('non-UTF-8 bytes survive decode/encode', () => {
    for (const bytes of [Uint8Array.of(0x66, 0xff, 0xfe), Uint8Array.of(0xc3), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xf0, 0x9f, 0x98, 0x80, 0x80), enc('ok ü 😀')]) {
      expect(encodeString(decodeBytes(bytes))).toEqual(bytes);
    }
  });

  it('normalizePath', () => {
    expect(normalizePath('./a/b/')).toBe('a/b');
    expect(normalizePath('/a')).toBe('a');
    expect(normalizePath('.')).toBe('');
    expect(normalizePath('./')).toBe('');
    expect(normalizePath('a//./b')).toBe('a/b');
    expect(normalizePath('../x')).toBe('../x');
  });
});
