// Indexing an app rootfs tarball (tar, tar.gz, tar.zst, as `tar -C rootfs -c .` makes it, with or without './').
//
// The new layer is written in sorted path order (deterministic whatever order the tarball has), so every entry
// must be known before the first one is written. Only the index (headers → FsNode, no content) is kept in memory;
// content is read back afterwards by random access:
//  - a plain tar is scanned in place (scanTar seeks over content) and each file is a `blob.slice()` of the input;
//  - a compressed tar is decompressed ONCE into a scratch file (OPFS / temp file), then treated as a plain tar.
// Costs: one decompression pass and scratch space of the uncompressed size, never memory.

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { decompressBlob } from '../compress/decompress';
import { sniffBlob } from '../compress/detect';
import { scanTar } from '../tar/reader';
import { cleanPath } from '../layers/paths';
import { isBareWhiteout, isWhiteout } from '../layers/whiteout';
import { nodeFromEntry, type BuildWarning, type FsNode } from './types';

export interface RootfsIndex {
  /** Entries by cleaned path; a path stored twice keeps the last (as extraction would). The root '' is left out. */
  nodes: Map<string, FsNode>;
  /** The uncompressed tar (the input itself, or a scratch copy). */
  tar: Blob;
  compression: string;
  warnings: BuildWarning[];
}

/** Copies a stream into a scratch file; discards the file on failure. */
export async function streamToScratch(src: ReadableStream<Uint8Array>, scratch: Scratch, name: string, opts: OpOptions = {}): Promise<Blob> {
  const file = await scratch.create(name);
  const reader = src.getReader();
  try {
    let done = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      throwIfAborted(opts.signal);
      await file.write(r.value);
      done += r.value.length;
      opts.onProgress?.(done, 0, `unpacking ${name}`);
    }
    return await file.close();
  } catch (e) {
    await reader.cancel().catch(() => {});
    await file.abort().catch(() => {});
    throw e;
  }
}

export async function indexRootfs(input: Blob, env: { scratch: Scratch }, opts: OpOptions & { name?: string } = {}): Promise<RootfsIndex> {
  const name = opts.name ?? 'rootfs';
  const compression = await sniffBlob(input);
  // An app rootfs is a plain tarball, not a layer of an image: no Layer model wraps it, so it is read here directly.
  const tar =
    compression === 'none' ? input : await streamToScratch(decompressBlob(input, compression, { signal: opts.signal }), env.scratch, name, opts);
  let entries;
  try {
    entries = await scanTar(tar, { signal: opts.signal });
  } catch (e) {
    if (e instanceof LwError && e.code === 'corrupt')
      throw new LwError('not-an-image', `${name} is not a rootfs tarball (tar, tar.gz or tar.zst): ${e.message}`, { entry: name });
    throw e;
  }
  const nodes = new Map<string, FsNode>();
  const warnings: BuildWarning[] = [];
  for (const e of entries) {
    const c = cleanPath(e.path);
    if (c.problem === 'escapes-root') {
      // A rootfs never needs '..' above its root; an engine would refuse the layer. Say so instead of writing it.
      throw new LwError('unsafe-path', `${name}: the entry ${JSON.stringify(e.path)} climbs out of the root with '..'.`, { entry: e.path });
    }
    if (c.path === '') continue; // './' itself: the root's metadata is the base's business
    if (e.type === 'other')
      throw new LwError('invalid-argument', `${name}: entry ${e.path} has tar type ${JSON.stringify(e.typeflag)}, which a layer cannot hold.`, { entry: e.path });
    if (e.sparse)
      throw new LwError('invalid-argument', `${name}: ${e.path} is a sparse file (GNU tar --sparse); build cannot copy it yet. Re-create the rootfs tarball without --sparse.`, { entry: e.path });
    let target = '';
    if (e.type === 'hardlink') {
      const t = cleanPath(e.linkpath);
      if (t.problem === 'escapes-root') throw new LwError('unsafe-path', `${name}: hardlink ${e.path} points out of the root.`, { entry: e.path });
      target = t.path;
    }
    // A bare `.wh.` names no file, yet Docker's extractor removes the whole directory holding it: never output.
    if (isBareWhiteout(c.path)) {
      warnings.push({ code: 'whiteout-in-rootfs', path: c.path, message: `${c.path} is a bare whiteout (\`.wh.\` naming no file): left out, as in a layer Docker would remove its whole directory.` });
      continue;
    }
    const n = nodeFromEntry(e, c.path, target);
    if (e.type === 'file') n.content = tar.slice(e.dataOffset, e.dataOffset + e.size);
    if (nodes.has(c.path)) nodes.delete(c.path); // keep the last, at its own position
    nodes.set(c.path, n);
    if (isWhiteout(c.path))
      warnings.push({ code: 'whiteout-in-rootfs', path: c.path, message: `${c.path} is named like a whiteout: in a layer it deletes a base file.` });
  }
  return { nodes, tar, compression, warnings };
}
