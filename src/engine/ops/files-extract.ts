// ops/files, extraction: one regular file's bytes out of a layer, to save it (a hardlink gives its target's bytes).
// Streams the layer through the image model (layer.uncompressed() → readTar); small files land in memory, large
// ones in env.scratch.

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { readTar } from '../tar/reader';
import type { TarEntryType } from '../tar/types';
import { cleanPath } from '../layers/paths';
import type { ImageArchive, Layer } from '../oci/archive';
import { imageLayer, located } from './files-common';

/** Regular files under this size are extracted into memory; larger ones go to env.scratch. */
export const EXTRACT_IN_MEMORY = 8 * 1024 * 1024;

export interface ExtractOptions extends OpOptions {
  /**
   * The entry's position in the layer (from listLayer / mergedView): picks exactly that entry and stops reading
   * once it is out. Without it, the LAST entry with the path wins (what extraction leaves in place).
   */
  ordinal?: number;
  /**
   * Only the first `maxBytes` of the content (Preview): the copy stops there and, with `ordinal`, so does the
   * layer read. The Blob is then shorter than the file.
   */
  maxBytes?: number;
}

/**
 * One regular file's content (a hardlink gives the content of the file it links to). Streams the layer once
 * (twice for a hardlink stored before knowing its target is wanted); the bytes go to memory when the file is small
 * and to env.scratch otherwise, so a multi-GB file never sits in memory.
 */
export async function extractFile(
  archive: ImageArchive,
  imageIndex: number,
  layerIndex: number,
  path: string,
  env: { scratch: Scratch },
  opts: ExtractOptions = {},
): Promise<Blob> {
  throwIfAborted(opts.signal);
  const layer = imageLayer(archive, imageIndex, layerIndex);
  const want = cleanPath(path).path;
  try {
    let found = await copyEntry(layer, env, opts, (p, ord) => (opts.ordinal !== undefined ? ord === opts.ordinal && p === want : p === want), opts.ordinal !== undefined);
    if (!found)
      throw new LwError('invalid-argument', `Layer ${layerIndex} has no entry ${want}${opts.ordinal !== undefined ? ` at position ${opts.ordinal}` : ''}.`, {
        entry: want,
        layer: layerIndex,
      });
    // A hardlink names a file stored earlier in the same layer: the last regular file of that path before the link.
    if (found.type === 'hardlink') {
      const target = found.linkpath;
      const before = found.ordinal;
      let last = -1;
      for (const [p, o] of found.earlier) if (p === target && o < before) last = o;
      if (last < 0)
        throw new LwError('corrupt', `${want} is a hardlink to ${target}, which this layer does not store before it.`, { entry: want, layer: layerIndex });
      found = (await copyEntry(layer, env, opts, (_p, ord) => ord === last, true))!;
    }
    if (found.type !== 'file')
      throw new LwError('invalid-argument', `${want} is a ${found.type}, not a regular file: there is no content to save.`, { entry: want, layer: layerIndex });
    return found.blob!;
  } catch (e) {
    throw located(e, layer);
  }
}

interface Copied {
  type: TarEntryType;
  ordinal: number;
  linkpath: string;
  blob?: Blob;
  /** Regular-file paths seen before the match (path, ordinal), to resolve a hardlink. */
  earlier: [string, number][];
}

/** Streams the layer, copying the content of the last entry `match` accepts (or the first, when `stopAtFirst`). */
async function copyEntry(
  layer: Layer & { blob: Blob },
  env: { scratch: Scratch },
  opts: ExtractOptions,
  match: (path: string, ordinal: number) => boolean,
  stopAtFirst: boolean,
): Promise<Copied | undefined> {
  const { signal, onProgress } = opts;
  const total = layer.blob.size;
  let read = 0;
  const files: [string, number][] = [];
  let found: Copied | undefined;
  let ordinal = 0;
  for await (const item of readTar(layer.uncompressed({ signal, onBytes: (n) => onProgress?.((read += n), total, 'reading layer') }), { signal })) {
    const ord = ordinal++;
    const e = item.entry;
    const p = cleanPath(e.path).path;
    if (match(p, ord)) {
      found = { type: e.type, ordinal: ord, linkpath: e.type === 'hardlink' ? cleanPath(e.linkpath).path : e.linkpath, earlier: files };
      // A sparse file's stored bytes are its data regions, not its content: refuse rather than save a wrong file.
      if (e.type === 'file' && e.sparse)
        throw new LwError('unsupported-media-type', `${p} is a sparse file (GNU tar --sparse); layerwright lists it but cannot save its content.`, { entry: p });
      if (e.type === 'file') found.blob = await collect(item.data(), Math.min(e.size, opts.maxBytes ?? Infinity), env, signal);
      if (stopAtFirst) break;
    }
    if (e.type === 'file') files.push([p, ord]);
  }
  if (found) onProgress?.(total, total, 'reading layer');
  return found;
}

/** The first `size` bytes of an entry's content (all of it unless a preview asked for less). */
async function collect(data: AsyncIterable<Uint8Array>, size: number, env: { scratch: Scratch }, signal?: AbortSignal): Promise<Blob> {
  if (size < EXTRACT_IN_MEMORY) {
    const buf = new Uint8Array(size);
    let o = 0;
    for await (const c of data) {
      const n = Math.min(c.length, size - o);
      buf.set(n < c.length ? c.subarray(0, n) : c, o);
      o += n;
      if (o >= size) break;
    }
    return new Blob([buf]);
  }
  const file = await env.scratch.create('extracted');
  try {
    let o = 0;
    for await (const c of data) {
      throwIfAborted(signal);
      const n = Math.min(c.length, size - o);
      await file.write(n < c.length ? c.subarray(0, n) : c);
      o += n;
      if (o >= size) break;
    }
    return await file.close();
  } catch (e) {
    await file.abort().catch(() => {});
    throw e;
  }
}
