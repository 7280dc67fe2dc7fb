// The input as a set of named files, each a Blob. An image archive is read through this view whatever its
// container: a plain tar (headers scanned, content never read: each file is a slice of the input), a compressed
// tar (one decompression pass, content spooled to scratch files) or a folder the user picked.

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch, ScratchFile } from '../env';
import { scanTarEntries, readTar } from '../tar/reader';
import { Budget } from '../limits';
import type { TarEntry } from '../tar/types';
import { decompressBlob } from '../compress/decompress';
import { detectCompression, type Compression } from '../compress/detect';

export interface FileTree {
  kind: 'tar' | 'tar.gz' | 'dir';
  /** Compression of the outer archive ('none' for a plain tar or a folder). kind 'tar.gz' covers zstd too. */
  compression?: Compression;
  /** Every file path (regular files, hardlinks and symlinks), normalized: no './' prefix, '/'-separated. */
  paths(): string[];
  /** The file at `path`, following symlinks inside the tree. Throws LwError 'symlink-loop' / 'unsafe-path'. */
  get(path: string): Blob | undefined;
}

export interface OpenTreeOptions extends OpOptions {
  /** Files up to this size stay in memory when a compressed tar is unpacked (JSON, small blobs). */
  inMemoryLimit?: number;
}

const MAX_SYMLINK_HOPS = 40; // as Linux's MAXSYMLINKS

/**
 * Normalizes an archive path to a key: strips './' and leading '/', folds '.' and '..' components.
 * A '..' that climbs above the root is refused ('unsafe-path'): nothing outside the archive is ever named.
 */
export function safeJoin(path: string, where = path): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw new LwError('unsafe-path', `The path "${where}" climbs out of the archive with "..".`, { entry: where });
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/**
 * Where the files' bytes are, compactly: an archive of 2 million entries keeps a part number, an offset and a
 * size per file in typed arrays (not a Blob or a TarEntry each); Blob slices are made when a file is asked for.
 */
class SliceTable {
  parts: Blob[] = [];
  private part = new Uint32Array(1024);
  private off = new Float64Array(1024);
  private len = new Float64Array(1024);
  private n = 0;

  add(part: number, off: number, size: number): number {
    if (this.n === this.part.length) {
      const grow = <T extends Uint32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.part = grow(this.part);
      this.off = grow(this.off);
      this.len = grow(this.len);
    }
    this.part[this.n] = part;
    this.off[this.n] = off;
    this.len[this.n] = size;
    return this.n++;
  }

  /** Files asked for (the few a manifest names, not the junk beside them) keep their Blob: one object per file. */
  private made = new Map<number, Blob>();

  blob(i: number): Blob {
    let b = this.made.get(i);
    if (!b) {
      const o = this.off[i];
      b = this.parts[this.part[i]].slice(o, o + this.len[i]);
      this.made.set(i, b);
    }
    return b;
  }
}

/** Builds a tree from file blobs and symlinks; shared by all three input kinds. */
class Tree implements FileTree {
  /** A file's Blob, or its index in `slices`. */
  readonly files = new Map<string, Blob | number>();
  readonly links = new Map<string, string>(); // symlink path → its linkpath as stored
  readonly slices = new SliceTable();
  constructor(
    readonly kind: FileTree['kind'],
    readonly compression?: Compression,
  ) {}

  paths(): string[] {
    return [...new Set([...this.files.keys(), ...this.links.keys()])].sort();
  }

  get(path: string): Blob | undefined {
    const key = this.resolve(safeJoin(path));
    const f = key === undefined ? undefined : this.files.get(key);
    return typeof f === 'number' ? this.slices.blob(f) : f;
  }

  /** Resolves symlinks in every component of `key` (a normalized path). */
  resolve(key: string): string | undefined {
    let hops = 0;
    let rest = key.split('/').filter(Boolean);
    let cur = '';
    while (rest.length) {
      const next = cur ? `${cur}/${rest[0]}` : rest[0];
      const link = this.links.get(next);
      if (link === undefined) {
        cur = next;
        rest = rest.slice(1);
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS)
        throw new LwError('symlink-loop', `Following symlinks from "${key}" loops (at "${next}" -> "${link}").`, { entry: key });
      // An absolute target names the archive root, not the host's: a layout is self-contained.
      const base = link.startsWith('/') ? '' : dirname(next);
      const target = safeJoin(base ? `${base}/${link}` : link, next);
      rest = [...target.split('/').filter(Boolean), ...rest.slice(1)];
      cur = '';
    }
    return cur;
  }
}

/** True when the first 512 bytes are a tar header (checksum matches; ustar magic is optional for v7 tar). */
export function looksLikeTar(head: Uint8Array): boolean {
  if (head.length < 512) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i];
  const field = new TextDecoder().decode(head.subarray(148, 156)).replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  return parseInt(field, 8) === sum && sum !== 8 * 32;
}

/**
 * Opens `input` as a FileTree. A Map is a folder (keys relative, '/'-separated); a Blob is a tar archive,
 * plain or compressed (detected by magic bytes, never by name).
 */
export async function openTree(
  input: Blob | Map<string, Blob>,
  env: { scratch: Scratch },
  opts: OpenTreeOptions = {},
): Promise<FileTree> {
  if (input instanceof Map) {
    const tree = new Tree('dir', 'none');
    for (const [p, blob] of input) {
      const key = safeJoin(p);
      if (key) tree.files.set(key, blob);
    }
    return tree;
  }
  const head = new Uint8Array(await input.slice(0, 512).arrayBuffer());
  if (input.size === 0) throw new LwError('not-an-image', 'The file is empty.');
  const compression = detectCompression(head);
  if (compression === 'none') {
    if (!looksLikeTar(head))
      throw new LwError('not-an-image', 'This file is not a tar archive (nor a compressed one): an image is an OCI layout or a docker save archive in a tar.');
    return plainTar(input, opts);
  }
  return compressedTar(input, compression, env.scratch, opts);
}

/** Plain tar: headers only; each file is a slice of the input, so indexing costs one small read per entry. */
async function plainTar(input: Blob, opts: OpOptions): Promise<FileTree> {
  const tree = new Tree('tar', 'none');
  tree.slices.parts.push(input);
  const hardlinks: Hardlink[] = [];
  // The index keeps keys and offsets only: count those (not the TarEntry the reader hands out and we drop).
  const budget = new Budget('The archive');
  for await (const e of scanTarEntries(input, { signal: opts.signal, budget: null })) {
    const key = safeJoin(e.path);
    if (!key) continue;
    budget.add(key, e.type === 'file' ? '' : e.linkpath);
    if (e.type === 'file') {
      refuseSparse(e);
      if (e.dataOffset + e.size > input.size)
        throw new LwError('truncated', `The archive ends inside "${e.path}".`, { entry: e.path });
      setFile(tree, key, tree.slices.add(0, e.dataOffset, e.size));
    } else addLink(tree, e, key, hardlinks);
  }
  resolveHardlinks(tree, hardlinks);
  return tree;
}

/**
 * A blob stored as a GNU sparse file (`tar --sparse` of a layout: uncompressed layers end in zero blocks) has only
 * its data regions in the archive; reading those as the blob would report a false digest mismatch.
 */
function refuseSparse(e: Pick<TarEntry, 'path' | 'sparse'>): void {
  if (e.sparse)
    throw new LwError('unsupported-media-type', `"${e.path}" is stored as a sparse file (tar --sparse); layerwright cannot read files stored that way in the outer archive. Re-create the archive without --sparse.`, { entry: e.path });
}

/** What a hardlink needs until the end of the scan (not its TarEntry, which holds its header bytes). */
interface Hardlink {
  path: string;
  linkpath: string;
}

/** A later entry of the same path replaces an earlier one, as extraction would. */
function setFile(tree: Tree, key: string, blob: Blob | number): void {
  tree.links.delete(key);
  tree.files.set(key, blob);
}

function addLink(tree: Tree, e: TarEntry, key: string, hardlinks: Hardlink[]): void {
  if (e.type === 'symlink') {
    tree.files.delete(key);
    tree.links.set(key, e.linkpath);
  } else if (e.type === 'hardlink') hardlinks.push({ path: e.path, linkpath: e.linkpath });
  else if (e.type === 'dir') {
    tree.files.delete(key);
    tree.links.delete(key);
  }
}

/** A hardlink names its target by archive path (not relative to its own directory). */
function resolveHardlinks(tree: Tree, hardlinks: Hardlink[]): void {
  for (const e of hardlinks) {
    const key = safeJoin(e.path);
    const target = tree.resolve(safeJoin(e.linkpath, e.path));
    const blob = target === undefined ? undefined : tree.files.get(target);
    if (blob !== undefined) setFile(tree, key, blob);
    // A dangling hardlink is left out: the file is then missing, which the image reader reports by name.
  }
}

/** Bytes of small files kept in memory while unpacking; past this they are appended to a scratch pack file. */
const IN_MEMORY_TOTAL = 32 * 1024 * 1024;
/** Small files in memory are packed into segments of this size, one Blob each (not one Blob per file). */
const SEGMENT = 1024 * 1024;
const EMPTY_BLOB = new Blob([]);
/** A pack file is closed and a new one begun past this size (Node 20's file Blobs hold up to 4 GiB). */
const PACK_SIZE = 1024 * 1024 * 1024;

/**
 * Compressed tar: one decompression pass. Small files (JSON, tiny blobs) stay in memory up to a total, then go
 * into shared scratch "pack" files (one file per small entry would cost a file handle each for 2M entries);
 * everything else is spooled to a scratch file of its own, so a multi-GB layer never sits in memory.
 */
async function compressedTar(input: Blob, compression: Compression, scratch: Scratch, opts: OpenTreeOptions): Promise<FileTree> {
  const limit = opts.inMemoryLimit ?? 256 * 1024;
  const tree = new Tree('tar.gz', compression);
  const hardlinks: Hardlink[] = [];
  const budget = new Budget('The archive');
  let inMemory = 0;
  let seg: Uint8Array | undefined;
  let segPart = -1;
  let segUsed = 0;
  const closeSegment = () => {
    if (seg) tree.slices.parts[segPart] = new Blob([seg.subarray(0, segUsed) as Uint8Array<ArrayBuffer>]);
    seg = undefined;
  };
  let pack: ScratchFile | undefined;
  let packPart = -1;
  let packSize = 0;
  const closePack = async () => {
    if (pack) tree.slices.parts[packPart] = await pack.close();
    pack = undefined;
  };
  // The uncompressed total is unknown until the end: progress reports bytes seen with total 0 ("unknown").
  // The outer archive is not a layer (no image model exists yet), so it is decompressed and read here directly.
  const stream = decompressBlob(input, compression, { signal: opts.signal });
  try {
    for await (const item of readTar(stream, { signal: opts.signal, budget: null })) {
      throwIfAborted(opts.signal);
      const e = item.entry;
      opts.onProgress?.(e.dataOffset + e.size, 0, 'unpack');
      const key = safeJoin(e.path);
      if (!key) continue;
      budget.add(key, e.type === 'file' ? '' : e.linkpath);
      if (e.type !== 'file') {
        addLink(tree, e, key, hardlinks);
        continue;
      }
      refuseSparse(e);
      if (e.size === 0) setFile(tree, key, EMPTY_BLOB);
      else if (e.size <= limit && inMemory + e.size <= IN_MEMORY_TOTAL) {
        if (!seg || segUsed + e.size > seg.length) {
          closeSegment();
          seg = new Uint8Array(Math.max(SEGMENT, e.size));
          segPart = tree.slices.parts.length;
          tree.slices.parts.push(EMPTY_BLOB); // replaced when the segment is full
          segUsed = 0;
        }
        const at = segUsed;
        for await (const chunk of item.data()) {
          seg.set(chunk, segUsed);
          segUsed += chunk.length;
        }
        inMemory += e.size;
        setFile(tree, key, tree.slices.add(segPart, at, e.size));
      } else if (e.size <= limit) {
        if (pack && packSize + e.size > PACK_SIZE) await closePack();
        if (!pack) {
          pack = await scratch.create('small-files');
          packPart = tree.slices.parts.length;
          tree.slices.parts.push(new Blob([])); // replaced when the pack is closed
          packSize = 0;
        }
        const at = packSize;
        for await (const chunk of item.data()) {
          await pack.write(chunk);
          packSize += chunk.length;
        }
        setFile(tree, key, tree.slices.add(packPart, at, e.size));
      } else {
        const file = await scratch.create(key.replace(/[^A-Za-z0-9._-]/g, '_'));
        try {
          for await (const chunk of item.data()) {
            throwIfAborted(opts.signal);
            await file.write(chunk);
          }
          setFile(tree, key, await file.close());
        } catch (err) {
          await file.abort().catch(() => {});
          throw err;
        }
      }
    }
    closeSegment();
    await closePack();
  } catch (err) {
    await pack?.abort().catch(() => {});
    throw err;
  }
  resolveHardlinks(tree, hardlinks);
  return tree;
}
