// Archives made by real tools (GNU tar in v7/ustar/gnu/oldgnu/pax formats, Python tarfile GNU/PAX/USTAR with
// pax_headers and global headers, busybox when installed): our parse must agree with Python's and GNU tar's
// listings, content included; a verbatim copy must reproduce the archive byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarWriter, readTar, scanTar } from '../../../src/engine/tar';
import { cat, readAll, streamOf } from './helpers';

interface PyItem {
  name: string;
  type: string;
  size: number;
  linkname: string;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  pax: Record<string, string>;
  offset_data: number;
  sha256: string;
}

let dir = '';
let listing: Record<string, { python: PyItem[]; gnutar: string[] }> = {};
const archive = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lw-tar-'));
  execFileSync('python3', [join(__dirname, 'fixtures.py'), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  listing = JSON.parse(readFileSync(join(dir, 'listing.json'), 'utf8'));
}, 30_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const NAMES = [
  'gnu-v7.tar',
  'gnu-ustar.tar',
  'gnu-gnu.tar',
  'gnu-gnu-bigid.tar',
  'gnu-oldgnu.tar',
  'gnu-pax.tar',
  'py-gnu.tar',
  'py-pax.tar',
  'py-pax-global.tar',
  'py-ustar.tar',
];

describe('tar archives made by real tools', () => {
  it('all expected fixtures were built', () => {
    for (const n of NAMES) expect(listing[n], n).toBeDefined();
  });

  for (const name of [...NAMES, 'busybox.tar']) {
    it(`${name}: agrees with Python tarfile and GNU tar -t`, async (ctx) => {
      if (!listing[name]) return ctx.skip();
      const ref = listing[name];
      const got = await readAll(archive(name), 7 * 512 + 3);
      expect(got.map((g) => g.entry.path)).toEqual(ref.gnutar);
      expect(got.length).toBe(ref.python.length);
      got.forEach(({ entry: e, content }, i) => {
        const p = ref.python[i];
        const msg = `${name} #${i} ${p.name}`;
        expect(e.type === 'dir' ? e.path.replace(/\/+$/, '') || '/' : e.path, msg).toBe(p.name);
        expect(e.type, msg).toBe(p.type);
        expect(e.size, msg).toBe(p.size);
        expect(e.linkpath, msg).toBe(p.linkname);
        expect(e.mtime, msg).toBe(p.mtime);
        expect([e.uid, e.gid, e.uname, e.gname], msg).toEqual([p.uid, p.gid, p.uname, p.gname]);
        if (e.type === 'char' || e.type === 'block') expect([e.devmajor, e.devminor], msg).toEqual([p.devmajor, p.devminor]);
        expect(e.pax, msg).toEqual(p.pax);
        expect(e.dataOffset, msg).toBe(p.offset_data);
        expect(createHash('sha256').update(content).digest('hex'), msg).toBe(p.sha256);
      });
    });

    it(`${name}: verbatim copy is byte for byte, scanTar agrees`, async (ctx) => {
      if (!listing[name]) return ctx.skip();
      const input = archive(name);
      const out: Uint8Array[] = [];
      const w = new TarWriter((c) => void out.push(c.slice()));
      const entries = [];
      for await (const item of readTar(streamOf(input, 10240))) {
        entries.push(item.entry);
        await w.addRaw(item.entry, item.data());
      }
      await w.finish();
      const copy = cat(out);
      expect(copy.length).toBeLessThanOrEqual(input.length);
      expect(Buffer.from(copy).equals(Buffer.from(input.subarray(0, copy.length)))).toBe(true);
      expect(await scanTar(new Blob([input]))).toEqual(entries);
    });
  }

  it('covers the interesting cases (so the comparisons above mean something)', async () => {
    const gnu = (await readAll(archive('gnu-gnu.tar'))).map((r) => r.entry);
    expect(gnu.some((e) => e.path.length > 255 && e.raw.length > 512)).toBe(true); // GNU 'L'
    expect(gnu.some((e) => e.linkpath.length > 100 && e.type === 'symlink')).toBe(true); // GNU 'K'
    expect(gnu.find((e) => e.path === './old')?.mtime).toBe(-1000); // base-256 negative
    const big = (await readAll(archive('gnu-gnu-bigid.tar'))).map((r) => r.entry);
    expect(big[0].uid).toBe(3000000); // base-256 uid
    const pyg = (await readAll(archive('py-gnu.tar'))).map((r) => r.entry);
    expect(pyg.find((e) => e.path === 'bigid')?.uid).toBe(3_000_000_000);
    expect(pyg.find((e) => e.path === 'contig')?.typeflag).toBe('7');
    const glob = (await readAll(archive('py-pax-global.tar'))).map((r) => r.entry);
    expect(glob[0].raw[156]).toBe('g'.charCodeAt(0)); // the global header travels with the first entry
    expect(glob[0].offset).toBe(0);
    expect(glob.every((e) => e.pax.comment === 'global' || e.pax.comment === 'hé')).toBe(true);
    expect(glob.find((e) => e.path === 'plain.txt')?.pax['SCHILY.xattr.security.capability']).toBe('\x01\x00\x00\x02');
    expect(glob.find((e) => e.path === 'dir/')?.uname).toBe('gowner'); // global uname applies
  });
});
