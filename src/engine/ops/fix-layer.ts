// fix, layer rewriting: one streaming pass over a layer that drops entries (kept ones copied with their original
// header bytes) and may append carried-over files; re-compressed deterministically (layers/encode.ts). The layer
// is read through the image model (layer.uncompressed()), like every other op.
// A gzip layer is not deflated again as a whole: the kept entries are the source's bytes, so the deflate splicer
// (compress/splice.ts) copies the source's compressed blocks for them and deflates only the regions around the
// dropped entries and the appended ones. The tar written is the same either way; only the gzip bytes differ.

import { LwError, throwIfAborted } from '../errors';
import type { EncoderEnv, OpOptions, Scratch } from '../env';
import type { ImageArchive, Layer } from '../oci/archive';
import { MediaType, layerCompression } from '../oci/types';
import { readTar } from '../tar/reader';
import type { TarEntry } from '../tar/types';
import { LAYER_GZIP_LEVEL, encodeLayer } from '../layers/encode';
import { openSplice, type SpliceStats, type Splicer } from '../compress/splice';
import { roundUp } from '../tar/header';
import type { BlobReplacement } from '../mutate/types';
import { cleanPath } from '../layers/paths';
import { isWhiteout } from '../layers/whiteout';
import { scanBase, fetchBaseContent } from '../build/basescan';
import { ContentAccess, planLayer } from '../build/plan';
import { finalizeHardlinks, writeNodes } from '../build/write';
import { nodeFromEntry, type BuildWarning, type FsNode } from '../build/types';
import type { RepairTarget } from './fix-plan';
import { concatBytes } from '../bytes';

/** Output media type of a rewritten layer: same family and compression; zstd (no encoder) becomes gzip. */
export function rewrittenMediaType(mt: string): string {
  const c = layerCompression(mt);
  if (c === 'gzip' || c === 'none') return mt;
  if (mt === MediaType.OciLayerNondistZstd) return MediaType.OciLayerNondistGzip;
  return MediaType.OciLayerGzip;
}

/** The global PAX ('g') header blocks at the start of an entry's raw bytes: state later entries rely on. */
function globalPrefix(raw: Uint8Array): Uint8Array | undefined {
  let off = 0;
  while (off + 512 <= raw.length && raw[off + 156] === 0x67 /* 'g' */) {
    const field = new TextDecoder().decode(raw.subarray(off + 124, off + 136)).replace(/\0.*$/s, '').trim();
    const size = parseInt(field || '0', 8) || 0;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return off > 0 ? raw.subarray(0, Math.min(off, raw.length)) : undefined;
}


/**
 * The splicer for a rewrite of `source`, when its compressed blocks can be reused: a gzip layer written as gzip
 * at our default level (an explicit level asks for every byte at that level: the full re-encode).
 */
async function splicerFor(source: Layer, mediaType: string, env: EncoderEnv, signal?: AbortSignal): Promise<Splicer | undefined> {
  if (env.gzipLevel !== undefined || !source.blob) return undefined;
  if (layerCompression(source.descriptor.mediaType) !== 'gzip' || layerCompression(mediaType) !== 'gzip') return undefined;
  return openSplice(source.blob, { level: LAYER_GZIP_LEVEL, deflater: env.deflater, signal });
}

/**
 * Rewrites one layer without the entries at `drop` (ordinals). Kept entries are copied verbatim (original header
 * bytes, same content); global PAX headers carried by a dropped entry move to the next kept one. `splice` says
 * how much of the source's compressed data was reused, when it was spliced.
 */
export async function rewriteLayer(
  source: Layer,
  drop: Set<number>,
  env: { scratch: Scratch } & EncoderEnv,
  opts: OpOptions & { onBytes?: (n: number) => void; append?: FsNode[]; splice?: boolean } = {},
): Promise<{ layer: BlobReplacement & { diffId: string }; dropped: number; splice?: SpliceStats }> {
  const mediaType = rewrittenMediaType(source.descriptor.mediaType);
  const splicer = opts.splice === false ? undefined : await splicerFor(source, mediaType, env, opts.signal);
  try {
    const r = await rewrite(source, drop, env, opts, mediaType, splicer);
    return splicer ? { ...r, splice: splicer.stats() } : r;
  } catch (e) {
    // Splicing trusts that a kept entry's bytes are the source's; padding a writer filled with something other
    // than zeros breaks that, and the decode guard fails the layer: write it again the ordinary way.
    if (!splicer || !(e instanceof LwError) || e.code !== 'encoder-failed') throw e;
    return rewrite(source, drop, env, opts, mediaType, undefined);
  }
}

async function rewrite(
  source: Layer,
  drop: Set<number>,
  env: { scratch: Scratch } & EncoderEnv,
  opts: OpOptions & { onBytes?: (n: number) => void; append?: FsNode[] },
  mediaType: string,
  splicer: Splicer | undefined,
): Promise<{ layer: BlobReplacement & { diffId: string }; dropped: number }> {
  let dropped = 0;
  const layer = await encodeLayer(
    async (w) => {
      let ordinal = 0;
      let pendingGlobal: Uint8Array | undefined;
      let at = 0; // offset in the new tar
      for await (const item of readTar(source.uncompressed({ signal: opts.signal, onBytes: opts.onBytes }), { signal: opts.signal })) {
        throwIfAborted(opts.signal);
        const o = ordinal++;
        if (drop.has(o)) {
          const g = globalPrefix(item.entry.raw);
          if (g) pendingGlobal = concatBytes(pendingGlobal, g);
          dropped++;
          continue;
        }
        let e: TarEntry = item.entry;
        const len = e.raw.length + roundUp(e.size); // header blocks, content, padding: the source's bytes
        if (pendingGlobal) {
          e = { ...e, raw: concatBytes(pendingGlobal, e.raw) };
          at += pendingGlobal.length;
          pendingGlobal = undefined;
        }
        // Said before the bytes are written, as the splicer needs.
        if (item.entry.dataOffset - item.entry.offset === item.entry.raw.length) splicer?.same(at, item.entry.offset, len);
        at += len;
        await w.addRaw(e, item.data());
      }
      if (dropped !== drop.size)
        throw new LwError('corrupt', `The layer holds ${ordinal} entries; ${drop.size - dropped} of the entries to drop were not found (did the file change since it was diagnosed?).`);
      if (opts.append?.length) await writeNodes(w, opts.append, { signal: opts.signal });
    },
    env,
    { mediaType, signal: opts.signal, name: 'fixed-layer', gzip: splicer?.stream },
  );
  return { layer, dropped };
}

/**
 * usrmerge carry-over for an existing layer: the lower files a symlink of this layer hides (bin/sh under a new
 * `bin -> usr/bin`) become entries at the symlink's target, appended to the rewritten layer. Reuses the build
 * engine's merged view, planner (Debian usrmerge conflict rules) and hardlink handling. Costs one header pass
 * over the lower layers and this one, plus a pass over the lower layers that hold carried bytes.
 */
export async function carriedNodes(
  archive: ImageArchive,
  t: RepairTarget,
  drop: Set<number>,
  env: { scratch: Scratch },
  warnings: string[],
  opts: OpOptions,
): Promise<FsNode[]> {
  const img = archive.images[t.image ?? 0];
  const layer = img?.layers[t.layer ?? -1];
  if (!layer || layer.descriptor.digest !== t.digest)
    throw new LwError('invalid-argument', `Layer ${t.layer} of image ${t.image} is not ${t.digest}.`, { blob: t.digest });
  const lower = img.layers.slice(0, layer.index);
  const view = await scanBase(lower, { signal: opts.signal });
  // This layer's own entries (the planner's "app"); its whiteouts act on the lower view through the one merged
  // model, where those under the layer's own non-directories are moot (they are the defect, not deletions).
  const app = new Map<string, FsNode>();
  const whiteouts: { path: string; type: FsNode['type']; linkpath: string }[] = [];
  let ordinal = 0;
  for await (const item of readTar(layer.uncompressed({ signal: opts.signal }), { signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const o = ordinal++;
    const e = item.entry;
    const c = cleanPath(e.path);
    if (drop.has(o) || c.problem === 'escapes-root' || c.path === '') continue;
    if (isWhiteout(c.path)) whiteouts.push({ path: c.path, type: e.type, linkpath: '' });
    else app.set(c.path, nodeFromEntry(e, c.path, e.type === 'hardlink' ? cleanPath(e.linkpath).path : ''));
  }
  view.applyWhiteouts([...app.values(), ...whiteouts]);
  const dry = new ContentAccess();
  await planLayer(app, view, { usrmergeCarry: true }, dry);
  await fetchBaseContent(lower, [...dry.needs], env, { signal: opts.signal });
  const plan = await planLayer(app, view, { usrmergeCarry: true }, new ContentAccess());
  for (const c of plan.conflicts) warnings.push(`carry-over: ${c.message}`);
  const bw: BuildWarning[] = [];
  const nodes = finalizeHardlinks(
    plan.nodes.filter((n) => !app.has(n.path)),
    bw,
  );
  for (const w of bw) warnings.push(`carry-over: ${w.message}`);
  return nodes;
}
