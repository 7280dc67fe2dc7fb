// Low-level tar header pieces shared by the reader and the writer: field offsets, numeric fields (octal and
// GNU base-256), checksums, PAX records and a lossless byte<->string codec.

import { LwError } from '../errors';
import type { TarEntryType } from './types';

export const BLOCK = 512;
/** PAX 'x'/'g' and GNU 'L'/'K' data larger than this is treated as corrupt (GNU tar and Go use similar caps). */
export const MAX_META = 1024 * 1024;
/** Upper bound on all header blocks of one entry (several meta headers in a row). */
export const MAX_RAW = 4 * MAX_META;
/** Largest content size we accept: its padded end must still be an exact double. */
export const MAX_SIZE = Number.MAX_SAFE_INTEGER - 2 * BLOCK;

// Field [offset, length] of the POSIX ustar header (old GNU and v7 share the first 257 bytes).
export const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const;
export type FieldName = keyof typeof F;

export function field(b: Uint8Array, f: FieldName): Uint8Array {
  const [o, n] = F[f];
  return b.subarray(o, o + n);
}

export function roundUp(n: number): number {
  const r = n % BLOCK;
  return r === 0 ? n : n + (BLOCK - r);
}

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

// ---- strings ------------------------------------------------------------------------------------------------
// Names are bytes. We decode UTF-8 and map every byte that is not valid UTF-8 to a lone surrogate U+DC80..U+DCFF
// (Python's "surrogateescape"), and the encoder maps those back: a non-UTF-8 name or a binary xattr value read
// by the reader comes out of the writer with the same bytes.

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8Enc = new TextEncoder();

export function decodeBytes(b: Uint8Array): string {
  // Short ASCII strings (almost every header field) skip TextDecoder's per-call cost.
  if (b.length <= 256) {
    let s = '';
    let i = 0;
    for (; i < b.length && b[i] < 0x80; i++) s += String.fromCharCode(b[i]);
    if (i === b.length) return s;
  }
  try {
    return utf8Fatal.decode(b);
  } catch {
    return decodeEscaped(b);
  }
}

function decodeEscaped(b: Uint8Array): string {
  const out: number[] = [];
  let s = '';
  const flush = () => {
    s += String.fromCharCode(...out);
    out.length = 0;
  };
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c < 0x80) {
      out.push(c);
      i++;
    } else {
      if (c >= 0xc2 && c <= 0xdf) (need = 1), (cp = c & 0x1f), (min = 0x80);
      else if (c >= 0xe0 && c <= 0xef) (need = 2), (cp = c & 0x0f), (min = 0x800);
      else if (c >= 0xf0 && c <= 0xf4) (need = 3), (cp = c & 0x07), (min = 0x10000);
      let ok = need > 0 && i + need < b.length;
      if (ok) {
        for (let k = 1; k <= need; k++) {
          const d = b[i + k];
          if (d === undefined || (d & 0xc0) !== 0x80) {
            ok = false;
            break;
          }
          cp = (cp << 6) | (d & 0x3f);
        }
      }
      if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
      if (ok) {
        if (cp >= 0x10000) {
          const v = cp - 0x10000;
          out.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
        } else out.push(cp);
        i += need + 1;
      } else {
        out.push(0xdc00 + c);
        i++;
      }
    }
    if (out.length > 4096) flush();
  }
  flush();
  return s;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/;

export function encodeString(s: string): Uint8Array {
  if (!LONE_SURROGATE.test(s)) return utf8Enc.encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < s.length) {
      const l = s.charCodeAt(i + 1);
      if (l >= 0xdc00 && l <= 0xdfff) {
        const cp = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
        out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
        i++;
        continue;
      }
    }
    if (u >= 0xdc80 && u <= 0xdcff) out.push(u - 0xdc00); // an escaped raw byte
    else if (u >= 0xd800 && u <= 0xdfff) out.push(0xef, 0xbf, 0xbd); // other lone surrogate: U+FFFD like TextEncoder
    else if (u < 0x80) out.push(u);
    else if (u < 0x800) out.push(0xc0 | (u >> 6), 0x80 | (u & 0x3f));
    else out.push(0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f));
  }
  return new Uint8Array(out);
}

/** A NUL-terminated (or field-filling) string field. */
export function cstring(b: Uint8Array): Uint8Array {
  const z = b.indexOf(0);
  return z < 0 ? b : b.subarray(0, z);
}

export function isAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return false;
  return true;
}

// ---- numbers ------------------------------------------------------------------------------------------------

export function corrupt(msg: string, entry?: string): LwError {
  return new LwError('corrupt', msg, entry === undefined ? {} : { entry });
}

/**
 * A numeric field: octal ASCII (leading/trailing spaces and NULs ignored, empty = 0) or GNU base-256 (high bit
 * of the first byte set; 0xff first byte = negative two's complement). Throws `corrupt` on anything else or on
 * a value that is not an exact double.
 */
export function parseNumeric(b: Uint8Array, name: string): number {
  if (b.length > 0 && b[0] & 0x80) {
    const neg = b[0] === 0xff;
    let v = 0;
    for (let i = 0; i < b.length; i++) {
      let d = neg ? ~b[i] & 0xff : b[i];
      if (i === 0) d &= 0x7f;
      v = v * 256 + d;
      if (v > Number.MAX_SAFE_INTEGER) throw corrupt(`tar header: base-256 ${name} field out of range`);
    }
    return neg ? -(v + 1) : v;
  }
  let s = 0;
  let e = b.length;
  while (s < e && (b[s] === 0x20 || b[s] === 0)) s++;
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0)) e--;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 7) throw corrupt(`tar header: ${name} field is not an octal number`);
    v = v * 8 + d;
  }
  if (v > Number.MAX_SAFE_INTEGER) throw corrupt(`tar header: ${name} field out of range`);
  return v;
}

/** Writes `v` as zero-padded octal digits followed by a NUL; false when it doesn't fit. */
export function putOctal(b: Uint8Array, f: FieldName, v: number): boolean {
  const [o, n] = F[f];
  const digits = v.toString(8);
  if (!Number.isInteger(v) || v < 0 || digits.length > n - 1) return false;
  const padded = digits.padStart(n - 1, '0');
  for (let i = 0; i < n - 1; i++) b[o + i] = padded.charCodeAt(i);
  b[o + n - 1] = 0;
  return true;
}

export function putBytes(b: Uint8Array, f: FieldName, v: Uint8Array): void {
  const [o, n] = F[f];
  b.set(v.subarray(0, n), o);
}

/** Sum of the header with the checksum field as spaces: [unsigned, signed] (old Unix tars summed signed chars). */
export function checksums(b: Uint8Array): [number, number] {
  let u = 0;
  let s = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i];
    u += c;
    s += c >= 0x80 ? c - 256 : c;
  }
  return [u, s];
}

/** Fills the checksum field ("%06o\0 " like GNU tar) of a header whose other fields are set. */
export function putChecksum(b: Uint8Array): void {
  const [u] = checksums(b);
  const s = u.toString(8).padStart(6, '0');
  for (let i = 0; i < 6; i++) b[148 + i] = s.charCodeAt(i);
  b[154] = 0;
  b[155] = 0x20;
}

export function checksumOk(b: Uint8Array): boolean {
  let want: number;
  try {
    want = parseNumeric(field(b, 'chksum'), 'chksum');
  } catch {
    return false;
  }
  const [u, s] = checksums(b);
  return want === u || want === s;
}

// ---- typeflags ----------------------------------------------------------------------------------------------

export function typeOf(typeflag: string, path: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      // Pre-POSIX archives mark directories only by a trailing slash (Go and Python treat them as dirs too).
      return path.endsWith('/') ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    case 'S': // old GNU sparse file: a regular file whose holes are not stored (see parse.ts)
      return 'file';
    default:
      return 'other';
  }
}

export const TYPEFLAG: Record<Exclude<TarEntryType, 'other'>, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

/** Types whose size field describes no data in the archive (GNU tar, Go's isHeaderOnlyType, Python). */
export function isHeaderOnly(t: TarEntryType): boolean {
  return t !== 'file' && t !== 'other';
}

// ---- PAX records: "%d %s=%s\n", the length counting the whole record in bytes -------------------------------

/** Parses PAX extended header data into [key, value] pairs in order. Trailing NUL padding is tolerated. */
export function parsePaxRecords(d: Uint8Array): [string, string][] {
  const out: [string, string][] = [];
  let p = 0;
  while (p < d.length) {
    if (d[p] === 0) {
      // Some writers NUL-pad the data; anything after a NUL must be NULs only.
      for (let i = p; i < d.length; i++) if (d[i] !== 0) throw corrupt('PAX header: garbage after records');
      break;
    }
    let len = 0;
    let q = p;
    while (q < d.length && d[q] >= 0x30 && d[q] <= 0x39 && q - p < 16) len = len * 10 + (d[q++] - 0x30);
    if (q === p || q >= d.length || d[q] !== 0x20) throw corrupt('PAX header: malformed record length');
    const end = p + len;
    if (len <= q - p + 1 || end > d.length || d[end - 1] !== 0x0a) throw corrupt('PAX header: malformed record length');
    const eq = d.indexOf(0x3d, q + 1);
    if (eq < 0 || eq >= end - 1) throw corrupt('PAX header: record without "="');
    out.push([decodeBytes(d.subarray(q + 1, eq)), decodeBytes(d.subarray(eq + 1, end - 1))]);
    p = end;
  }
  return out;
}

export function formatPaxRecord(key: string, value: string): Uint8Array {
  const k = encodeString(key);
  const v = encodeString(value);
  const body = k.length + v.length + 3; // ' ' '=' '\n'
  let len = body + String(body).length;
  if (String(len).length + body !== len) len = body + String(len).length;
  const out = new Uint8Array(len);
  const head = `${len} `;
  let o = 0;
  for (; o < head.length; o++) out[o] = head.charCodeAt(o);
  out.set(k, o);
  o += k.length;
  out[o++] = 0x3d;
  out.set(v, o);
  o += v.length;
  out[o] = 0x0a;
  return out;
}

const DECIMAL = /^[0-9]{1,16}$/;
const SECONDS = /^-?[0-9]{1,16}(\.[0-9]{0,30})?$/;

/** A PAX integer (size, uid, gid): plain decimal, exact as a double. */
export function paxInt(v: string, key: string, entry: string): number {
  const n = DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw corrupt(`PAX header: bad ${key} "${v.slice(0, 40)}"`, entry);
  return n;
}

export function paxTime(v: string, key: string, entry: string): number {
  const n = SECONDS.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw corrupt(`PAX header: bad ${key} "${v.slice(0, 40)}"`, entry);
  return n;
}
