// The first bytes of one entry of a layer (a script's `#!` line, an ELF file's headers): the layer is
// streamed up to that entry and no further, and at most `max` bytes of content are kept.

import { readTar } from '../tar/reader';
import { throwIfAborted } from '../errors';
import { cleanPath } from './paths';

/**
 * Bytes [0, max) of the entry at `ordinal` (a regular file). For a hardlink entry, the last regular file of its
 * target path stored before it in the same layer is read instead; `hardlinkTarget` (the cleaned target as stored)
 * saves a second pass when known.
 * Undefined when the entry is not there or is not a file.
 */
export async function readEntryHead(
  /** The layer's uncompressed tar, opened afresh on each call (layer.uncompressed()). */
  open: () => ReadableStream<Uint8Array>,
  ordinal: number,
  max: number,
  opts: { hardlinkTarget?: string; signal?: AbortSignal } = {},
): Promise<Uint8Array | undefined> {
  let ord = 0;
  let lastTarget: Uint8Array | undefined;
  for await (const item of readTar(open(), { signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const o = ord++;
    const e = item.entry;
    if (o === ordinal) {
      if (e.type === 'hardlink') {
        const target = cleanPath(e.linkpath).path;
        if (lastTarget !== undefined && target === opts.hardlinkTarget) return lastTarget;
        // No (or a wrong) hint: the entry names its target; read the layer once more for it.
        return opts.hardlinkTarget === target ? undefined : readEntryHead(open, ordinal, max, { ...opts, hardlinkTarget: target });
      }
      return e.type === 'file' ? await take(item.data(), Math.min(max, e.size)) : undefined;
    }
    if (opts.hardlinkTarget !== undefined && e.type === 'file' && cleanPath(e.path).path === opts.hardlinkTarget)
      lastTarget = await take(item.data(), Math.min(max, e.size));
  }
  return undefined;
}

async function take(data: AsyncIterable<Uint8Array>, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  if (n === 0) return out;
  for await (const chunk of data) {
    const k = Math.min(chunk.length, n - got);
    out.set(chunk.subarray(0, k), got);
    got += k;
    if (got >= n) break;
  }
  return out.subarray(0, got);
}
