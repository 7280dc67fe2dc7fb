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
  /** PAX records in effect: global 'g' records merged with this entry's 'x' records, incl. SCHILY.xattr.*. */
  pax: Record<string, string>;
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
