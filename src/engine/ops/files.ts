// files: look inside layers without unpacking them. Three plain functions over an opened archive:
//  - listLayer: one layer's entries, in archive order (whiteouts marked with what they delete);
//  - mergedView: the filesystem a container sees after layers 0..N (OCI rules, each path tagged with its layer);
//  - extractFile: one regular file's bytes, to save it (files-extract.ts).
// Rows travel to the page as columns (files-wire.ts). Each streams the layer once through the image model
// (layer.uncompressed() → readTar) and keeps only per-entry metadata, so memory grows with the number of entries,
// never with the layer's size. Progress is in bytes of the *stored* layer read,
// the only total known before reading (the uncompressed size is not stored anywhere).

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import { readTar } from '../tar/reader';
import type { TarEntryType } from '../tar/types';
import { ancestorsOf, cleanPath } from '../layers/paths';
import { isOpaque, isWhiteout, opaqueDir, whiteoutTarget } from '../layers/whiteout';
import { mergedAfter } from './explore/changes';
import { storedBlob, type ImageArchive } from '../oci/archive';
import { imageLayer, located, type FileEntry, type MergedEntry } from './files-common';

export type { EntryStat, FileEntry, MergedEntry } from './files-common';
export * from './files-extract';
export * from './files-wire';

function entryMeta(e: { type: TarEntryType; size: number; mode: number; uid: number; gid: number; mtime: number; sparse?: { realSize: number } }) {
  // A GNU sparse file's size is its real length (holes included), not the bytes the archive stores.
  const size = e.type !== 'file' ? 0 : e.sparse ? e.sparse.realSize : e.size;
  return { type: e.type, size, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime };
}

/** Every entry of one layer, in archive order (entries[i] is tar entry i: its ordinal). */
export async function listLayer(archive: ImageArchive, imageIndex: number, layerIndex: number, opts: OpOptions = {}): Promise<FileEntry[]> {
  const { signal, onProgress } = opts;
  throwIfAborted(signal);
  const layer = imageLayer(archive, imageIndex, layerIndex);
  const total = layer.blob.size;
  const label = `listing layer ${layerIndex}`;
  let read = 0;
  const out: FileEntry[] = [];
  try {
    for await (const item of readTar(layer.uncompressed({ signal, onBytes: (n) => onProgress?.((read += n), total, label) }), { signal })) {
      const e = item.entry;
      const c = cleanPath(e.path);
      const f: FileEntry = {
        path: c.path,
        ...entryMeta(e),
        linkpath: e.type === 'hardlink' ? cleanPath(e.linkpath).path : e.type === 'symlink' ? e.linkpath : '',
      };
      if (c.problem) f.pathProblem = c.problem;
      if (e.tooLong) f.pathProblem = 'too-long';
      if (isWhiteout(c.path)) {
        const t = whiteoutTarget(c.path);
        if (t !== undefined) {
          f.whiteout = 'file';
          f.target = t;
        } else if (isOpaque(c.path)) {
          f.whiteout = 'opaque';
          f.target = opaqueDir(c.path);
        }
      }
      out.push(f);
    }
  } catch (e) {
    throw located(e, layer);
  }
  onProgress?.(total, total, label);
  return out;
}


/** Where mergedView gets a layer's listing: the session's ListingCache in the app (each layer read once), else a fresh read. */
export type LayerListing = (layer: number, opts: OpOptions) => Promise<FileEntry[]>;

/**
 * The filesystem after extracting layers 0..uptoLayer in order (image-spec layer.md): whiteouts delete lower paths,
 * opaque whiteouts hide lower children, a non-directory replaces a directory with its whole subtree (and the other
 * way round), a directory over a directory keeps the children. It is built from the layers' listings by the one
 * merged model (layers/merge.ts, through explore/changes.ts mergedAfter), so what is shown here is what diagnose,
 * fix, build and the Layer sizes counts reason about; an entry under a lower symlink makes a real directory there,
 * as Docker's overlay2 does. With the app's ListingCache as `listing`, choosing a merged view twice (or comparing
 * it) reads no layer again. Parents that no layer stores are listed as `implied` directories. Sorted by path,
 * children right after their parent.
 */
export async function mergedView(
  archive: ImageArchive,
  imageIndex: number,
  uptoLayer?: number,
  opts: OpOptions = {},
  listing: LayerListing = (layer, o) => listLayer(archive, imageIndex, layer, o),
): Promise<MergedEntry[]> {
  const { signal, onProgress } = opts;
  throwIfAborted(signal);
  const img = archive.images[imageIndex];
  if (!img) throw new LwError('invalid-argument', `There is no image ${imageIndex} in this archive (it has ${archive.images.length}).`);
  const upto = uptoLayer ?? img.layers.length - 1;
  if (upto < -1 || upto >= img.layers.length)
    throw new LwError('invalid-argument', `Image ${imageIndex} has no layer ${upto} (it has ${img.layers.length}).`, { layer: upto });
  const layers = img.layers.slice(0, upto + 1);
  // Fail before reading any layer when one is missing (the model's check), not after the lower ones were read.
  for (const l of layers) storedBlob(l);
  const total = layers.reduce((s, l) => s + l.blob!.size, 0);
  const listings: FileEntry[][] = [];
  let before = 0;
  for (const l of layers) {
    const size = l.blob!.size;
    listings.push(await listing(l.index, { signal, onProgress: onProgress && ((done) => onProgress(before + Math.min(done, size), total, 'merged')) }));
    before += size;
  }
  const view = mergedAfter(listings);

  const out: MergedEntry[] = [];
  const seen = new Set<string>();
  for (const n of view.entries()) {
    if (n.path === '') continue;
    out.push({ path: n.path, type: n.type, size: n.size, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime, linkpath: n.linkpath, layer: n.layer, ordinal: n.ordinal });
    seen.add(n.path);
  }
  // Extraction creates missing parents; list them so the tree has no holes.
  const implied: MergedEntry[] = [];
  for (const m of out)
    for (const a of ancestorsOf(m.path)) {
      if (seen.has(a)) break;
      seen.add(a);
      implied.push({ path: a, type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, linkpath: '', layer: m.layer, implied: true });
    }
  out.push(...implied);
  sortByPath(out);
  onProgress?.(total, total, 'merged');
  return out;
}

/** Sorts so that a directory's children follow it directly ('/' sorts before every other character). */
export function sortByPath<T extends { path: string }>(list: T[]): T[] {
  const key = new Map<T, string>();
  for (const e of list) key.set(e, e.path.replaceAll('/', '\u0000'));
  return list.sort((a, b) => {
    const x = key.get(a)!;
    const y = key.get(b)!;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

const TYPE_CHAR: Record<TarEntryType, string> = { file: '-', hardlink: 'h', symlink: 'l', char: 'c', block: 'b', dir: 'd', fifo: 'p', other: '?' };

/** `ls -l` style mode: 'drwxr-xr-x', '-rwsr-xr-x', 'lrwxrwxrwx', 'drwxrwxrwt'. Hardlinks show as 'h'. */
export function modeString(type: TarEntryType, mode: number): string {
  const bit = (m: number, c: string) => (mode & m ? c : '-');
  const x = (m: number, special: number, on: string, off: string) => (mode & special ? (mode & m ? on : off) : mode & m ? 'x' : '-');
  return (
    TYPE_CHAR[type] +
    bit(0o400, 'r') + bit(0o200, 'w') + x(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') + bit(0o020, 'w') + x(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') + bit(0o002, 'w') + x(0o001, 0o1000, 't', 'T')
  );
}

/** A safe file name to save an extracted file under: the basename only, no control or reserved characters. */
export function saveName(path: string): string {
  const base = path.split('/').filter(Boolean).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"\\|?*]/g, '_').replace(/^\.+/, (m) => '_'.repeat(m.length)).trim();
  return clean.slice(0, 200) || 'file';
}
