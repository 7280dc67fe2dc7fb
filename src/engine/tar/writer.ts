// Tar writing: deterministic ustar headers, preceded by a PAX 'x' header when ustar cannot say something
// (long or non-ASCII names, big sizes/ids, fractional mtimes, caller-supplied records). Same input, same bytes.

import { LwError } from '../errors';
import { sliceStream } from '../io';
import { joinBlobParts } from '../parts-blob';
import {
  BLOCK,
  F,
  MAX_SIZE,
  TYPEFLAG,
  encodeString,
  formatPaxRecord,
  isAscii,
  isHeaderOnly,
  putBytes,
  putChecksum,
  putOctal,
  roundUp,
} from './header';
import type { TarEntry, TarHeaderInput } from './types';

export type { TarHeaderInput } from './types';

const OCTAL_7 = 0o7777777; // largest value of an 8-byte octal field
const OCTAL_11 = 8 ** 11 - 1; // largest value of a 12-byte octal field (size, mtime)
/** PAX keywords the writer derives from header fields; caller-supplied values for them are ignored. */
const DERIVED = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime']);

function bad(msg: string, path: string): LwError {
  return new LwError('invalid-argument', msg, { entry: path });
}

function checkInt(v: number, name: string, path: string, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw bad(`tar: ${name} ${v} is not a valid value`, path);
}

/** Cuts UTF-8 bytes to at most n without splitting a character. */
function cut(b: Uint8Array, n: number): Uint8Array {
  if (b.length <= n) return b;
  let e = n;
  while (e > 0 && (b[e] & 0xc0) === 0x80) e--;
  return b.subarray(0, e);
}

/** Splits a path into ustar prefix (≤155) and name (≤100) at a '/', or null when it can't be. */
function splitUstar(p: Uint8Array): [Uint8Array, Uint8Array] | null {
  if (p.length <= 100) return [new Uint8Array(0), p];
  for (let i = Math.max(0, p.length - 101); i < p.length && i <= 155; i++) {
    if (p[i] === 0x2f && i > 0 && p.length - i - 1 <= 100 && p.length - i - 1 > 0) return [p.subarray(0, i), p.subarray(i + 1)];
  }
  return null;
}

/** "%.9f" without trailing zeros, never in exponent form. */
function formatSeconds(t: number): string {
  const s = String(t);
  if (!/e/i.test(s)) return s;
  return t.toFixed(9).replace(/\.?0+$/, '');
}

function header(typeflag: string): Uint8Array {
  const b = new Uint8Array(BLOCK);
  b[F.typeflag[0]] = typeflag.charCodeAt(0);
  putBytes(b, 'magic', encodeString('ustar\0'));
  putBytes(b, 'version', encodeString('00'));
  return b;
}

/**
 * Encodes a header: the ustar block, preceded by a PAX 'x' header (named "PaxHeaders/<basename>", mtime 0,
 * records sorted by keyword) when needed. Directory paths get a trailing '/' (as GNU tar and Go write them).
 * Throws `invalid-argument` for values no tar header can hold (negative sizes, type 'other', ...).
 */
export function encodeHeader(h: TarHeaderInput): Uint8Array {
  const t = h.type;
  if (t === 'other' || !(t in TYPEFLAG)) throw bad(`tar: cannot write an entry of type ${String(t)}`, h.path);
  let path = h.path;
  if (typeof path !== 'string' || path === '') throw bad('tar: entry path is empty', String(path));
  if (path.includes('\0') || (h.linkpath ?? '').includes('\0')) throw bad('tar: a path cannot contain NUL', path);
  if (t === 'dir' && !path.endsWith('/')) path += '/';
  const size = isHeaderOnly(t) ? 0 : (h.size ?? 0);
  checkInt(size, 'size', path, MAX_SIZE);
  const mode = h.mode ?? (t === 'dir' ? 0o755 : t === 'symlink' ? 0o777 : 0o644);
  checkInt(mode, 'mode', path, OCTAL_7);
  const uid = h.uid ?? 0;
  const gid = h.gid ?? 0;
  checkInt(uid, 'uid', path);
  checkInt(gid, 'gid', path);
  const mtime = h.mtime ?? 0;
  if (!Number.isFinite(mtime)) throw bad(`tar: mtime ${mtime} is not a number`, path);
  const devmajor = h.devmajor ?? 0;
  const devminor = h.devminor ?? 0;
  checkInt(devmajor, 'devmajor', path, OCTAL_7);
  checkInt(devminor, 'devminor', path, OCTAL_7);

  const rec = new Map<string, string>();
  for (const [k, v] of Object.entries(h.pax ?? {})) {
    if (DERIVED.has(k)) continue;
    if (k === '' || k.includes('=') || typeof v !== 'string') throw bad(`tar: bad PAX record "${k}"`, path);
    rec.set(k, v);
  }

  const b = header(TYPEFLAG[t]);
  const pathBytes = encodeString(path);
  const split = isAscii(pathBytes) ? splitUstar(pathBytes) : null;
  if (split) {
    putBytes(b, 'prefix', split[0]);
    putBytes(b, 'name', split[1]);
  } else {
    rec.set('path', path);
    putBytes(b, 'name', cut(pathBytes, 100));
  }
  const link = encodeString(h.linkpath ?? '');
  if (link.length > 100 || !isAscii(link)) rec.set('linkpath', h.linkpath ?? '');
  putBytes(b, 'linkname', cut(link, 100));

  putOctal(b, 'mode', mode);
  for (const [k, v] of [
    ['uid', uid],
    ['gid', gid],
  ] as const) {
    if (!putOctal(b, k, v)) {
      rec.set(k, String(v));
      putOctal(b, k, 0);
    }
  }
  if (!putOctal(b, 'size', size)) {
    rec.set('size', String(size));
    putOctal(b, 'size', 0);
  }
  if (!putOctal(b, 'mtime', mtime)) {
    rec.set('mtime', formatSeconds(mtime));
    putOctal(b, 'mtime', Math.min(OCTAL_11, Math.max(0, Math.floor(mtime))));
  }
  for (const k of ['uname', 'gname'] as const) {
    const s = h[k] ?? '';
    const e = encodeString(s);
    if (e.length > 32 || !isAscii(e)) rec.set(k, s);
    putBytes(b, k, cut(e, 32));
  }
  putOctal(b, 'devmajor', devmajor);
  putOctal(b, 'devminor', devminor);
  putChecksum(b);
  if (rec.size === 0) return b;

  // The PAX extended header that precedes it.
  const keys = [...rec.keys()].sort();
  const recs = keys.map((k) => formatPaxRecord(k, rec.get(k)!));
  const dataLen = recs.reduce((n, r) => n + r.length, 0);
  const out = new Uint8Array(BLOCK + roundUp(dataLen) + BLOCK);
  const x = header('x');
  const base = path.replace(/\/+$/, '').split('/').pop() || 'root';
  putBytes(x, 'name', cut(encodeString(`PaxHeaders/${base}`), 100));
  putOctal(x, 'mode', 0o644);
  putOctal(x, 'uid', 0);
  putOctal(x, 'gid', 0);
  putOctal(x, 'size', dataLen);
  putOctal(x, 'mtime', 0);
  putOctal(x, 'devmajor', 0);
  putOctal(x, 'devminor', 0);
  putChecksum(x);
  out.set(x, 0);
  let o = BLOCK;
  for (const r of recs) {
    out.set(r, o);
    o += r.length;
  }
  out.set(b, BLOCK + roundUp(dataLen));
  return out;
}

/** Zeros up to the next 512-byte boundary after `size` content bytes. */
export function padding(size: number): Uint8Array {
  return new Uint8Array(roundUp(size) - size);
}

/** Two zero blocks. */
export const END_OF_ARCHIVE: Uint8Array = new Uint8Array(2 * BLOCK);

type Body = Uint8Array | Blob | AsyncIterable<Uint8Array>;

function knownLength(d: Body | undefined): number | undefined {
  if (d === undefined) return 0;
  if (d instanceof Uint8Array) return d.length;
  if (typeof Blob !== 'undefined' && d instanceof Blob) return d.size;
  return undefined;
}

/** Streaming tar writer into a sink (a scratch file, a stream controller, a hasher...). */
export class TarWriter {
  private finished = false;
  private copied = false;
  constructor(private readonly sink: (chunk: Uint8Array) => Promise<void> | void) {}

  /** Writes a header and its content; the content length must equal the size (defaults to the data length). */
  async add(h: TarHeaderInput, data?: Body): Promise<void> {
    const len = knownLength(data);
    const size = isHeaderOnly(h.type) ? 0 : (h.size ?? len ?? 0);
    const hdr = encodeHeader(h.size === undefined && !isHeaderOnly(h.type) ? { ...h, size } : h);
    if (len !== undefined && len !== size)
      throw bad(`tar: ${h.path}: data is ${len} bytes, header says ${size}`, h.path);
    await this.write(hdr);
    await this.body(data, size, h.path);
  }

  /** Copies an entry read by readTar/scanTar verbatim: its raw header blocks, the content, the padding. */
  async addRaw(e: TarEntry, data?: Body): Promise<void> {
    const len = knownLength(data);
    if (len !== undefined && len !== e.size)
      throw bad(`tar: ${e.path}: data is ${len} bytes, header says ${e.size}`, e.path);
    await this.write(e.raw);
    await this.body(data, e.size, e.path);
  }

  /**
   * Copies a whole tar stream as it is, end blocks included, and finishes (finish() then adds nothing): for
   * re-compressing a layer, whose diff_id must not change by a byte.
   */
  async copyArchive(tar: ReadableStream<Uint8Array>): Promise<void> {
    const r = tar.getReader();
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      if (value.length) await this.write(value);
    }
    this.finished = true;
    this.copied = true;
  }

  async finish(): Promise<void> {
    if (this.copied) return;
    await this.write(END_OF_ARCHIVE);
    this.finished = true;
  }

  private async write(c: Uint8Array): Promise<void> {
    if (this.finished) throw new LwError('invalid-argument', 'tar: write after finish()');
    await this.sink(c);
  }

  private async body(data: Body | undefined, size: number, path: string): Promise<void> {
    if (data === undefined) {
      // size is 0 here (checked by the callers).
    } else if (data instanceof Uint8Array) {
      if (data.length) await this.write(data);
    } else if (typeof Blob !== 'undefined' && data instanceof Blob) {
      let n = 0;
      const r = sliceStream(data).getReader();
      for (;;) {
        const { done, value } = await r.read();
        if (done) break;
        n += value.length;
        if (n > size) throw new LwError('corrupt', `tar: ${path}: blob is longer than its size`, { entry: path });
        await this.write(value);
      }
      if (n !== size) throw new LwError('corrupt', `tar: ${path}: blob gave ${n} of ${size} bytes`, { entry: path });
    } else {
      let n = 0;
      for await (const c of data as AsyncIterable<Uint8Array>) {
        n += c.length;
        if (n > size)
          throw new LwError('corrupt', `tar: ${path}: data is longer than the declared ${size} bytes`, { entry: path });
        if (c.length) await this.write(c);
      }
      if (n !== size)
        throw new LwError('corrupt', `tar: ${path}: data is ${n} bytes, declared ${size}`, { entry: path });
    }
    const pad = roundUp(size) - size;
    if (pad) await this.write(padding(size));
  }
}

/** Composes a whole archive as a Blob without copying bodies (Blob parts reference them). */
export function tarBlob(files: { header: TarHeaderInput; body?: Blob | Uint8Array }[]): Blob {
  const parts: BlobPart[] = [];
  for (const { header: h, body } of files) {
    const len = knownLength(body) ?? 0;
    const size = isHeaderOnly(h.type) ? 0 : (h.size ?? len);
    if (len !== size) throw bad(`tar: ${h.path}: body is ${len} bytes, header says ${size}`, h.path);
    parts.push(encodeHeader(h.size === undefined ? { ...h, size } : h) as Uint8Array<ArrayBuffer>);
    if (body && len) parts.push(body as Blob | Uint8Array<ArrayBuffer>);
    if (roundUp(size) !== size) parts.push(padding(size) as Uint8Array<ArrayBuffer>);
  }
  parts.push(END_OF_ARCHIVE as Uint8Array<ArrayBuffer>);
  return joinBlobParts(parts as (Blob | Uint8Array<ArrayBuffer>)[]); // a 4 GiB+ layer in Node: not new Blob()
}
