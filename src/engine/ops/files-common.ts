// ops/files' shared part: the row types both listings return, and how an op picks a layer and names it in errors.

import { LwError, asLwError } from '../errors';
import type { TarEntryType } from '../tar/types';
import type { PathProblem } from '../layers/paths';
import { storedBlob, type ImageArchive, type Layer } from '../oci/archive';

/** What a listing says of any path, whether from one layer's tar or the merged filesystem. */
export interface EntryStat {
  /** Cleaned relative path ('usr/bin/env'; '' is the root directory entry './'). */
  path: string;
  type: TarEntryType;
  /** Content bytes (regular files; 0 otherwise). */
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target as stored; for hardlinks the cleaned path of the file it links to; '' otherwise. */
  linkpath: string;
}

/** One entry of a layer's tar, as listed. */
export interface FileEntry extends EntryStat {
  /** Set on whiteout entries: 'file' deletes `target` of lower layers, 'opaque' hides every lower child of `target`. */
  whiteout?: 'file' | 'opaque';
  /** What a whiteout acts on (a path, or for 'opaque' the directory; '' = the root). */
  target?: string;
  /** Set when the stored path was absolute or climbed out of the root with '..'. */
  pathProblem?: PathProblem;
}

/** One path of the merged filesystem. */
export interface MergedEntry extends EntryStat {
  /** The layer the path comes from (0 = bottom). */
  layer: number;
  /** Position of the entry in that layer's tar (for extractFile); absent for implied directories. */
  ordinal?: number;
  /** A parent directory no layer stores as an entry (extraction creates it). */
  implied?: boolean;
}

export function imageLayer(archive: ImageArchive, imageIndex: number, layerIndex: number): Layer & { blob: Blob } {
  const img = archive.images[imageIndex];
  if (!img) throw new LwError('invalid-argument', `There is no image ${imageIndex} in this archive (it has ${archive.images.length}).`);
  const layer = img.layers[layerIndex];
  if (!layer)
    throw new LwError('invalid-argument', `Image ${imageIndex} has no layer ${layerIndex} (it has ${img.layers.length}).`, { layer: layerIndex });
  return { ...layer, blob: storedBlob(layer) };
}

/** An error of a layer read, with the layer it happened in. */
export function located(e: unknown, layer: Layer): LwError {
  const err = asLwError(e);
  if (err.where.layer === undefined && err.code !== 'cancelled')
    return new LwError(err.code, err.message, { ...err.where, layer: layer.index, blob: err.where.blob ?? layer.descriptor.digest });
  return err;
}
