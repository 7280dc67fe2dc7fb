// files: look inside layers without unpacking them. Three plain functions over an opened archive:
//  - listLayer: one layer's entries, in archive order (whiteouts marked with what they delete);
//  - mergedView: the filesystem a container sees after layers 0..N (OCI rules, each path tagged with its layer);
//  - extractFile: one regular file's bytes, to save it.
// Each streams the layer once through the image model (layer.uncompressed() → readTar) and keeps only per-entry metadata, so memory
// grows with the number of entries, never with the layer's size. Progress is in bytes of the *stored* layer read,
// the only total known before reading (the uncompressed size is not stored anywhere).

import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { readTar } from '../tar/reader';
import type { TarEntryType } from '../tar/types';
import { ancestorsOf, cleanPath, type PathProblem } from '../layers/paths';
import { isOpaque, isWhiteout, opaqueDir, whiteoutTarget } from '../layers/whiteout';
import { scanBase } from '../build/basescan';
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

/** Regular files under this size are extracted into memory; larger ones go to env.scratch. */
export const EXTRACT_IN_MEMORY = 8 * 1024 * 1024;

function imageLayer(archive: ImageArchive, imageIndex: number, layerIndex: number): Layer & { blob: Blob } {
  const img = archive.images[imageIndex];
  if (!img) throw new LwError('invalid-argument', `There is no image ${imageIndex} in this archive (it has ${archive.images.length}).`);
  const layer = img.layers[layerIndex];
  if (!layer)
    throw new LwError('invalid-argument', `Image ${imageIndex} has no layer ${layerIndex} (it has ${img.layers.length}).`, { layer: layerIndex });
  return { ...layer, blob: storedBlob(layer) };
}

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

function located(e: unknown, layer: Layer): LwError {
  const err = asLwError(e);
  if (err.where.layer === undefined && err.code !== 'cancelled')
    return new LwError(err.code, err.message, { ...err.where, layer: layer.index, blob: err.where.blob ?? layer.descriptor.digest });
  return err;
}

/**
 * The filesystem after extracting layers 0..uptoLayer in order (image-spec layer.md): whiteouts delete lower paths,
 * opaque whiteouts hide lower children, a non-directory replaces a directory with its whole subtree (and the other
 * way round), a directory over a directory keeps the children. The layer semantics are the one merged model's
 * (layers/merge.ts, through build/basescan.ts scanBase), so what is shown here is what diagnose, fix and build reason
 * about; an entry under a lower symlink makes a real directory there, as Docker's overlay2 does.
 * Parents that no layer stores are listed as `implied` directories. Sorted by path, children right after their parent.
 */
export async function mergedView(archive: ImageArchive, imageIndex: number, uptoLayer?: number, opts: OpOptions = {}): Promise<MergedEntry[]> {
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
  const view = await scanBase(layers, { signal, onProgress });

  const out: MergedEntry[] = [];
  const seen = new Set<string>();
  for (const n of view.entries()) {
    if (n.path === '') continue;
    const m: MergedEntry = {
      path: n.path,
      type: n.type,
      size: n.size,
      mode: n.mode,
      uid: n.uid,
      gid: n.gid,
      mtime: n.mtime,
      linkpath: n.linkpath,
      layer: n.base!.layer,
      ordinal: n.base!.ordinal,
    };
    out.push(m);
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

export interface ExtractOptions extends OpOptions {
  /**
   * The entry's position in the layer (from listLayer / mergedView): picks exactly that entry and stops reading
   * once it is out. Without it, the LAST entry with the path wins (what extraction leaves in place).
   */
  ordinal?: number;
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
  opts: OpOptions,
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
      if (e.type === 'file') found.blob = await collect(item.data(), e.size, env, signal);
      if (stopAtFirst) break;
    }
    if (e.type === 'file') files.push([p, ord]);
  }
  if (found) onProgress?.(total, total, 'reading layer');
  return found;
}

async function collect(data: AsyncIterable<Uint8Array>, size: number, env: { scratch: Scratch }, signal?: AbortSignal): Promise<Blob> {
  if (size < EXTRACT_IN_MEMORY) {
    const buf = new Uint8Array(size);
    let o = 0;
    for await (const c of data) {
      buf.set(c, o);
      o += c.length;
    }
    return new Blob([buf]);
  }
  const file = await env.scratch.create('extracted');
  try {
    for await (const c of data) {
      throwIfAborted(signal);
      await file.write(c);
    }
    return await file.close();
  } catch (e) {
    await file.abort().catch(() => {});
    throw e;
  }
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

// ---------------------------------------------------------------------------------------------------------------
// Wire form. 100k row objects cost ~0.2–0.4 s to structured-clone to the page (per-property serialization);
// columns — strings joined with NUL (which no tar path can hold) and typed arrays — clone in a few milliseconds.

/** Rows as columns: what the worker posts to the page. */
export interface PackedEntries {
  count: number;
  /** NUL-joined columns. */
  paths: string;
  links: string;
  targets: string;
  types: Uint8Array;
  /** bit 0-1: whiteout (1 file, 2 opaque); bit 2-3: pathProblem (1 absolute, 2 escapes-root); bit 4: implied. */
  flags: Uint8Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  modes: Uint16Array;
  uids: Float64Array;
  gids: Float64Array;
  /** Source layer (merged view) or -1; ordinal in that layer or -1. */
  layers: Int32Array;
  ordinals: Int32Array;
}

/** A row of either listing, as unpacked on the page. */
export type AnyEntry = FileEntry & Partial<Pick<MergedEntry, 'layer' | 'ordinal' | 'implied'>>;

const TYPES: TarEntryType[] = ['file', 'hardlink', 'symlink', 'char', 'block', 'dir', 'fifo', 'other'];
const PROBLEMS: (PathProblem | undefined)[] = [undefined, 'absolute', 'escapes-root', 'too-long'];

export function packEntries(rows: AnyEntry[]): PackedEntries {
  const n = rows.length;
  const p: PackedEntries = {
    count: n,
    paths: '',
    links: '',
    targets: '',
    types: new Uint8Array(n),
    flags: new Uint8Array(n),
    sizes: new Float64Array(n),
    mtimes: new Float64Array(n),
    modes: new Uint16Array(n),
    uids: new Float64Array(n),
    gids: new Float64Array(n),
    layers: new Int32Array(n),
    ordinals: new Int32Array(n),
  };
  const paths: string[] = new Array(n);
  const links: string[] = new Array(n);
  const targets: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    paths[i] = r.path;
    links[i] = r.linkpath;
    targets[i] = r.target ?? '';
    p.types[i] = TYPES.indexOf(r.type);
    p.flags[i] =
      (r.whiteout === 'file' ? 1 : r.whiteout === 'opaque' ? 2 : 0) |
      (r.pathProblem ? PROBLEMS.indexOf(r.pathProblem) << 2 : 0) |
      (r.implied ? 16 : 0);
    p.sizes[i] = r.size;
    p.mtimes[i] = r.mtime;
    p.modes[i] = r.mode;
    p.uids[i] = r.uid;
    p.gids[i] = r.gid;
    p.layers[i] = r.layer ?? -1;
    p.ordinals[i] = r.ordinal ?? -1;
  }
  p.paths = paths.join('\0');
  p.links = links.join('\0');
  p.targets = targets.join('\0');
  return p;
}

export function unpackEntries(p: PackedEntries): AnyEntry[] {
  const paths = p.count ? p.paths.split('\0') : [];
  const links = p.count ? p.links.split('\0') : [];
  const targets = p.count ? p.targets.split('\0') : [];
  const out: AnyEntry[] = new Array(p.count);
  for (let i = 0; i < p.count; i++) {
    const f = p.flags[i];
    const r: AnyEntry = {
      path: paths[i],
      type: TYPES[p.types[i]] ?? 'other',
      size: p.sizes[i],
      mode: p.modes[i],
      uid: p.uids[i],
      gid: p.gids[i],
      mtime: p.mtimes[i],
      linkpath: links[i],
    };
    if (f & 3) {
      r.whiteout = (f & 3) === 1 ? 'file' : 'opaque';
      r.target = targets[i];
    }
    const prob = PROBLEMS[(f >> 2) & 3];
    if (prob) r.pathProblem = prob;
    if (f & 16) r.implied = true;
    if (p.layers[i] >= 0) r.layer = p.layers[i];
    if (p.ordinals[i] >= 0) r.ordinal = p.ordinals[i];
    out[i] = r;
  }
  return out;
}
