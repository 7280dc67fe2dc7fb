// A small, independent tar encoder for the fuzz seeds. It is deliberately NOT the engine's writer: the fuzz
// corpus must not inherit the writer's bugs, and it records where every header, PAX record block and content
// starts so the mutators can aim at fields (size, checksum, typeflag, ...) instead of only at random bytes.

const enc = new TextEncoder();

export interface BEntry {
  path: string;
  /** Raw typeflag: '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo. */
  type?: string;
  data?: Uint8Array;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records written in an 'x' header before the entry. */
  pax?: Record<string, string>;
  /** Write the path as a GNU 'L' long name (and linkpath as 'K') instead of PAX. */
  gnu?: boolean;
  /** Encode uid/gid/mtime in base-256 (GNU extension) instead of octal. */
  base256?: boolean;
}

export interface EntryLayout {
  path: string;
  /** Offsets of every 512-byte header block that belongs to this entry (GNU L/K, PAX x, ustar), in order. */
  headers: number[];
  /** The ustar header (last of `headers`). */
  ustar: number;
  /** [offset, length] of PAX record data and GNU long name data, when present. */
  paxData?: [number, number];
  gnuData?: [number, number];
  dataOffset: number;
  size: number;
}

export interface TarLayout {
  entries: EntryLayout[];
  /** Offset of the two zero end-of-archive blocks. */
  end: number;
  globalPax?: [number, number];
}

// The ustar field table is the spec's; the fuzz builder shares the reader's copy of it.
import { F, type FieldName } from '../../../src/engine/tar/header';

export { F, type FieldName };

function putStr(h: Uint8Array, [off, len]: readonly [number, number], s: string | Uint8Array): void {
  const b = typeof s === 'string' ? enc.encode(s) : s;
  h.fill(0, off, off + len);
  h.set(b.subarray(0, len), off);
}

function putOctal(h: Uint8Array, f: readonly [number, number], v: number): void {
  putStr(h, f, v.toString(8).padStart(f[1] - 1, '0'));
}

function putBase256(h: Uint8Array, [off, len]: readonly [number, number], v: number): void {
  h.fill(0, off, off + len);
  let x = BigInt(v);
  for (let i = off + len - 1; i > off; i--) {
    h[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  h[off] = 0x80;
}

/** Recomputes the ustar checksum of the header block at `off` in place (after a mutation). */
export function fixChecksum(buf: Uint8Array, off: number): void {
  buf.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += buf[off + i];
  const s = sum.toString(8).padStart(6, '0');
  for (let i = 0; i < 6; i++) buf[off + 148 + i] = s.charCodeAt(i);
  buf[off + 154] = 0;
  buf[off + 155] = 0x20;
}

function header(fields: {
  name: string;
  type: string;
  size: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  gnuMagic?: boolean;
  base256?: boolean;
}): Uint8Array {
  const h = new Uint8Array(512);
  let name = fields.name;
  let prefix = '';
  // ustar split: prefix/name when the path is 101..255 bytes and splits at a slash.
  if (enc.encode(name).length > 100) {
    const i = name.lastIndexOf('/', 155);
    if (i > 0 && enc.encode(name.slice(i + 1)).length <= 100) {
      prefix = name.slice(0, i);
      name = name.slice(i + 1);
    }
  }
  putStr(h, F.name, name);
  putOctal(h, F.mode, fields.mode ?? (fields.type === '5' ? 0o755 : 0o644));
  const num = fields.base256 ? putBase256 : putOctal;
  num(h, F.uid, fields.uid ?? 0);
  num(h, F.gid, fields.gid ?? 0);
  putOctal(h, F.size, fields.size);
  num(h, F.mtime, fields.mtime ?? 1_700_000_000);
  putStr(h, F.typeflag, fields.type);
  putStr(h, F.linkname, fields.linkname ?? '');
  if (fields.gnuMagic) putStr(h, [257, 8], 'ustar  \0');
  else {
    putStr(h, F.magic, 'ustar\0');
    putStr(h, F.version, '00');
  }
  putStr(h, F.uname, fields.uname ?? '');
  putStr(h, F.gname, fields.gname ?? '');
  putOctal(h, F.devmajor, fields.devmajor ?? 0);
  putOctal(h, F.devminor, fields.devminor ?? 0);
  putStr(h, F.prefix, prefix);
  fixChecksum(h, 0);
  return h;
}

export function paxRecords(recs: Record<string, string>): Uint8Array {
  let out = '';
  for (const [k, v] of Object.entries(recs)) {
    const body = ` ${k}=${v}\n`;
    const bodyLen = enc.encode(body).length;
    let len = bodyLen + 1;
    while (String(len).length + bodyLen !== len) len++;
    out += `${len}${body}`;
  }
  return enc.encode(out);
}

function pad(n: number): number {
  return (512 - (n % 512)) % 512;
}

/** Builds a tar archive in memory and returns its bytes and where each part is. */
export function buildTar(entries: BEntry[], opts: { globalPax?: Record<string, string>; noEnd?: boolean } = {}): {
  bytes: Uint8Array;
  layout: TarLayout;
} {
  const parts: Uint8Array[] = [];
  let off = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    off += b.length;
  };
  const pushData = (b: Uint8Array) => {
    push(b);
    const p = pad(b.length);
    if (p) push(new Uint8Array(p));
  };
  const layout: TarLayout = { entries: [], end: 0 };
  if (opts.globalPax) {
    const d = paxRecords(opts.globalPax);
    push(header({ name: 'pax_global_header', type: 'g', size: d.length }));
    layout.globalPax = [off, d.length];
    pushData(d);
  }
  for (const e of entries) {
    const type = e.type ?? '0';
    const data = e.data ?? new Uint8Array(0);
    const size = type === '0' || type === '7' ? data.length : 0;
    const el: EntryLayout = { path: e.path, headers: [], ustar: 0, dataOffset: 0, size };
    const longPath = enc.encode(e.path).length > 100;
    const longLink = enc.encode(e.linkpath ?? '').length > 100;
    const pax: Record<string, string> = { ...(e.pax ?? {}) };
    if (e.gnu) {
      if (longLink) {
        const d = enc.encode((e.linkpath ?? '') + '\0');
        el.headers.push(off);
        push(header({ name: '././@LongLink', type: 'K', size: d.length, gnuMagic: true }));
        pushData(d);
      }
      if (longPath) {
        const d = enc.encode(e.path + '\0');
        el.headers.push(off);
        push(header({ name: '././@LongLink', type: 'L', size: d.length, gnuMagic: true }));
        el.gnuData = [off, d.length];
        pushData(d);
      }
    } else {
      if (longPath) pax.path = e.path;
      if (longLink) pax.linkpath = e.linkpath ?? '';
    }
    if (Object.keys(pax).length) {
      const d = paxRecords(pax);
      el.headers.push(off);
      push(header({ name: `PaxHeaders/${e.path.slice(0, 80)}`, type: 'x', size: d.length }));
      el.paxData = [off, d.length];
      pushData(d);
    }
    el.ustar = off;
    el.headers.push(off);
    push(
      header({
        name: e.path,
        type,
        size,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        mtime: e.mtime,
        linkname: longLink ? (e.linkpath ?? '').slice(0, 100) : e.linkpath,
        uname: e.uname,
        gname: e.gname,
        devmajor: e.devmajor,
        devminor: e.devminor,
        gnuMagic: e.gnu,
        base256: e.base256,
      }),
    );
    el.dataOffset = off;
    if (size) pushData(data);
    layout.entries.push(el);
  }
  layout.end = off;
  if (!opts.noEnd) push(new Uint8Array(1024));
  const bytes = new Uint8Array(off);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, layout };
}

/** Overwrites a ustar field of the header at `hdr` with raw bytes or a string, optionally fixing the checksum. */
export function setField(buf: Uint8Array, hdr: number, field: FieldName, value: string | Uint8Array, fixSum = true): void {
  const [off, len] = F[field];
  const b = typeof value === 'string' ? enc.encode(value) : value;
  buf.fill(0, hdr + off, hdr + off + len);
  buf.set(b.subarray(0, len), hdr + off);
  if (fixSum && field !== 'chksum') fixChecksum(buf, hdr);
}
