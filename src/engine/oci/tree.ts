// The input as a set of named files, each a Blob. An image archive is read through this view whatever its
// container: a plain tar (headers scanned, content never read: each file is a slice of the input), a compressed
// tar (one decompression pass, content spooled to scratch files) or a folder the user picked.

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { scanTar, readTar } from '../tar/reader';
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

/** Builds a tree from file blobs and symlinks; shared by all three input kinds. */
class Tree implements FileTree {
  readonly files = new Map<string, Blob>();
  readonly links = new Map<string, string>(); // symlink path → its linkpath as stored
  constructor(
    readonly kind: FileTree['kind'],
    readonly compression?: Compression,
  ) {}

  paths(): string[] {
    return [...new Set([...this.files.keys(), ...this.links.keys()])].sort();
  }

  get(path: string): Blob | undefined {
    const key = this.resolve(safeJoin(path));
    return key === undefined ? undefined : this.files.get(key);
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
  const entries = await scanTar(input, { signal: opts.signal });
  const hardlinks: TarEntry[] = [];
  for (const e of entries) {
    const key = safeJoin(e.path);
    if (!key) continue;
    if (e.type === 'file') {
      if (e.dataOffset + e.size > input.size)
        throw new LwError('truncated', `The archive ends inside "${e.path}".`, { entry: e.path });
      setFile(tree, key, input.slice(e.dataOffset, e.dataOffset + e.size));
    } else addLink(tree, e, key, hardlinks);
  }
  resolveHardlinks(tree, hardlinks);
  return tree;
}

/** A later entry of the same path replaces an earlier one, as extraction would. */
function setFile(tree: Tree, key: string, blob: Blob): void {
  tree.links.delete(key);
  tree.files.set(key, blob);
}

function addLink(tree: Tree, e: TarEntry, key: string, hardlinks: TarEntry[]): void {
  if (e.type === 'symlink') {
    tree.files.delete(key);
    tree.links.set(key, e.linkpath);
  } else if (e.type === 'hardlink') hardlinks.push(e);
  else if (e.type === 'dir') {
    tree.files.delete(key);
    tree.links.delete(key);
  }
}

/** A hardlink names its target by archive path (not relative to its own directory). */
function resolveHardlinks(tree: Tree, hardlinks: TarEntry[]): void {
  for (const e of hardlinks) {
    const key = safeJoin(e.path);
    const target = tree.resolve(safeJoin(e.linkpath, e.path));
    const blob = target === undefined ? undefined : tree.files.get(target);
    if (blob) setFile(tree, key, blob);
    // A dangling hardlink is left out: the file is then missing, which the image reader reports by name.
  }
}

/**
 * Compressed tar: one decompression pass. Small files (JSON, tiny blobs) stay in memory; everything else is
 * spooled to a scratch file, so a multi-GB layer never sits in memory.
 */
async function compressedTar(input: Blob, compression: Compression, scratch: Scratch, opts: OpenTreeOptions): Promise<FileTree> {
  const limit = opts.inMemoryLimit ?? 256 * 1024;
  const tree = new Tree('tar.gz', compression);
  const hardlinks: TarEntry[] = [];
  // The uncompressed total is unknown until the end: progress reports bytes seen with total 0 ("unknown").
  const stream = decompressBlob(input, compression, { signal: opts.signal });
  for await (const item of readTar(stream, { signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const e = item.entry;
    opts.onProgress?.(e.dataOffset + e.size, 0, 'unpack');
    const key = safeJoin(e.path);
    if (!key) continue;
    if (e.type !== 'file') {
      addLink(tree, e, key, hardlinks);
      continue;
    }
    if (e.size <= limit) {
      const parts: Uint8Array[] = [];
      for await (const chunk of item.data()) parts.push(chunk.slice());
      setFile(tree, key, new Blob(parts as BlobPart[]));
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
  resolveHardlinks(tree, hardlinks);
  return tree;
}
