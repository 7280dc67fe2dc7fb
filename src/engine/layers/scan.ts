// One streaming pass over a layer's tar, keeping only per-entry metadata (never content), so memory grows with
// the NUMBER of entries, not with the layer's size. diagnose and fix read their facts from here.

import { readTar } from '../tar/reader';
import type { TarEntryType } from '../tar/types';
import { LwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { Compression } from '../compress/detect';
import { cleanPath, type PathProblem } from './paths';
import type { UnpackCache, UnpackOptions } from './unpack';
import { storedBlob, type Layer } from '../oci/layer';
import { judgeName, MAX_NAME_ISSUES, type NameIssue } from './names';

export interface ScanEntry {
  /** Position of the entry in the tar (0-based); fix uses it to name the entries it drops. */
  ordinal: number;
  /** Cleaned relative path (paths.ts); the key the OCI rules compare. */
  path: string;
  /** Set when the stored path was absolute or climbs out of the root. */
  pathProblem?: PathProblem;
  /** The path as stored, kept only for entries that climb out of the root (for messages). */
  stored?: string;
  type: TarEntryType;
  /** Symlink target or hardlink target as stored ('' for other types). */
  linkpath: string;
  /** Content bytes (regular files). */
  size: number;
  /** An old GNU sparse entry (tar type 'S'), which Docker and umoci cannot extract (see tar/types.ts sparse). */
  oldGnuSparse?: true;
}

export interface LayerFacts {
  entries: ScanEntry[];
  /** Cleaned path -> ordinal of its LAST entry (the one extraction leaves in place). */
  byPath: Map<string, number>;
  /** Cleaned paths stored more than once -> every ordinal, in order. */
  duplicates: Map<string, number[]>;
  /** Names the engines read differently (layers/names.ts), at most MAX_NAME_ISSUES. */
  names: NameIssue[];
  /** Bytes of the uncompressed tar that were read (up to and including the end-of-archive blocks seen). */
  contentBytes: number;
}

export interface ScanOptions extends OpOptions {
  /** When given, entries are collected into sink.entries (so they survive an error mid-layer). */
  sink?: { entries: ScanEntry[]; names?: NameIssue[] };
}

/**
 * Reads every header of an uncompressed tar stream once; file contents are skipped, not buffered. The stream is
 * the one a Layer hands out (readLayer's layer.unpack() consumer), never a blob decompressed here.
 * Throws the tar reader's LwErrors (truncated/corrupt) unchanged.
 */
export async function scanLayerTar(tar: ReadableStream<Uint8Array>, opts: ScanOptions = {}): Promise<LayerFacts> {
  const entries: ScanEntry[] = opts.sink?.entries ?? [];
  const byPath = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  const names: NameIssue[] = opts.sink?.names ?? [];
  let contentBytes = 0;
  for await (const item of readTar(tar, { signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const e = item.entry;
    const c = cleanPath(e.path);
    const ordinal = entries.length;
    if (names.length < MAX_NAME_ISSUES) names.push(...judgeName(ordinal, e.path, e.linkpath));
    const se: ScanEntry = { ordinal, path: c.path, type: e.type, linkpath: e.linkpath, size: e.size };
    if (c.problem) se.pathProblem = c.problem;
    if (e.tooLong) se.pathProblem = 'too-long';
    if (e.sparse?.format === 'gnu') se.oldGnuSparse = true;
    // The stored name, where the cleaned one would mislead a message (`../x` is kept as `x`).
    if (c.problem === 'escapes-root') se.stored = e.path;
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
  return { entries, byPath, duplicates, names, contentBytes };
}

/** The entry left at `path` after extraction of this layer alone (last wins), if any. */
export function entryAt(facts: LayerFacts, path: string): ScanEntry | undefined {
  const i = facts.byPath.get(path);
  return i === undefined ? undefined : facts.entries[i];
}

export interface LayerRead {
  /** What the tar holds (as far as it could be read when `error` is set). */
  facts: LayerFacts;
  /** sha256 and length of the stored (compressed) bytes: always complete, even after a decode error. */
  digest: string;
  size: number;
  /** sha256 and length of the uncompressed tar (the diff_id), when it decoded to the end. */
  diffId?: string;
  tarSize: number;
  compression: Compression;
  /** Why the layer could not be read to the end (truncated, corrupt, unsupported compression). */
  error?: LwError;
}

/**
 * Reads a stored layer exactly once (the model's layer.unpack(), layers/unpack.ts) and learns everything diagnose needs from that one read:
 * the stored digest and size (hashed on the way into the decompressor), the diff_id (hashed on the way out) and
 * every entry's metadata. `onBytes` gets the stored bytes read, for progress; `cache` lets a concurrent verify
 * reuse this read's digests.
 */
export async function readLayer(
  layer: Layer,
  opts: ScanOptions & { onBytes?: (n: number) => void; cache?: UnpackCache } & Pick<UnpackOptions<unknown>, 'algorithm' | 'diffIdAlgorithm'> = {},
): Promise<LayerRead> {
  const { signal } = opts;
  const partial = { entries: [] as ScanEntry[], names: [] as NameIssue[] };
  const blob = storedBlob(layer);
  const r = await layer.unpack({
    signal,
    onBytes: opts.onBytes,
    cache: opts.cache,
    algorithm: opts.algorithm,
    diffIdAlgorithm: opts.diffIdAlgorithm,
    consume: (tar) => scanLayerTar(tar, { signal, sink: partial }),
  });
  let error = r.error;
  if (!error && r.size !== blob.size) error = new LwError('truncated', `Read ${r.size} of ${blob.size} bytes of the layer.`);
  return {
    facts: r.result ?? rebuild(partial.entries, partial.names),
    digest: r.digest,
    size: r.size,
    diffId: error ? undefined : r.diffId,
    tarSize: r.tarSize,
    compression: r.compression,
    error,
  };
}

/** Facts from the entries read before an error. */
function rebuild(entries: ScanEntry[], names: NameIssue[]): LayerFacts {
  const byPath = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  for (const e of entries) {
    const prev = byPath.get(e.path);
    if (prev !== undefined) duplicates.set(e.path, [...(duplicates.get(e.path) ?? [prev]), e.ordinal]);
    byPath.set(e.path, e.ordinal);
  }
  return { entries, byPath, duplicates, names, contentBytes: 0 };
}
