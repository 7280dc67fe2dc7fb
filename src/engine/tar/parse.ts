// The one header parser, shared by the streaming reader (readTar) and the seeking indexer (scanTar) so both
// return identical TarEntry objects. It reads the header blocks of one entry — any 'g', 'x', 'L', 'K' meta
// headers with their data, then the real header — and leaves the source positioned at the entry's content.

import { LwError, throwIfAborted } from '../errors';
import {
  BLOCK,
  MAX_META,
  MAX_RAW,
  MAX_SIZE,
  checksumOk,
  corrupt,
  cstring,
  decodeBytes,
  field,
  isHeaderOnly,
  isZeroBlock,
  paxInt,
  paxTime,
  parseNumeric,
  parsePaxRecords,
  roundUp,
  typeOf,
} from './header';
import type { TarEntry } from './types';

export interface HeaderSource {
  /** Archive offset of the next byte read. */
  readonly pos: number;
  /** Exactly n bytes (a fresh copy the caller may keep), or null at EOF exactly at pos; `truncated` if partial. */
  read(n: number): Promise<Uint8Array | null>;
}

/** State carried across entries: the global PAX records in effect. */
export class ParseState {
  globals: Record<string, string> = {};
}

export function truncated(msg: string, entry?: string): LwError {
  return new LwError('truncated', msg, entry === undefined ? {} : { entry });
}

const MAGIC_USTAR = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0"  (POSIX; version "00")
const MAGIC_GNU = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00]; // "ustar  \0" (old GNU, no prefix field)

function startsWith(b: Uint8Array, at: number, m: number[]): boolean {
  for (let i = 0; i < m.length; i++) if (b[at + i] !== m[i]) return false;
  return true;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Reads the next entry's headers. Returns null at the end of the archive: the first zero block (GNU tar stops
 * there too, warning about a lone one) or EOF at a block boundary. Global 'g' headers update `st.globals` and
 * their blocks go into the raw of the entry that follows them; a 'g' right before the end is dropped.
 */
export async function parseNext(src: HeaderSource, st: ParseState, signal?: AbortSignal): Promise<TarEntry | null> {
  const parts: Uint8Array[] = [];
  let rawLen = 0;
  let start = -1;
  let pendingMeta = ''; // typeflag of the last x/L/K header that still needs its entry
  const local: [string, string][] = []; // this entry's 'x' records in order
  let longName: string | null = null;
  let longLink: string | null = null;

  for (;;) {
    throwIfAborted(signal);
    const off = src.pos;
    const blk = await src.read(BLOCK);
    if (!blk) {
      if (pendingMeta) throw truncated(`tar: archive ends after a '${pendingMeta}' extended header`);
      return null;
    }
    if (isZeroBlock(blk)) {
      if (pendingMeta) throw corrupt(`tar: end-of-archive right after a '${pendingMeta}' extended header`);
      return null;
    }
    if (!checksumOk(blk)) throw corrupt(`tar: header checksum mismatch at offset ${off}`);
    if (start < 0) start = off;
    let tf = String.fromCharCode(blk[156]);
    if (tf === 'X') tf = 'x'; // Solaris' pre-POSIX extended header, same format (Python reads it too)

    if (tf === 'x' || tf === 'g' || tf === 'L' || tf === 'K') {
      const size = parseNumeric(field(blk, 'size'), 'size');
      if (size < 0 || size >= MAX_META) throw corrupt(`tar: '${tf}' extended header of ${size} bytes at offset ${off}`);
      const padded = roundUp(size);
      rawLen += BLOCK + padded;
      if (rawLen > MAX_RAW) throw corrupt(`tar: too many extended headers at offset ${start}`);
      let data: Uint8Array = new Uint8Array(0);
      if (padded > 0) {
        const d = await src.read(padded);
        if (!d) throw truncated(`tar: archive ends in a '${tf}' extended header`);
        data = d;
      }
      parts.push(blk, data);
      const body = data.subarray(0, size);
      if (tf === 'g') {
        // POSIX: a record with an empty value deletes the keyword.
        for (const [k, v] of parsePaxRecords(body)) {
          if (v === '') delete st.globals[k];
          else st.globals[k] = v;
        }
      } else {
        pendingMeta = tf;
        if (tf === 'x') local.push(...parsePaxRecords(body));
        else if (tf === 'L') longName = decodeBytes(cstring(body));
        else longLink = decodeBytes(cstring(body));
      }
      continue;
    }

    parts.push(blk);
    rawLen += BLOCK;
    return buildEntry(blk, String.fromCharCode(blk[156]), st, local, longName, longLink, concat(parts, rawLen), start, src.pos);
  }
}

function buildEntry(
  blk: Uint8Array,
  typeflag: string,
  st: ParseState,
  local: [string, string][],
  longName: string | null,
  longLink: string | null,
  raw: Uint8Array,
  offset: number,
  dataOffset: number,
): TarEntry {
  const ustar = startsWith(blk, 257, MAGIC_USTAR);
  const gnu = !ustar && startsWith(blk, 257, MAGIC_GNU);

  let nameBytes = cstring(field(blk, 'name'));
  if (ustar) {
    // star writes a 131-byte prefix followed by atime/ctime and "tar\0" at 508.
    const star = blk[508] === 0x74 && blk[509] === 0x61 && blk[510] === 0x72 && blk[511] === 0;
    const prefix = cstring(blk.subarray(345, star ? 345 + 131 : 500));
    if (prefix.length > 0) {
      const joined = new Uint8Array(prefix.length + 1 + nameBytes.length);
      joined.set(prefix);
      joined[prefix.length] = 0x2f;
      joined.set(nameBytes, prefix.length + 1);
      nameBytes = joined;
    }
  }
  let path = longName ?? decodeBytes(nameBytes);
  let linkpath = longLink ?? decodeBytes(cstring(field(blk, 'linkname')));
  const where = path.slice(0, 200);
  const num = (f: 'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'devmajor' | 'devminor') => {
    try {
      return parseNumeric(field(blk, f), f);
    } catch (e) {
      if (e instanceof LwError) e.where.entry = where;
      throw e;
    }
  };
  const mode = num('mode');
  let uid = num('uid');
  let gid = num('gid');
  let size = num('size');
  let mtime = num('mtime');
  let uname = ustar || gnu ? decodeBytes(cstring(field(blk, 'uname'))) : '';
  let gname = ustar || gnu ? decodeBytes(cstring(field(blk, 'gname'))) : '';
  const dev = (ustar || gnu) && (typeflag === '3' || typeflag === '4');
  const devmajor = dev ? num('devmajor') : 0;
  const devminor = dev ? num('devminor') : 0;

  // Records in effect: globals, then this entry's 'x' records (an empty value removes the keyword).
  const pax: Record<string, string> = { ...st.globals };
  for (const [k, v] of local) {
    if (v === '') delete pax[k];
    else pax[k] = v;
  }
  // PAX overrides header fields and GNU long names (as GNU tar applies it).
  for (const k in pax) {
    const v = pax[k];
    switch (k) {
      case 'path':
        path = v;
        break;
      case 'linkpath':
        linkpath = v;
        break;
      case 'size':
        size = paxInt(v, k, where);
        break;
      case 'uid':
        uid = paxInt(v, k, where);
        break;
      case 'gid':
        gid = paxInt(v, k, where);
        break;
      case 'uname':
        uname = v;
        break;
      case 'gname':
        gname = v;
        break;
      case 'mtime':
        mtime = paxTime(v, k, where);
        break;
      case 'GNU.sparse.name':
        path = v;
        break;
    }
  }

  let type = typeOf(typeflag, path);
  // GNU sparse files (old 'S' or PAX GNU.sparse.*): the content is a sparse map plus data, not the file.
  if ('GNU.sparse.major' in pax || 'GNU.sparse.map' in pax || 'GNU.sparse.numblocks' in pax) type = 'other';
  if (size < 0 || size > MAX_SIZE) throw corrupt(`tar: entry size ${size} out of range`, where);
  if (isHeaderOnly(type)) size = 0;

  return {
    path,
    type,
    typeflag,
    linkpath,
    size,
    mode,
    uid,
    gid,
    uname,
    gname,
    mtime,
    devmajor,
    devminor,
    pax,
    raw,
    offset,
    dataOffset,
  };
}
