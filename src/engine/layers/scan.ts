// One streaming pass over a layer's tar, keeping only per-entry metadata (never content), so memory grows with
// the NUMBER of entries, not with the layer's size. diagnose and fix read their facts from here.

import { readTar } from '../tar/reader';
import type { TarEntryType } from '../tar/types';
import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import { Sha256 } from '../digest/index';
import { decompressStream, sniffBlob, type Compression } from '../compress/index';
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
  /** When given, entries are collected into sink.entries (so they survive an error mid-layer). */
  sink?: { entries: ScanEntry[] };
}

/**
 * Reads every header of an uncompressed tar stream once; file contents are skipped, not buffered.
 * Throws the tar reader's LwErrors (truncated/corrupt) unchanged.
 */
export async function scanLayerTar(tar: ReadableStream<Uint8Array>, opts: ScanOptions = {}): Promise<LayerFacts> {
  const entries: ScanEntry[] = opts.sink?.entries ?? [];
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
 * Reads a stored layer exactly once and learns everything diagnose needs from that one read: the stored
 * digest and size (hashed on the way into the decompressor), the diff_id (hashed on the way out) and every
 * entry's metadata. gzip goes through the native DecompressionStream when there is one; if it refuses the data
 * for a reason other than truncation (Chromium rejects multi-member gzip), the read is redone with our own decoder.
 * `onBytes` gets the stored bytes read, for progress.
 */
export async function readLayer(blob: Blob, opts: ScanOptions & { onBytes?: (n: number) => void } = {}): Promise<LayerRead> {
  const compression = await sniffBlob(blob);
  const useNative = compression === 'gzip' && typeof DecompressionStream !== 'undefined';
  let r = await pass(blob, compression, useNative, opts);
  if (useNative && r.error && r.error.code !== 'truncated' && r.error.code !== 'cancelled') {
    opts.onBytes?.(-r.size);
    r = await pass(blob, compression, false, opts);
  }
  return r;
}

async function pass(
  blob: Blob,
  compression: Compression,
  native: boolean,
  opts: ScanOptions & { onBytes?: (n: number) => void },
): Promise<LayerRead> {
  const { signal } = opts;
  const stored = new Sha256();
  let size = 0;
  const reader = blob.stream().getReader();
  const readStored = async (): Promise<Uint8Array | undefined> => {
    throwIfAborted(signal);
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (e) {
      throw new LwError('truncated', `The layer could not be read (changed or removed on disk?): ${(e as Error).message}`);
    }
    if (r.done) return undefined;
    stored.update(r.value);
    size += r.value.length;
    opts.onBytes?.(r.value.length);
    return r.value;
  };
  // The decompressor's cancel must not reach `reader`: it is drained at the end so the digest covers every byte.
  const src = new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        const c = await readStored();
        if (c) ctrl.enqueue(c);
        else ctrl.close();
      },
    },
    { highWaterMark: 0 },
  );

  let error: LwError | undefined;
  if (compression === 'bzip2' || compression === 'xz')
    error = new LwError('unsupported-media-type', `The layer is ${compression}-compressed; engines and layerwright read only gzip, zstd and plain tar layers.`);
  const out = error
    ? undefined
    : native
      ? src.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
      : decompressStream(src, compression, { signal });

  // The tar reader may stop at the end-of-archive blocks; the rest of the uncompressed stream still belongs
  // to the diff_id, so the reader gets a view whose cancel we ignore, and we drain the source afterwards.
  const unpacked = new Sha256();
  let tarSize = 0;
  const outReader = out?.getReader();
  const readOut = async (): Promise<Uint8Array | undefined> => {
    const r = await outReader!.read();
    if (r.done) return undefined;
    unpacked.update(r.value);
    tarSize += r.value.length;
    return r.value;
  };
  let facts: LayerFacts = { entries: [], byPath: new Map(), duplicates: new Map(), contentBytes: 0 };
  if (outReader) {
    const view = new ReadableStream<Uint8Array>(
      {
        async pull(ctrl) {
          const c = await readOut();
          if (c) ctrl.enqueue(c);
          else ctrl.close();
        },
      },
      { highWaterMark: 0 },
    );
    const partial = { entries: [] as ScanEntry[] };
    try {
      facts = await scanLayerTar(view, { signal, sink: partial });
      while (await readOut());
    } catch (e) {
      error = nativeError(e);
      if (error.code === 'cancelled') throw error;
      facts = rebuild(partial.entries);
      outReader.cancel().catch(() => {});
    }
  }
  throwIfAborted(signal);
  while (await readStored());
  if (!error && size !== blob.size) error = new LwError('truncated', `Read ${size} of ${blob.size} bytes of the layer.`);
  return {
    facts,
    digest: 'sha256:' + stored.hex(),
    size,
    diffId: error ? undefined : 'sha256:' + unpacked.hex(),
    tarSize,
    compression,
    error,
  };
}

function nativeError(e: unknown): LwError {
  if (e instanceof LwError) return e;
  const msg = String((e as Error)?.message ?? e);
  if (/unexpected end of file|truncated/i.test(msg)) return new LwError('truncated', `The compressed layer ends early (${msg}).`);
  return asLwError(e, 'corrupt');
}

/** Facts from the entries read before an error. */
function rebuild(entries: ScanEntry[]): LayerFacts {
  const byPath = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  for (const e of entries) {
    const prev = byPath.get(e.path);
    if (prev !== undefined) duplicates.set(e.path, [...(duplicates.get(e.path) ?? [prev]), e.ordinal]);
    byPath.set(e.path, e.ordinal);
  }
  return { entries, byPath, duplicates, contentBytes: 0 };
}
