// Hostile headers stay cheap: PAX global records are shared (not copied per entry), names no engine can
// extract are flagged and cut, and every listing counts its entries and names against the limits.
import { afterEach, describe, expect, it } from 'vitest';
import { scanTar } from '../../../src/engine/tar';
import { nameTooLong, PATH_MAX } from '../../../src/engine/tar/parse';
import { setLimits, DEFAULT_LIMITS } from '../../../src/engine/limits';
import * as g from '../../hostile/gen';
import { readAll } from './helpers';

const blobOf = (b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>]);

afterEach(() => {
  setLimits(DEFAULT_LIMITS);
});

describe('PAX global records', () => {
  it('60,000 global records before 5,000 entries: read once, shared by every entry', async () => {
    const recs: [string, string][] = Array.from({ length: 60_000 }, (_, i) => [`k${i}`, String(i)]);
    recs.push(['uname', 'globaluser'], ['SCHILY.xattr.user.g', 'v']);
    const entries = Array.from({ length: 5_000 }, (_, i) => g.header(`f${i}`, '0', 0));
    // the last entry drops one global keyword and overrides another
    const tail = g.concat([g.pax([['k7', ''], ['uname', 'own']]), g.header('last', '0', 0)]);
    const tar = g.concat([g.pax(recs, 'g'), ...entries, tail, g.END]);
    const t0 = performance.now();
    const read = await readAll(tar, 65536);
    const scanned = await scanTar(blobOf(tar));
    expect(performance.now() - t0).toBeLessThan(10_000); // was minutes: 60,000 records copied 5,000 times
    expect(read.length).toBe(5_001);
    expect(scanned.map((e) => e.path)).toEqual(read.map((r) => r.entry.path));
    const e = read[1234].entry;
    expect(e.pax.k59999).toBe('59999');
    expect('k42' in e.pax).toBe(true);
    expect(e.pax['SCHILY.xattr.user.g']).toBe('v');
    expect(e.uname).toBe('globaluser');
    expect(Object.keys(e.pax).length).toBe(0); // shared through the prototype, not copied
    const last = read[5000].entry;
    expect(last.uname).toBe('own');
    expect(last.pax.k7).toBe(''); // removed by the entry's own empty record
    expect(last.pax.k8).toBe('8');
  });

  it('a few global records are still copied into each entry (Object.entries sees them)', async () => {
    const tar = g.concat([g.pax([['comment', 'hi'], ['mtime', '5']], 'g'), g.header('a', '0', 0), g.pax([['comment', '']]), g.header('b', '0', 0), g.END]);
    const [a, b] = (await readAll(tar)).map((r) => r.entry);
    expect(a.pax).toEqual({ comment: 'hi', mtime: '5' });
    expect(a.mtime).toBe(5);
    expect(b.pax).toEqual({ mtime: '5' });
  });

  it('a later global header replaces earlier records and many small global headers stay linear', async () => {
    const parts: Uint8Array[] = [g.pax(Array.from({ length: 100 }, (_, i) => [`base${i}`, 'x']), 'g')];
    for (let i = 0; i < 3000; i++) parts.push(g.pax([['gname', `g${i}`]], 'g'), g.header(`f${i}`, '0', 0));
    parts.push(g.END);
    const t0 = performance.now();
    const read = await readAll(g.concat(parts), 65536);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(read.map((r) => r.entry.gname)).toEqual(Array.from({ length: 3000 }, (_, i) => `g${i}`));
    expect(read[2999].entry.pax.base99).toBe('x');
  });
});

describe('names no engine can extract', () => {
  it('a 1 MB GNU long name is flagged and kept cut (head, length, hash); two such names stay distinct', async () => {
    const big = 'x/'.repeat(500 * 1024);
    const tar = g.concat([g.gnuLong(big + 'a'), g.gnuLong(big + 'b'), g.END]);
    for (const entries of [(await readAll(tar)).map((r) => r.entry), await scanTar(blobOf(tar))]) {
      expect(entries[0].tooLong?.path).toBe(big.length + 1);
      expect(entries[0].path.length).toBeLessThan(400);
      expect(entries[0].path.startsWith('x/x/')).toBe(true);
      expect(entries[0].path).toContain(`${big.length + 1} bytes, cut`);
      expect(entries[1].path).not.toBe(entries[0].path);
    }
  });

  it('PATH_MAX and NAME_MAX are counted in UTF-8 bytes', () => {
    expect(nameTooLong('a/'.repeat(2047) + 'a')).toBe(0); // 4095 bytes
    expect(nameTooLong('a/'.repeat(2048))).toBe(PATH_MAX);
    expect(nameTooLong('é'.repeat(2048))).toBe(4096); // 2048 chars, 4096 bytes (and a component over 255)
    expect(nameTooLong('d/' + 'n'.repeat(255))).toBe(0);
    expect(nameTooLong('d/' + 'n'.repeat(256))).toBe(258);
    expect(nameTooLong('d/' + 'é'.repeat(128))).toBe(258); // 256 bytes in one component
  });

  it('a long link name is flagged and cut the same way; short names are untouched', async () => {
    const tar = g.concat([g.pax([['linkpath', 'L'.repeat(10_000)]]), g.header('ln', '2'), g.header('ok', '0'), g.END]);
    const [ln, ok] = (await readAll(tar)).map((r) => r.entry);
    expect(ln.tooLong).toEqual({ linkpath: 10_000 });
    expect(ln.linkpath.length).toBeLessThan(400);
    expect(ok.tooLong).toBeUndefined();
  });
});

describe('listing budgets', () => {
  it('past maxEntries the reader stops with too-large naming the flag', async () => {
    setLimits({ maxEntries: 100 });
    const tar = g.concat([...Array.from({ length: 101 }, (_, i) => g.header(`f${i}`, '0', 0)), g.END]);
    await expect(readAll(tar)).rejects.toMatchObject({ code: 'too-large', message: expect.stringContaining('--max-entries') });
    await expect(scanTar(blobOf(tar))).rejects.toMatchObject({ code: 'too-large' });
    setLimits({ maxEntries: 101 });
    expect((await readAll(tar)).length).toBe(101);
  });

  it('past maxMetadata (names counted) the reader stops with too-large naming the flag', async () => {
    setLimits({ maxMetadata: 1024 * 1024 });
    const tar = g.concat([...Array.from({ length: 300 }, (_, i) => g.gnuLong(`${i}/${'n'.repeat(2000)}`)), g.END]);
    await expect(readAll(tar)).rejects.toMatchObject({ code: 'too-large', message: expect.stringContaining('--max-metadata') });
  });
});
