// Our writer through our reader: every field ustar or PAX must carry comes back unchanged.
import { describe, expect, it } from 'vitest';
import {
  END_OF_ARCHIVE,
  TarWriter,
  encodeHeader,
  readTar,
  scanTar,
  tarBlob,
  type TarHeaderInput,
} from '../../../src/engine/tar';
import { blobBytes, cat, enc, errorCode, readAll, streamOf } from './helpers';

const long101 = 'd/'.repeat(30) + 'x'.repeat(41); // 101 bytes, splittable into prefix/name
const long300 = 'a'.repeat(120) + '/' + 'b'.repeat(120) + '/' + 'c'.repeat(59); // > 255: needs PAX
const unsplittable = 'n'.repeat(150); // > 100 without a '/': needs PAX

const cases: { h: TarHeaderInput; body?: Uint8Array; expectPath?: string }[] = [
  { h: { path: 'hello.txt', type: 'file', mode: 0o600, uid: 1000, gid: 100, uname: 'me', gname: 'us', mtime: 1700000000 }, body: enc('hello world\n') },
  { h: { path: long101, type: 'file', mtime: 5 }, body: enc('x'.repeat(513)) },
  { h: { path: long300, type: 'file' }, body: new Uint8Array(1024).fill(7) },
  { h: { path: unsplittable, type: 'file' }, body: enc('u') },
  { h: { path: 'ünïcødé/ファイル.txt', type: 'file', uname: 'jöe', gname: 'grüp' }, body: enc('ü') },
  { h: { path: 'dir', type: 'dir', mode: 0o755 }, expectPath: 'dir/' },
  { h: { path: 'sub/', type: 'dir' } },
  { h: { path: 'link', type: 'symlink', linkpath: 'l'.repeat(200) + '/target' } },
  { h: { path: 'ulink', type: 'symlink', linkpath: '../ziel/ÿ' } },
  { h: { path: 'hard', type: 'hardlink', linkpath: 'hello.txt' } },
  { h: { path: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 } },
  { h: { path: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 } },
  { h: { path: 'fifo', type: 'fifo' } },
  { h: { path: 'bigid', type: 'file', uid: 0o10000000, gid: 2 ** 40 }, body: new Uint8Array(0) },
  { h: { path: 'frac', type: 'file', mtime: 1700000000.25 } },
  { h: { path: 'neg', type: 'file', mtime: -100.5 } },
  {
    h: {
      path: 'xattr',
      type: 'file',
      pax: { 'SCHILY.xattr.user.foo': 'bar', 'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002\udcff\udc80', 'LIBARCHIVE.creationtime': '12' },
    },
    body: enc('cap'),
  },
  { h: { path: 'bad-utf8-\udcff\udcfe', type: 'file' }, body: enc('z') },
];

function archive(): Blob {
  return tarBlob(cases.map((c) => ({ header: c.h, body: c.body })));
}

describe('tar round trip (writer -> reader)', () => {
  it('reads back every field', async () => {
    const bytes = await blobBytes(archive());
    for (const chunk of [511, 4096, 1 << 20]) {
      const got = await readAll(bytes, chunk);
      expect(got.length).toBe(cases.length);
      got.forEach(({ entry: e, content }, i) => {
        const { h, body, expectPath } = cases[i];
        expect(e.path).toBe(expectPath ?? h.path);
        expect(e.type).toBe(h.type);
        expect(e.linkpath).toBe(h.linkpath ?? '');
        expect(e.size).toBe(body?.length ?? 0);
        expect(content).toEqual(body ?? new Uint8Array(0));
        expect(e.mtime).toBe(h.mtime ?? 0);
        expect(e.uid).toBe(h.uid ?? 0);
        expect(e.gid).toBe(h.gid ?? 0);
        expect(e.uname).toBe(h.uname ?? '');
        expect(e.gname).toBe(h.gname ?? '');
        expect(e.devmajor).toBe(h.devmajor ?? 0);
        expect(e.devminor).toBe(h.devminor ?? 0);
        if (h.mode !== undefined) expect(e.mode).toBe(h.mode);
        for (const [k, v] of Object.entries(h.pax ?? {})) expect(e.pax[k]).toBe(v);
      });
    }
  });

  it('uses plain ustar when it can and PAX only when needed', () => {
    const plain = encodeHeader({ path: 'a/b', type: 'file', size: 3 });
    expect(plain.length).toBe(512);
    expect(new TextDecoder().decode(plain.subarray(257, 265))).toBe('ustar\u000000');
    expect(encodeHeader({ path: long101, type: 'file' }).length).toBe(512); // prefix split
    expect(encodeHeader({ path: long300, type: 'file' }).length).toBe(1536);
    expect(encodeHeader({ path: 'é', type: 'file' }).length).toBe(1536);
    expect(encodeHeader({ path: 'f', type: 'file', size: 8 ** 11 }).length).toBe(1536);
    expect(encodeHeader({ path: 'f', type: 'file', size: 8 ** 11 - 1 }).length).toBe(512);
    // deterministic
    expect(encodeHeader(cases[16].h)).toEqual(encodeHeader({ ...cases[16].h }));
  });

  it('scanTar agrees with readTar', async () => {
    const blob = archive();
    const scanned = await scanTar(blob);
    const streamed = (await readAll(await blobBytes(blob))).map((r) => r.entry);
    expect(scanned).toEqual(streamed);
  });

  it('TarWriter output equals tarBlob output and addRaw copies verbatim', async () => {
    const chunks: Uint8Array[] = [];
    const w = new TarWriter((c) => void chunks.push(c.slice()));
    for (const c of cases) await w.add(c.h, c.body);
    await w.finish();
    const a = cat(chunks);
    expect(a).toEqual(await blobBytes(archive()));

    const copy: Uint8Array[] = [];
    const w2 = new TarWriter((c) => void copy.push(c.slice()));
    for await (const item of readTar(streamOf(a, 1000))) await w2.addRaw(item.entry, item.data());
    await w2.finish();
    expect(cat(copy)).toEqual(a);
  });

  it('rejects data whose length differs from the size', async () => {
    const w = new TarWriter(() => {});
    expect(await errorCode(w.add({ path: 'f', type: 'file', size: 3 }, enc('four')))).toBe('invalid-argument');
    expect(await errorCode(w.add({ path: 'f', type: 'file', size: 3 }, new Blob(['ab'])))).toBe('invalid-argument');
    async function* gen() {
      yield enc('ab');
    }
    expect(await errorCode(w.add({ path: 'f', type: 'file', size: 3 }, gen()))).toBe('corrupt');
    async function* gen2() {
      yield enc('abcd');
    }
    expect(await errorCode(w.add({ path: 'f', type: 'file', size: 3 }, gen2()))).toBe('corrupt');
    expect(await errorCode(w.add({ path: 'd', type: 'dir' }, enc('x')))).toBe('invalid-argument');
    expect(() => encodeHeader({ path: 'f', type: 'file', size: -1 })).toThrow(/not a valid/);
    expect(() => encodeHeader({ path: 'f', type: 'other' })).toThrow();
  });

  it('END_OF_ARCHIVE is two zero blocks', () => {
    expect(END_OF_ARCHIVE.length).toBe(1024);
    expect(END_OF_ARCHIVE.every((b) => b === 0)).toBe(true);
  });
});
