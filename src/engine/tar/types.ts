// Public tar types (the module contract in BRIEF.md). Kept in their own file so the reader and the writer can
// share them without importing each other.

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarEntry {
  /** As stored, with PAX `path` / GNU 'L' long names applied (not normalized). */
  path: string;
  type: TarEntryType;
  /** Raw typeflag char ('0', '\0', '5', 'S', ...). */
  typeflag: string;
  /** PAX `linkpath` / GNU 'K' applied. */
  linkpath: string;
  /**
   * Bytes of content that follow the header in the archive. 0 for header-only types (hardlink, symlink, char,
   * block, dir, fifo) whatever their size field says — as GNU tar, Go and Python do.
   */
  size: number;
  /** The mode field as stored (permission bits; some old writers add file-type bits). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch; PAX may make it fractional or negative. */
  mtime: number;
  devmajor: number;
  devminor: number;
  /**
   * PAX records in effect: global 'g' records merged with this entry's 'x' records, incl. SCHILY.xattr.*.
   * When the global records are many (over 64), they are shared through this object's prototype instead of
   * copied: read them by key (`pax[k]`, `k in pax`); Object.keys/entries list only this entry's own records,
   * and an own '' then means the entry removed that global keyword.
   */
  pax: Record<string, string>;
  /**
   * Set when the path or link name is one no engine can extract: PATH_MAX (4096 bytes) or more, or a component
   * over NAME_MAX (255 bytes). The value is the name's length in bytes. A name of PATH_MAX or more is kept cut:
   * its first 256 characters, then `…[N bytes, cut; #hash]`.
   */
  tooLong?: { path?: number; linkpath?: number };
  /**
   * ALL header blocks of this entry: any global 'g' header(s) that precede it, GNU 'L'/'K' and PAX 'x' headers
   * with their data blocks, then the ustar header. Writing raw, the content and padding(size) reproduces the
   * entry byte for byte.
   */
  raw: Uint8Array;
  /** Archive offset of raw[0]. */
  offset: number;
  /** Archive offset of the content. */
  dataOffset: number;
  /**
   * Set for GNU sparse files (old GNU type 'S', or PAX `GNU.sparse.*` formats 0.0, 0.1 and 1.0): type is then
   * 'file' and `size` is still what the archive stores (the data, plus the sparse map for 1.0), while realSize is
   * the file's length on disk, holes included. The stored bytes are not the file's content.
   */
  sparse?: { realSize: number; format: 'gnu' | 'pax-0.0' | 'pax-0.1' | 'pax-1.0' };
}

export interface TarHeaderInput {
  path: string;
  type: TarEntryType;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}
