// The base image as a merged filesystem view, read from its layers in two kinds of pass:
//  1. scanBase: every base layer streamed once, headers only (content skipped, never buffered), whiteouts and
//     replacements applied in order by the one merged model (layers/merge.ts) → a MergedFs of what the container sees, each node knowing (layer, ordinal).
//  2. fetchBaseContent: only when the build needs bytes of some base files (usrmerge carry-over, identical-file
//     checks), the layers holding them are streamed again and just those entries are copied to one scratch file;
//     each node's `content` becomes a slice of it.

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { readTar } from '../tar/reader';
import { cleanPath } from '../layers/paths';
import { isWhiteout } from '../layers/whiteout';
import { MergedFs } from '../layers/merge';
import type { Layer } from '../oci/archive';
import { nodeFromEntry, type BuildWarning, type FsNode } from './types';

/** Bytes of compressed input, for progress across all base layers. */
function totalSize(layers: Layer[]): number {
  return layers.reduce((s, l) => s + (l.blob?.size ?? 0), 0);
}

/** A base layer entry as the merged model applies it: whiteouts carry no node. */
interface BaseEntry {
  path: string;
  type: FsNode['type'];
  linkpath: string;
  node?: FsNode;
}

/**
 * The base's merged view. Entries whose path climbs out of the root with `..` are never applied (engines refuse
 * them); each is reported in `warnings` when given (code unsafe-path), so a build says what it left out.
 */
export async function scanBase(
  layers: Layer[],
  opts: OpOptions & { warnings?: BuildWarning[]; /** Filled with layer index -> ordinals of its escaping entries. */ unsafe?: Map<number, number[]> } = {},
): Promise<MergedFs<FsNode>> {
  const view = new MergedFs<FsNode>();
  const total = totalSize(layers);
  let before = 0;
  for (let li = 0; li < layers.length; li++) {
    const layer = layers[li];
    let read = 0;
    const label = `reading base layer ${li + 1}/${layers.length}`;
    const entries: BaseEntry[] = [];
    let ordinal = 0;
    const onBytes = (n: number) => opts.onProgress?.(before + (read += n), total, label);
    for await (const item of readTar(layer.uncompressed({ signal: opts.signal, onBytes }), { signal: opts.signal })) {
      throwIfAborted(opts.signal);
      const e = item.entry;
      const ord = ordinal++;
      const c = cleanPath(e.path);
      if (c.problem === 'escapes-root') {
        opts.warnings?.push({
          code: 'unsafe-path',
          path: e.path,
          message: `Base layer ${li} holds ${JSON.stringify(e.path)}, which climbs out of the root with '..': dropped from the output (engines refuse it).`,
        });
        if (opts.unsafe) {
          const list = opts.unsafe.get(li) ?? [];
          list.push(ord);
          opts.unsafe.set(li, list);
        }
      }
      if (c.problem === 'escapes-root' || c.path === '') continue;
      if (isWhiteout(c.path)) {
        entries.push({ path: c.path, type: e.type, linkpath: '' });
        continue;
      }
      const n = nodeFromEntry(e, c.path, e.type === 'hardlink' ? cleanPath(e.linkpath).path : '');
      n.base = { layer: li, ordinal: ord };
      entries.push({ path: c.path, type: n.type, linkpath: n.linkpath, node: n });
    }
    view.applyLayer(entries, (x, path) => (x.node && path !== x.node.path ? { ...x.node, path } : x.node));
    before += layer.blob?.size ?? 0;
    opts.onProgress?.(before, total, label);
  }
  return view;
}

/**
 * Fills `content` of the given base nodes (regular files, or hardlinks: the bytes of their target in the same
 * layer). Streams only the layers that hold one of them; the bytes land in one scratch file.
 */
export async function fetchBaseContent(layers: Layer[], nodes: FsNode[], env: { scratch: Scratch }, opts: OpOptions = {}): Promise<void> {
  const want = new Map<number, Map<number, FsNode[]>>(); // layer -> ordinal -> nodes wanting it
  const wantHardlink = new Map<number, Map<string, FsNode[]>>(); // layer -> target path -> hardlink nodes
  for (const n of nodes) {
    if (!n.base || n.content) continue;
    if (n.type === 'file') {
      let m = want.get(n.base.layer);
      if (!m) want.set(n.base.layer, (m = new Map()));
      const list = m.get(n.base.ordinal);
      if (list) list.push(n);
      else m.set(n.base.ordinal, [n]);
    } else if (n.type === 'hardlink') {
      let m = wantHardlink.get(n.base.layer);
      if (!m) wantHardlink.set(n.base.layer, (m = new Map()));
      const list = m.get(n.linkpath);
      if (list) list.push(n);
      else m.set(n.linkpath, [n]);
    }
  }
  const layerIdx = [...new Set([...want.keys(), ...wantHardlink.keys()])].sort((a, b) => a - b);
  if (layerIdx.length === 0) return;
  const file = await env.scratch.create('base-content');
  const placed: { nodes: FsNode[]; offset: number; size: number }[] = [];
  let offset = 0;
  try {
    for (const li of layerIdx) {
      const byOrd = want.get(li) ?? new Map<number, FsNode[]>();
      const byTarget = wantHardlink.get(li) ?? new Map<string, FsNode[]>();
      let ordinal = 0;
      for await (const item of readTar(layers[li].uncompressed({ signal: opts.signal }), { signal: opts.signal })) {
        throwIfAborted(opts.signal);
        const ord = ordinal++;
        const e = item.entry;
        if (e.type !== 'file') continue;
        const path = cleanPath(e.path).path;
        // A hardlink refers to the entry of that path stored BEFORE it in the same layer: the last one seen wins.
        const targets = byTarget.get(path);
        const direct = byOrd.get(ord);
        if (!targets && !direct) continue;
        // Stored bytes of a GNU sparse file are its data regions, not its content: copying them would corrupt it.
        if (e.sparse) throw new LwError('invalid-argument', `${path} is a sparse file (GNU tar --sparse); it cannot be carried over yet.`, { entry: path });
        const start = offset;
        for await (const chunk of item.data()) {
          await file.write(chunk);
          offset += chunk.length;
        }
        placed.push({ nodes: [...(direct ?? []), ...(targets ?? [])], offset: start, size: offset - start });
        if (targets) byTarget.delete(path);
      }
      opts.onProgress?.(0, 0, `reading base layer ${li + 1} again for carried files`);
    }
    const pack = await file.close();
    for (const p of placed) {
      const blob = pack.slice(p.offset, p.offset + p.size);
      for (const n of p.nodes) {
        n.content = blob;
        n.size = p.size;
      }
    }
  } catch (e) {
    await file.abort().catch(() => {});
    throw e;
  }
}
