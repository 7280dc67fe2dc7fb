// Header fuzz: 6,000 seeded tars built from hostile header pieces — PAX global and local records (many, long,
// empty = delete), GNU long names and links up to ~1 MB, deep paths, odd typeflags, random bit flips — through
// both tar readers. Every case must end in an LwError with a known code or entries the two readers agree on;
// names no engine can extract are flagged and cut; no case takes long. Case i uses seed BASE + i (printed on
// failure), so `buildCase(BASE + i)` rebuilds it.

import { describe, expect, it } from 'vitest';
import { LwError } from '../../src/engine/errors';
import { readTar, scanTar, type TarEntry } from '../../src/engine/tar';
import { PATH_MAX } from '../../src/engine/tar/parse';
import * as g from '../hostile/gen';
import { Rng } from './lib/prng';

const CASES = 6_000;
const BASE = 0x5eed_0000;
const CODES = new Set(['truncated', 'corrupt', 'too-large', 'cancelled', 'invalid-argument']);

function name(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
      return 'a/'.repeat(rng.range(1, 2500)) + 'f';
    case 1:
      return 'n'.repeat(rng.range(100, 300));
    case 2:
      return `d${rng.int(50)}/${'é'.repeat(rng.range(0, 200))}`;
    case 3:
      return '../'.repeat(rng.range(0, 3)) + 'x' + rng.int(100);
    default:
      return `f${rng.int(1000)}`;
  }
}

function records(rng: Rng, n: number): [string, string][] {
  const keys = ['path', 'linkpath', 'uname', 'gname', 'mtime', 'size', 'uid', 'comment', 'SCHILY.xattr.user.a', 'GNU.sparse.major'];
  return Array.from({ length: n }, (_, i) => {
    const k = rng.next() < 0.6 ? `k${rng.int(n * 2)}` : rng.pick(keys);
    const v = rng.next() < 0.15 ? '' : k === 'path' || k === 'linkpath' ? name(rng) : k === 'mtime' || k === 'size' || k === 'uid' ? String(rng.int(1000)) : `v${i}`;
    return [k, v] as [string, string];
  });
}

export function buildCase(seed: number): Uint8Array {
  const rng = new Rng(seed);
  const parts: Uint8Array[] = [];
  const n = rng.range(1, 12);
  for (let i = 0; i < n; i++) {
    const r = rng.int(10);
    if (r === 0) parts.push(g.pax(records(rng, rng.pick([1, 5, 200, 2000])), 'g'));
    if (r === 1) parts.push(g.pax(records(rng, rng.range(1, 20))));
    if (r === 2) {
      parts.push(g.gnuLong(rng.next() < 0.03 ? 'L'.repeat(rng.range(4000, 300_000)) : name(rng), rng.pick(['0', '2', '5'])));
      continue;
    }
    const t = rng.pick(['0', '0', '1', '2', '5', '3', '6', 'S', 'V', 'Z']);
    const body = t === '0' && rng.next() < 0.3 ? rng.bytes(rng.int(1500)) : new Uint8Array(0);
    parts.push(g.header(name(rng).slice(0, 100), t, body.length, t === '1' || t === '2' ? name(rng).slice(0, 100) : ''), body, new Uint8Array((512 - (body.length % 512)) % 512));
  }
  if (rng.next() < 0.8) parts.push(g.END);
  const tar = g.concat(parts);
  // a third of the cases get bit flips or a cut
  const m = rng.int(6);
  if (m === 0 && tar.length) for (let k = rng.range(1, 8); k > 0; k--) tar[rng.int(tar.length)] ^= 1 << rng.int(8);
  if (m === 1) return tar.subarray(0, rng.int(tar.length + 1));
  return tar;
}

const sig = (e: TarEntry) => `${e.path}|${e.type}|${e.size}|${e.offset}|${e.dataOffset}|${e.linkpath}|${e.uname}|${e.mtime}|${JSON.stringify(e.tooLong)}`;

async function viaStream(bytes: Uint8Array, chunk: number): Promise<string[] | string> {
  let o = 0;
  const src = new ReadableStream<Uint8Array>({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(o, o + chunk));
      o += chunk;
    },
  });
  const out: string[] = [];
  try {
    for await (const item of readTar(src)) out.push(check(item.entry));
    return out;
  } catch (e) {
    return code(e);
  }
}

function check(e: TarEntry): string {
  if (e.path.length > PATH_MAX * 3 || e.linkpath.length > PATH_MAX * 3) throw new Error(`a name of ${e.path.length} characters was kept whole`);
  if (e.tooLong?.path && e.tooLong.path >= PATH_MAX && !e.path.includes('bytes, cut')) throw new Error('an over-long path is flagged but not cut');
  return sig(e);
}

function code(e: unknown): string {
  if (!(e instanceof LwError) || !CODES.has(e.code)) throw e;
  return `error:${e.code}`;
}

describe('fuzz: hostile tar headers', () => {
  it(`${CASES} seeded cases through readTar and scanTar`, { timeout: 170_000 }, async () => {
    const t0 = Date.now();
    let entries = 0;
    let errors = 0;
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = BASE + i;
      const bytes = buildCase(seed);
      const t = Date.now();
      let a: string[] | string;
      let b: string[] | string;
      try {
        a = await viaStream(bytes, 512 + new Rng(seed ^ 0xabc).int(16384));
        try {
          b = (await scanTar(new Blob([bytes as Uint8Array<ArrayBuffer>]))).map(check);
        } catch (e) {
          b = code(e);
        }
      } catch (e) {
        throw new Error(`case seed 0x${seed.toString(16)}: ${e instanceof Error ? e.stack : String(e)}`);
      }
      slowest = Math.max(slowest, Date.now() - t);
      // scanTar checks that every entry's content is present; readTar finds that out only when it reads it.
      if (typeof a !== 'string' && typeof b !== 'string') expect(b, `case seed 0x${seed.toString(16)}`).toEqual(a);
      if (typeof a === 'string') errors++;
      else entries += a.length;
      expect(Date.now() - t, `case seed 0x${seed.toString(16)} took too long`).toBeLessThan(5_000);
    }
    console.log(`header fuzz: ${CASES} cases, ${entries} entries, ${errors} typed errors, slowest ${slowest} ms, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
