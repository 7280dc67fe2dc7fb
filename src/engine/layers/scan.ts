// One streaming pass over a layer's tar, keeping only per-entry metadata (never content), so memory grows with
// the NUMBER of entries, not with the layer's size. diagnose and fix read their facts from here.

import { readTar } from '../tar/reader';
import type { TarEntryType } from '../tar/types';
import { throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import { cleanPath, type PathProblem } from './paths';

export interface ScanEntry {
  /** Position of the entry in the tar (0-based); fix uses it to name the entries it drops. */
  ordinal: number;
  /** Cleaned relative path (paths.ts); the key the OCI rules compare. */
  path: string;
  /** Set when the stored path was absolute or climbs out of the root. */
  pathProblem?: PathProblem;
  type: TarEntryType;
  /** Symlink target or hardlink target as stored ('' for other types). */
  linkpath: string;
  /** Content bytes (regular files). */
  size: number;
}

export interface LayerFacts {
  entries: ScanEntry[];
  /** Cleaned path -> ordinal of its LAST entry (the one extraction leaves in place). */
  byPath: Map<string, number>;
  /** Cleaned paths stored more than once -> every ordinal, in order. */
  duplicates: Map<string, number[]>;
  /** Bytes of the uncompressed tar that were read (up to and including the end-of-archive blocks seen). */
  contentBytes: number;
}

export interface ScanOptions extends OpOptions {
  /** Reported to onProgress as the total (bytes of the source stream are counted by the caller). */
  label?: string;
}

/**
 * Reads every header of an uncompressed tar stream once; file contents are skipped, not buffered.
 * Throws the tar reader's LwErrors (truncated/corrupt) unchanged.
 */
export async function scanLayerTar(tar: ReadableStream<Uint8Array>, opts: ScanOptions = {}): Promise<LayerFacts> {
  const entries: ScanEntry[] = [];
  const byPath = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  let contentBytes = 0;
  for await (const item of readTar(tar, { signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const e = item.entry;
    const c = cleanPath(e.path);
    const ordinal = entries.length;
    const se: ScanEntry = { ordinal, path: c.path, type: e.type, linkpath: e.linkpath, size: e.size };
    if (c.problem) se.pathProblem = c.problem;
    entries.push(se);
    const prev = byPath.get(c.path);
    if (prev !== undefined) {
      const list = duplicates.get(c.path);
      if (list) list.push(ordinal);
      else duplicates.set(c.path, [prev, ordinal]);
    }
    byPath.set(c.path, ordinal);
    contentBytes = e.dataOffset + e.size;
  }
  return { entries, byPath, duplicates, contentBytes };
}

/** The entry left at `path` after extraction of this layer alone (last wins), if any. */
export function entryAt(facts: LayerFacts, path: string): ScanEntry | undefined {
  const i = facts.byPath.get(path);
  return i === undefined ? undefined : facts.entries[i];
}
