// Bad input: every malformed archive ends in the right LwError, never a hang or another exception type.
import { describe, expect, it } from 'vitest';
import { BLOCK, putChecksum } from '../../../src/engine/tar/header';
import { encodeHeader, readTar, scanTar, tarBlob } from '../../../src/engine/tar';
import { blobBytes, cat, enc, errorCode, readAll, streamOf } from './helpers';

async function both(bytes: Uint8Array): Promise<[string, string]> {
  return [await errorCode(readAll(bytes, 700)), await errorCode(scanTar(new Blob([bytes as Uint8Array<ArrayBuffer>])))];
}

/** A header block with `patch` applied and the checksum recomputed. */
function patched(h: Uint8Array, patch: (b: Uint8Array) => void): Uint8Array {
  const b = h.slice();
  patch(b);
  putChecksum(b.subarray(b.length - BLOCK));
  return b;
}

function setField(b: Uint8Array, off: number, len: number, s: string): void {
  b.fill(0, off, off + len);
  b.set(enc(s).subarray(0, len), off);
}

/** A raw 'x' header block followed by the given record bytes. */
function paxHeader(records: string | Uint8Array, typeflag = 'x'): Uint8Array {
  const data = typeof records === 'string' ? enc(records) : records;
  const h = patched(encodeHeader({ path: 'PaxHeaders/f', type: 'file', size: data.length }), (b) => {
    b[156] = typeflag.charCodeAt(0);
  });
  const padded = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  padded.set(data);
  return cat([h, padded]);
}

const file = (path: string, body: Uint8Array) => cat([encodeHeader({ path, type: 'file', size: body.length }), body, new Uint8Array((BLOCK - (body.length % BLOCK)) % BLOCK)]);
const END = new Uint8Array(1024);

describe('tar bad input', () => {
  it('truncated inside a header, a content, a PAX header', async () => {
    const good = await blobBytes(tarBlob([{ header: { path: 'a', type: 'file' }, body: new Uint8Array(1000) }, { header: { path: 'é'.repeat(80), type: 'file' }, body: enc('x') }]));
    expect(await both(good.subarray(0, 300))).toEqual(['truncated', 'truncated']);
    expect(await both(good.subarray(0, 512 + 100))).toEqual(['truncated', 'truncated']);
    expect(await both(good.subarray(0, 1536 + 512 + 10))).toEqual(['truncated', 'truncated']); // in PAX data
    expect(await both(good.subarray(0, 1536 + 1024))).toEqual(['truncated', 'truncated']); // EOF after PAX header
    expect(await both(good.subarray(0, 1536 + 1536 + 200))).toEqual(['truncated', 'truncated']);
    // skipping undrained content also notices
    expect(await errorCode((async () => { for await (const _ of readTar(streamOf(good.subarray(0, 800)))) void _; })())).toBe('truncated');
  });

  it('bad checksum, garbage numeric fields, absurd sizes', async () => {
    const f = file('f', enc('hello'));
    const flipped = f.slice();
    flipped[3] ^= 0x40;
    expect(await both(flipped)).toEqual(['corrupt', 'corrupt']);
    expect(await both(patched(f.subarray(0, 512), (b) => setField(b, 124, 12, '12x4')))).toEqual(['corrupt', 'corrupt']);
    expect(await both(patched(f.subarray(0, 512), (b) => setField(b, 136, 12, '-5')))).toEqual(['corrupt', 'corrupt']);
    expect(await both(patched(f.subarray(0, 512), (b) => setField(b, 108, 8, '9')))).toEqual(['corrupt', 'corrupt']);
    // base-256 negative size and a base-256 size beyond 2^53
    expect(await both(patched(f.subarray(0, 512), (b) => b.fill(0xff, 124, 136)))).toEqual(['corrupt', 'corrupt']);
    expect(await both(patched(f.subarray(0, 512), (b) => { b.fill(0, 124, 136); b[124] = 0x80; b[128] = 0x7f; }))).toEqual(['corrupt', 'corrupt']);
    // a huge but representable size: the content is missing
    expect(await both(patched(f.subarray(0, 512), (b) => { b.fill(0, 124, 136); b[124] = 0x80; b[129] = 0x01; }))).toEqual(['truncated', 'truncated']);
  });

  it('malformed PAX records', async () => {
    const tail = cat([encodeHeader({ path: 'f', type: 'file' }), END]);
    for (const rec of ['99 path=a\n', '11 path=a\n', 'x path=a\n', '9 patha\n\n', '8 path=\n\n', ' 9 path=a\n', '11 size=-1\n', '30 size=9007199254740993000\n', '12 mtime=1e5\n', '12 uid=0x10\n']) {
      const codes = await both(cat([paxHeader(rec), tail]));
      expect(codes, rec).toEqual(['corrupt', 'corrupt']);
    }
    const ok = await readAll(cat([paxHeader('9 path=a\n\0\0\0'), tail]));
    expect(ok[0].entry.path).toBe('a');
  });

  it('oversized or dangling extended headers', async () => {
    const tail = cat([encodeHeader({ path: 'f', type: 'file' }), END]);
    const huge = patched(encodeHeader({ path: 'L', type: 'file', size: 2 * 1024 * 1024 }), (b) => { b[156] = 0x4c; });
    expect(await both(cat([huge, new Uint8Array(2 * 1024 * 1024), tail]))).toEqual(['corrupt', 'corrupt']);
    expect(await both(cat([paxHeader('9 path=a\n'), END]))).toEqual(['corrupt', 'corrupt']); // x then end
    expect(await both(paxHeader('9 path=a\n'))).toEqual(['truncated', 'truncated']); // x then EOF
    // a global header right before the end is fine (and dropped)
    expect((await readAll(cat([paxHeader('12 comment=\n', 'g'), END]))).length).toBe(0);
  });

  it('end of archive: two zero blocks, one, none; trailing data ignored', async () => {
    const f = file('f', enc('hi'));
    for (const tailBytes of [END, END.subarray(0, 512), new Uint8Array(0), cat([END, enc('garbage that is not a tar header at all')])]) {
      const bytes = cat([f, tailBytes]);
      const got = await readAll(bytes, 100);
      expect(got.map((g) => g.entry.path)).toEqual(['f']);
      expect(new TextDecoder().decode(got[0].content)).toBe('hi');
      expect((await scanTar(new Blob([bytes as Uint8Array<ArrayBuffer>]))).length).toBe(1);
    }
    // a file with all-ASCII "garbage" that is not a header: corrupt, not a hang
    expect(await both(enc('this is not a tar file'.repeat(40)))).toEqual(['corrupt', 'corrupt']);
    expect(await both(new Uint8Array(0))).toEqual(['no error', 'no error']);
  });

  it('data() is single-use and unavailable after advancing; breaking out cancels the stream', async () => {
    const bytes = await blobBytes(tarBlob([{ header: { path: 'a', type: 'file' }, body: enc('aa') }, { header: { path: 'b', type: 'file' }, body: enc('bb') }]));
    const it1 = readTar(streamOf(bytes));
    const first = (await it1.next()).value!;
    first.data();
    expect(() => first.data()).toThrow(/once/);
    const second = (await it1.next()).value!;
    expect(second.entry.path).toBe('b');
    let cancelled = false;
    const src = new ReadableStream<Uint8Array>({
      pull(c) { c.enqueue(bytes.slice(0, 512)); },
      cancel() { cancelled = true; },
    });
    for await (const item of readTar(src)) { void item; break; }
    expect(cancelled).toBe(true);
  });

  it('honours the abort signal', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const bytes = await blobBytes(tarBlob([{ header: { path: 'a', type: 'file' }, body: enc('aa') }]));
    expect(await errorCode((async () => { for await (const _ of readTar(streamOf(bytes), { signal: ctl.signal })) void _; })())).toBe('cancelled');
    expect(await errorCode(scanTar(new Blob([bytes as Uint8Array<ArrayBuffer>]), { signal: ctl.signal }))).toBe('cancelled');
  });

  it('wraps stream errors as LwError', async () => {
    const src = new ReadableStream<Uint8Array>({ pull(c) { c.error(new TypeError('incorrect header check')); } });
    expect(await errorCode(readAll(src))).toBe('corrupt');
  });

  it('survives 400 random mutations with an LwError or a result', async () => {
    const base = await blobBytes(tarBlob([
      { header: { path: 'a'.repeat(150), type: 'file', mtime: 1.5, pax: { 'SCHILY.xattr.user.x': 'y' } }, body: new Uint8Array(700).fill(1) },
      { header: { path: 'l', type: 'symlink', linkpath: 't'.repeat(120) } },
      { header: { path: 'd', type: 'dir' } },
      { header: { path: 'small', type: 'file' }, body: enc('x') },
    ]));
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let i = 0; i < 400; i++) {
      const m = base.slice(0, i % 7 === 0 ? rnd(base.length) : base.length);
      for (let k = 1 + rnd(4); k > 0; k--) m[rnd(m.length || 1)] = rnd(256);
      // fix checksums half the time so mutations reach the field parsers
      if (i % 2) for (let o = 0; o + 512 <= m.length; o += 512) if (m[o + 257] === 0x75) putChecksum(m.subarray(o, o + 512));
      for (const code of await both(m)) expect(['no error', 'truncated', 'corrupt']).toContain(code);
    }
  });
});
