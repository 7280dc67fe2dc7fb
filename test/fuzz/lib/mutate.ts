// Mutation operators. Byte-level ones work on any archive; when the tar layout is known they aim at header
// fields, PAX data and block boundaries, where readers are most likely to misbehave (negative sizes,
// 8 GiB allocations, infinite loops on zero-size progress, checksum bypasses).

import { concatBytes } from '../../../src/engine/bytes';
import { Rng } from './prng';
import { F, fixChecksum, setField, type FieldName, type TarLayout } from './tarbuild';

const enc = new TextEncoder();

export interface Mutation {
  op: string;
  bytes: Uint8Array;
}

const b = (...xs: number[]) => new Uint8Array(xs);
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
export const cat = (...parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0].slice() : concatBytes(...parts));

/** Absurd values per numeric field: huge octal, base-256 huge/negative, non-octal, empty, signs. */
const NUMERIC_ABSURD: (string | Uint8Array)[] = [
  '77777777777\0',
  '99999999999\0',
  'zzzzzzz\0',
  '-1\0',
  '0x10\0',
  '1e10\0',
  '        ',
  '',
  '\0\0\0\0\0\0\0',
  cat(b(0x80), fill(11, 0xff)), // base-256 huge positive
  fill(12, 0xff), // base-256 -1
  cat(b(0xff), fill(11, 0)), // base-256 large negative
  cat(b(0x80), fill(3, 0), b(0, 0, 0, 2, 0, 0, 0, 0)), // base-256 8 GiB
  cat(b(0x80), fill(4, 0), b(0, 0, 0, 0, 0, 2, 0)), // base-256 small, valid
  '0000000001\0',
  '00000001000\0',
];

const TYPEFLAGS = ['x', 'g', 'L', 'K', '7', 'Z', '\0', '\xff', '1', '2', '3', '4', '5', '6', 'V', 'M', 'S', 'D', 'N', ' '];

const NAMES = ['../../etc/passwd', '/abs/path', '', 'a/../../b', './', '.', '..', 'x'.repeat(100), '\xff\xfe', 'dir//file', '.wh.', 'a/.wh..wh..opq'];

const BAD_PAX = [
  '99999999 path=x\n',
  '0 path=\n',
  '-5 size=3\n',
  '12 size=-1\n',
  '30 size=99999999999999999999\n',
  '17 size=1e400\n',
  '14 size=0x20\n',
  '8 mtime=\n',
  '18 mtime=NaN.nan\n',
  '12 uid=-77\n',
  '3 =\n',
  'abc path=x\n',
  '11 path=a\n\n\n',
  '10path=abc\n',
  '20 linkpath=../../\n',
  '13 path=/etc\n',
  '999999999999999999999 path=x\n',
  '16 path=a\0b\0c\n',
  '22 GNU.sparse.size=9\n',
  '28 SCHILY.xattr.=\n',
];

function clone(x: Uint8Array): Uint8Array {
  return x.slice();
}

function pickHeader(rng: Rng, layout: TarLayout): number {
  const all = layout.entries.flatMap((e) => e.headers);
  return rng.pick(all);
}

export type ByteOp = (rng: Rng, src: Uint8Array, layout?: TarLayout) => Mutation | undefined;

export const byteOps: Record<string, ByteOp> = {
  trunc: (rng, s) => ({ op: 'trunc', bytes: s.slice(0, rng.int(s.length)) }),
  'trunc-header': (rng, s, l) => {
    if (!l) return;
    const h = pickHeader(rng, l);
    return { op: 'trunc-header', bytes: s.slice(0, h + rng.int(512)) };
  },
  'trunc-pax': (rng, s, l) => {
    const withPax = l?.entries.filter((e) => e.paxData || e.gnuData) ?? [];
    if (!withPax.length) return;
    const e = rng.pick(withPax);
    const [o, n] = e.paxData ?? e.gnuData!;
    return { op: 'trunc-pax', bytes: s.slice(0, o + rng.int(n)) };
  },
  'trunc-data': (rng, s, l) => {
    const withData = l?.entries.filter((e) => e.size > 0) ?? [];
    if (!withData.length) return;
    const e = rng.pick(withData);
    return { op: 'trunc-data', bytes: s.slice(0, e.dataOffset + rng.int(e.size)) };
  },
  'trunc-block': (rng, s) => ({ op: 'trunc-block', bytes: s.slice(0, 512 * rng.int(Math.floor(s.length / 512))) }),
  bitflip: (rng, s) => {
    const out = clone(s);
    const n = rng.range(1, 8);
    for (let i = 0; i < n; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return { op: 'bitflip', bytes: out };
  },
  'header-bitflip': (rng, s, l) => {
    if (!l) return;
    const out = clone(s);
    const h = pickHeader(rng, l);
    const n = rng.range(1, 4);
    for (let i = 0; i < n; i++) out[h + rng.int(512)] ^= 1 << rng.int(8);
    const fix = rng.next() < 0.5;
    if (fix) fixChecksum(out, h);
    return { op: fix ? 'header-bitflip+sum' : 'header-bitflip', bytes: out };
  },
  field: (rng, s, l) => {
    if (!l) return;
    const out = clone(s);
    const h = pickHeader(rng, l);
    const field = rng.pick(['size', 'size', 'size', 'chksum', 'typeflag', 'mode', 'uid', 'gid', 'mtime', 'name', 'linkname', 'magic', 'devmajor', 'prefix'] as FieldName[]);
    let v: string | Uint8Array;
    if (field === 'typeflag') v = rng.pick(TYPEFLAGS);
    else if (field === 'name' || field === 'linkname' || field === 'prefix') v = rng.pick(NAMES);
    else if (field === 'magic') v = rng.pick(['xxxxx\0', '', 'ustar ', 'USTAR\0']);
    else if (field === 'chksum') v = rng.pick(['0000000\0', 'zzzzzz\0', '', fill(8, 0xff), '7777777\0']);
    else v = rng.pick(NUMERIC_ABSURD);
    const fix = field !== 'chksum' && rng.next() < 0.8; // mostly keep the checksum valid so the value gets through
    setField(out, h, field, v, fix);
    return { op: `field:${field}${fix ? '' : ':badsum'}`, bytes: out };
  },
  'pax-corrupt': (rng, s, l) => {
    const withPax = l?.entries.filter((e) => e.paxData) ?? [];
    const regions = withPax.map((e) => e.paxData!);
    if (l?.globalPax) regions.push(l.globalPax);
    if (!regions.length) return;
    const [o, n] = rng.pick(regions);
    const out = clone(s);
    const rec = enc.encode(rng.pick(BAD_PAX));
    // keep the header's size field honest: the corrupt records replace the data in place
    const at = o + (rng.next() < 0.5 ? 0 : rng.int(n));
    out.set(rec.subarray(0, Math.max(0, Math.min(rec.length, o + n - at))), at);
    return { op: 'pax-corrupt', bytes: out };
  },
  'dup-block': (rng, s) => {
    const blocks = Math.floor(s.length / 512);
    if (blocks < 1) return;
    const i = rng.int(blocks) * 512;
    return { op: 'dup-block', bytes: cat(s.subarray(0, i + 512), s.subarray(i, i + 512), s.subarray(i + 512)) };
  },
  'drop-block': (rng, s) => {
    const blocks = Math.floor(s.length / 512);
    if (blocks < 1) return;
    const i = rng.int(blocks) * 512;
    return { op: 'drop-block', bytes: cat(s.subarray(0, i), s.subarray(i + 512)) };
  },
  'swap-block': (rng, s) => {
    const blocks = Math.floor(s.length / 512);
    if (blocks < 2) return;
    const out = clone(s);
    const i = rng.int(blocks) * 512;
    const j = rng.int(blocks) * 512;
    out.set(s.subarray(j, j + 512), i);
    out.set(s.subarray(i, i + 512), j);
    return { op: 'swap-block', bytes: out };
  },
  'insert-block': (rng, s, l) => {
    const i = l && rng.next() < 0.7 ? pickHeader(rng, l) : rng.int(Math.floor(s.length / 512) + 1) * 512;
    const kind = rng.int(3);
    const blk = kind === 0 ? new Uint8Array(1024) : kind === 1 ? rng.bytes(512) : fill(512, 0xff);
    return { op: ['insert-zeros', 'insert-garbage', 'insert-ff'][kind], bytes: cat(s.subarray(0, i), blk, s.subarray(i)) };
  },
  'append-junk': (rng, s) => ({ op: 'append-junk', bytes: cat(s, rng.bytes(rng.range(1, 2000))) }),
};

/** Ops that only make sense with a tar layout, weighted toward header fields. */
export const TAR_OPS = ['trunc', 'trunc-header', 'trunc-pax', 'trunc-data', 'trunc-block', 'bitflip', 'header-bitflip', 'field', 'field', 'field', 'field', 'pax-corrupt', 'dup-block', 'drop-block', 'swap-block', 'insert-block', 'append-junk'];
/** Ops for opaque bytes (gzip streams). */
export const BLOB_OPS = ['trunc', 'trunc', 'bitflip', 'bitflip', 'dup-block', 'drop-block', 'append-junk'];

/** Applies one op from `ops`, retrying until one applies. */
export function mutate(rng: Rng, src: Uint8Array, layout: TarLayout | undefined, ops: string[]): Mutation {
  for (;;) {
    const m = byteOps[rng.pick(ops)](rng, src, layout);
    if (m) return m;
  }
}

export { F };
