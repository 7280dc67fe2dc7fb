// Shared shapes of the build engine: a filesystem node (one entry of a rootfs or of the base's merged view),
// where its content comes from, and what a build reports back.

import type { TarEntry, TarEntryType } from '../tar/types';

/** Where a base node came from, so its content can be fetched later by a second, targeted pass. */
export interface BaseSource {
  /** Index of the base layer (0 = bottom). */
  layer: number;
  /** Position of the entry in that layer's tar: exact even when the layer stores a path twice. */
  ordinal: number;
}

export interface FsNode {
  /** Cleaned relative path ('' is the root). */
  path: string;
  type: TarEntryType;
  /** Symlink target as stored; for hardlinks the CLEANED path of the target (in the same layer/rootfs). */
  linkpath: string;
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  devmajor: number;
  devminor: number;
  /** PAX records kept verbatim (extended attributes: SCHILY.xattr.*). */
  xattrs?: Record<string, string>;
  /** Regular files (and hardlinks resolved to content): the bytes, once known. */
  content?: Blob;
  /** sha256 of content, computed on demand and cached. */
  hash?: string;
  /** Set for nodes of base layers (their content is not addressable until fetched). */
  base?: BaseSource;
}

export type ConflictReason =
  | 'both-differ' // old and new location hold different files: the new location (base) is kept
  | 'type-clash' // a directory meets a non-directory
  | 'bad-target'; // the symlink's target is not a usable directory (loop, a file, outside the root)

export interface CarryConflict {
  /** Base path in the old directory. */
  from: string;
  /** Where it would have gone. */
  to: string;
  reason: ConflictReason;
  message: string;
}

export interface BuildWarning {
  code:
    | 'dir-over-symlink' // the app has a directory where the base has a symlink: the base's link target is hidden
    | 'under-app-symlink' // the app tar stores an entry below one of its own symlinks: dropped
    | 'whiteout-in-rootfs' // a .wh. file in an app rootfs is a deletion marker in a layer
    | 'hardlink-target-missing'
    | 'empty-split-layer'
    | 'unsafe-path';
  path: string;
  message: string;
}

/** Normalized fields of a tar entry as a node (no content yet). */
export function nodeFromEntry(e: TarEntry, path: string, hardlinkTarget = ''): FsNode {
  const n: FsNode = {
    path,
    type: e.type,
    linkpath: e.type === 'hardlink' ? hardlinkTarget : e.linkpath,
    size: e.type !== 'file' ? 0 : (e.sparse?.realSize ?? e.size), // a GNU sparse file: its real length
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    devmajor: e.devmajor,
    devminor: e.devminor,
  };
  let x: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(e.pax)) {
    if (k.startsWith('SCHILY.xattr.')) (x ??= {})[k] = v;
  }
  if (x) n.xattrs = x;
  return n;
}
