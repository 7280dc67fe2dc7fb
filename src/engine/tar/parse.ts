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
import { concatBytes } from '../bytes';

export interface HeaderSource {
  /** Archive offset of the next byte read. */
  readonly pos: number;
  /** Exactly n bytes (a fresh copy the caller may keep), or null at EOF exactly at pos; `truncated` if partial. */
  read(n: number): Promise<Uint8Array | null>;
}

/** Header fields a PAX record may override (the rest of the records are only carried in `pax`). */
const FIELD_KEYS = new Set([
  'path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime',
  'GNU.sparse.name', 'GNU.sparse.major', 'GNU.sparse.map', 'GNU.sparse.numblocks',
  // a sparse file's real length (sparseInfo)
  'GNU.sparse.minor', 'GNU.sparse.size', 'GNU.sparse.realsize',
]);
/** Up to this many global records are copied into each entry's `pax` (the usual case: a comment or two). */
const SMALL_GLOBALS = 64;
/** Each 'g' header is a layer over the previous records; past this many layers they are flattened once. */
const MAX_LAYERS = 16;

/**
 * State carried across entries: the global PAX records in effect. They are merged here once per 'g' header and
 * shared by every entry after it — never copied per entry, so a 'g' header of 60,000 records costs its records
 * once, not once per entry. A record with an empty value (a deletion, as POSIX says) is kept as '' in the layer.
 */
export class ParseState {
  private snap: Record<string, string> = Object.create(null) as Record<string, string>;
  private depth = 0;
  private keys = 0; // upper bound on the keys in effect
  private cached: { small: [string, string][] | null; fields: [string, string][]; shared: Record<string, string> } | null = null;

  applyGlobal(records: [string, string][]): void {
    if (records.length === 0) return;
    const layer = Object.create(this.snap) as Record<string, string>;
    for (const [k, v] of records) layer[k] = v;
    this.snap = layer;
    this.keys += records.length;
    this.cached = null;
    if (++this.depth > MAX_LAYERS) {
      const flat = Object.create(null) as Record<string, string>;
      let n = 0;
      for (const k in this.snap) {
        const v = this.snap[k];
        if (v !== '') (flat[k] = v), n++;
      }
      this.snap = flat;
      this.keys = n;
      this.depth = 0;
    }
  }

  /** What the next entry sees: the records themselves when few, and the ones that override header fields. */
  view(): { small: [string, string][] | null; fields: [string, string][]; shared: Record<string, string> } {
    if (!this.cached) {
      const fields: [string, string][] = [];
      let small: [string, string][] | null = null;
      if (this.keys <= SMALL_GLOBALS) {
        small = [];
        for (const k in this.snap) if (this.snap[k] !== '') small.push([k, this.snap[k]]);
        for (const kv of small) if (FIELD_KEYS.has(kv[0])) fields.push(kv);
      } else {
        for (const k of FIELD_KEYS) {
          const v = this.snap[k];
          if (v !== undefined && v !== '') fields.push([k, v]);
        }
      }
      this.cached = { small, fields, shared: this.snap };
    }
    return this.cached;
  }
}

/** Linux's PATH_MAX: no engine can create a path this long or longer (bytes, with the NUL). */
export const PATH_MAX = 4096;
/** Linux's NAME_MAX: the longest one path component may be. */
export const NAME_MAX = 255;
/** A name cut to its head keeps this many characters. */
const CUT_HEAD = 256;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xdc80 && c <= 0xdcff) n += 1; // an escaped raw byte
    else if (c >= 0xd800 && c <= 0xdbff) (n += 4), i++;
    else n += 3;
  }
  return n;
}

/** The byte length of a name no engine can extract (over PATH_MAX, or a component over NAME_MAX), else 0. */
export function nameTooLong(s: string): number {
  if (s.length <= NAME_MAX / 3) return 0; // fast path: every component fits even at 3 bytes a char
  const bytes = s.length >= PATH_MAX ? s.length * 3 : utf8Length(s); // cheap bound first; exact below
  if (bytes >= PATH_MAX) {
    const exact = s.length >= PATH_MAX ? utf8Length(s) : bytes;
    if (exact >= PATH_MAX) return exact;
  }
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === 0x2f) {
      if (i - start > NAME_MAX / 3 && utf8Length(s.slice(start, i)) > NAME_MAX) return utf8Length(s);
      start = i + 1;
    }
  }
  return 0;
}

/**
 * A name over PATH_MAX is kept as its head, its length and a hash (so two such names still differ), never
 * in full: a 1 MB GNU long name must not be copied into every listing, map and message.
 */
function cutName(s: string, bytes: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return `${s.slice(0, CUT_HEAD)}…[${bytes} bytes, cut; #${(h >>> 0).toString(16).padStart(8, '0')}]`;
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
        st.applyGlobal(parsePaxRecords(body));
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
    // Old GNU sparse ('S'): when its 4 in-header map slots are not enough, extension blocks of 21 more follow
    // the header (byte 482, then byte 504 of each extension, says another one follows). They are header, not
    // content: the size field counts only the stored data.
    if (tf === 'S' && startsWith(blk, 257, MAGIC_GNU)) {
      let more = blk[482] !== 0;
      while (more) {
        const ext = await src.read(BLOCK);
        if (!ext) throw truncated('tar: archive ends in a GNU sparse extension header');
        rawLen += BLOCK;
        if (rawLen > MAX_RAW) throw corrupt(`tar: too many GNU sparse extension headers at offset ${start}`);
        parts.push(ext);
        more = ext[504] !== 0;
      }
    }
    return buildEntry(blk, String.fromCharCode(blk[156]), st, local, longName, longLink, concatBytes(...parts), start, src.pos);
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

  // Records in effect: globals, then this entry's 'x' records (an empty value removes the keyword). Few globals
  // are copied into `pax`; many are shared through its prototype (ParseState), never copied per entry.
  const g = st.view();
  let pax: Record<string, string>;
  if (g.small) {
    pax = {};
    for (const [k, v] of g.small) pax[k] = v;
    for (const [k, v] of local) {
      if (v === '') delete pax[k];
      else pax[k] = v;
    }
  } else {
    pax = Object.create(g.shared) as Record<string, string>;
    for (const [k, v] of local) pax[k] = v; // '' shadows a global: removed
  }
  // The records that set header fields, in effect order (a later record of the same key replaces in place).
  const eff = new Map<string, string>(g.fields);
  for (const [k, v] of local) {
    if (!FIELD_KEYS.has(k)) continue;
    if (v === '') eff.delete(k);
    else eff.set(k, v);
  }
  // PAX overrides header fields and GNU long names (as GNU tar applies it).
  for (const [k, v] of eff) {
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
  // Names no engine can extract: flagged, and over PATH_MAX kept only as a cut form.
  let tooLong: TarEntry['tooLong'];
  const pl = nameTooLong(path);
  if (pl) {
    tooLong = { path: pl };
    if (pl >= PATH_MAX) path = cutName(path, pl);
  }
  const ll = nameTooLong(linkpath);
  if (ll) {
    (tooLong ??= {}).linkpath = ll;
    if (ll >= PATH_MAX) linkpath = cutName(linkpath, ll);
  }

  let type = typeOf(typeflag, path);
  // GNU sparse files: regular files whose stored bytes are the data regions (and, for PAX 1.0, a map before
  // them), not the file. Listed as files with their real length; see TarEntry.sparse.
  const sparse = sparseInfo(blk, typeflag, gnu, eff, where);
  if (sparse) type = 'file';
  // 'S' without GNU's header layout, or a sparse format GNU tar does not write: no real size to tell, the stored
  // bytes are not the file
  else if (typeflag === 'S' || eff.has('GNU.sparse.major') || eff.has('GNU.sparse.map') || eff.has('GNU.sparse.numblocks')) type = 'other';
  if (size < 0 || size > MAX_SIZE) throw corrupt(`tar: entry size ${size} out of range`, where);
  if (isHeaderOnly(type)) size = 0;

  const entry: TarEntry = {
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
    ...(sparse ? { sparse } : {}),
  };
  if (tooLong) entry.tooLong = tooLong;
  return entry;
}

/**
 * The real length of a GNU sparse file, from the formats GNU tar writes: old GNU 'S' (realsize at byte 483 of the
 * header), PAX 0.0 and 0.1 (`GNU.sparse.size`, with `GNU.sparse.numblocks` / `GNU.sparse.map`) and PAX 1.0
 * (`GNU.sparse.major`=1, `GNU.sparse.realsize`; the map is in the content). Undefined for other entries.
 */
function sparseInfo(blk: Uint8Array, typeflag: string, gnu: boolean, eff: Map<string, string>, where: string): TarEntry['sparse'] {
  if (typeflag === 'S' && gnu) {
    let realSize: number;
    try {
      realSize = parseNumeric(blk.subarray(483, 495), 'size');
    } catch (e) {
      if (e instanceof LwError) e.where.entry = where;
      throw e;
    }
    if (realSize < 0 || realSize > MAX_SIZE) throw corrupt(`tar: sparse file size ${realSize} out of range`, where);
    return { realSize, format: 'gnu' };
  }
  const major = eff.get('GNU.sparse.major');
  if (major !== undefined) {
    if (major !== '1') return undefined; // not a format GNU tar writes (it has 0.x and 1.0 only)
    return { realSize: paxInt(eff.get('GNU.sparse.realsize') ?? eff.get('GNU.sparse.size') ?? '', 'GNU.sparse.realsize', where), format: 'pax-1.0' };
  }
  if (eff.has('GNU.sparse.map')) return { realSize: paxInt(eff.get('GNU.sparse.size') ?? '', 'GNU.sparse.size', where), format: 'pax-0.1' };
  if (eff.has('GNU.sparse.numblocks')) return { realSize: paxInt(eff.get('GNU.sparse.size') ?? '', 'GNU.sparse.size', where), format: 'pax-0.0' };
  return undefined;
}
