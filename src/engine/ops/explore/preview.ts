// Preview: one file of a layer or of the merged filesystem, shown without saving it. It reads only what it shows:
// the entry is found in the cached listings (no read), symlinks are followed inside the image over the merged view
// up to that layer (layers/resolve.ts: loops and dead ends are plain messages), and the content comes through
// extractFile with `maxBytes` (the layer read stops after the entry): the first 64 KiB for text and hex, the whole
// file for an image of at most 8 MiB (PNG, JPEG, GIF, WebP, recognised by their magic bytes, never by name).
// Text is UTF-8 when the bytes are valid UTF-8, else Latin-1 (ISO-8859-1: every byte is a character) when they
// hold no NUL and few control characters; anything else is binary and shown as a hex dump.

import type { Scratch } from '../../env';
import { LwError } from '../../errors';
import type { ImageArchive } from '../../oci/archive';
import { cleanPath } from '../../layers/paths';
import { resolve } from '../../layers/resolve';
import { extractFile } from '../files-extract';
import type { FileEntry } from '../files-common';
import type { OpOptions } from '../../env';
import type { ListingCache } from './listings';
import { mergedAfter } from './changes';

export const PREVIEW_TEXT_BYTES = 64 * 1024;
export const PREVIEW_IMAGE_BYTES = 8 * 1024 * 1024;

/** What the file browser points at: one layer's own entries, or the merged filesystem after `upto`. */
export type PreviewTarget = { layer: number } | { merged: true; upto?: number };

interface Base {
  /** The path asked for. */
  path: string;
  /** Where its symlinks led (when it is a symlink). */
  resolved?: string;
  /** The layer the content comes from. */
  layer?: number;
  /** The file's full size. */
  size?: number;
}

export type Preview =
  | (Base & { kind: 'text'; encoding: 'utf-8' | 'latin-1'; text: string; truncated: boolean })
  | (Base & { kind: 'binary'; bytes: Uint8Array; truncated: boolean })
  | (Base & { kind: 'image'; mime: string; blob: Blob })
  /** Nothing to show, and why in plain words (a directory, a deletion, a loop, a device...). */
  | (Base & { kind: 'none'; message: string });

export function previewFile(
  archive: ImageArchive,
  listings: ListingCache,
  image: number,
  target: PreviewTarget,
  path: string,
  env: { scratch: Scratch },
  opts: OpOptions = {},
): Promise<Preview> {
  return new Previewer(archive, listings, image, env, opts).run(target, cleanPath(path).path);
}

class Previewer {
  constructor(
    private readonly archive: ImageArchive,
    private readonly listings: ListingCache,
    private readonly image: number,
    private readonly env: { scratch: Scratch },
    private readonly opts: OpOptions,
  ) {}

  async run(target: PreviewTarget, path: string): Promise<Preview> {
    const nLayers = this.archive.images[this.image]?.layers.length ?? 0;
    const upto = 'layer' in target ? target.layer : (target.upto ?? nLayers - 1);
    if (upto < 0 || upto >= nLayers) throw new LwError('invalid-argument', `Image ${this.image} has no layer ${upto}.`, { layer: upto });
    const lists: FileEntry[][] = [];
    for (let i = 0; i <= upto; i++) lists.push(await this.listings.get(this.image, i, this.opts));

    if ('layer' in target) {
      // The layer's own entry: the last one with this path (what extraction leaves).
      const own = lastIndex(lists[upto], path, true);
      if (own < 0) return { path, kind: 'none', message: `Layer ${upto} has no entry ${path}.` };
      const e = lists[upto][own];
      if (e.whiteout === 'file') return { path, layer: upto, kind: 'none', message: `A deletion (whiteout): this layer removes ${e.target} of the layers below.` };
      if (e.whiteout === 'opaque') return { path, layer: upto, kind: 'none', message: `An opaque marker: this layer hides everything the layers below put in ${e.target || '/'}.` };
      if (e.type !== 'symlink') return this.content(path, undefined, upto, own, e);
    }
    // Merged view (or a symlink of the layer, followed within the image as it is after that layer).
    const fs = mergedAfter(lists);
    const r = resolve(fs.lookup, path);
    if (r.error === 'loop') return { path, kind: 'none', message: `${path} is a symlink loop (more than 40 links); there is nothing to show.` };
    const linked = r.links.length > 0 ? r.path : undefined;
    if (r.error || !r.node) {
      const why = r.error === 'not-dir' ? `${r.missingAt} is not a directory` : `${r.missingAt ?? path} does not exist`;
      if (r.links.length) return { path, resolved: r.path, kind: 'none', message: `${path} is a symlink that leads nowhere: ${why} in this image.` };
      const by = deletedBy(lists, path);
      return by !== undefined
        ? { path, kind: 'none', message: `${path} was deleted by layer ${by} (a whiteout): it is not in the filesystem after layer ${upto}.` }
        : { path, kind: 'none', message: `${path} is not in the filesystem after layer ${upto}.` };
    }
    const n = fs.get(r.path);
    if (!n) return { path, resolved: linked, kind: 'none', message: `${r.path || '/'} is a directory.` }; // implied
    const ordinal = lastIndex(lists[n.layer], r.path) >= 0 ? lastIndex(lists[n.layer], r.path) : lastPlaced(lists[n.layer], n);
    return this.content(path, linked, n.layer, ordinal, n);
  }

  private async content(path: string, resolved: string | undefined, layer: number, ordinal: number, e: { path: string; type: string; size: number; linkpath: string }): Promise<Preview> {
    const base: Base = { path, layer, size: e.size };
    if (resolved !== undefined) base.resolved = resolved;
    if (e.type === 'dir') return { ...base, size: undefined, kind: 'none', message: `${resolved ?? path} is a directory.` };
    if (e.type !== 'file' && e.type !== 'hardlink') return { ...base, size: undefined, kind: 'none', message: `${resolved ?? path} is a ${TYPE_WORDS[e.type] ?? e.type}: it has no content to show.` };
    if (ordinal < 0) return { ...base, kind: 'none', message: `The entry of ${resolved ?? path} was not found in layer ${layer}.` };
    const size = e.type === 'hardlink' ? await this.hardlinkSize(layer, ordinal, e.linkpath) : e.size;
    base.size = size;
    const read = (max: number) =>
      extractFile(this.archive, this.image, layer, e.path, this.env, { ...this.opts, ordinal, maxBytes: max }).then(async (b) => new Uint8Array(await b.arrayBuffer()));
    const looksImage = size <= PREVIEW_IMAGE_BYTES && /\.(png|jpe?g|gif|webp)$/i.test(e.path);
    let bytes = await read(looksImage ? size : PREVIEW_TEXT_BYTES);
    const mime = sniffImage(bytes);
    if (mime && size <= PREVIEW_IMAGE_BYTES) {
      if (bytes.length < size) bytes = await read(size); // the name did not say image: read the rest once
      return { ...base, kind: 'image', mime, blob: new Blob([bytes], { type: mime }) };
    }
    const shown = bytes.subarray(0, PREVIEW_TEXT_BYTES);
    const truncated = size > shown.length;
    const text = decodeText(shown, truncated);
    if (text) return { ...base, kind: 'text', ...text, truncated };
    return { ...base, kind: 'binary', bytes: shown.slice(), truncated };
  }

  /** A hardlink's content is its target's (the last regular file of that path stored before it). */
  private async hardlinkSize(layer: number, ordinal: number, target: string): Promise<number> {
    const list = await this.listings.get(this.image, layer, this.opts);
    for (let i = ordinal - 1; i >= 0; i--) if (list[i].path === target && list[i].type === 'file') return list[i].size;
    return 0;
  }
}

const TYPE_WORDS: Record<string, string> = { char: 'character device', block: 'block device', fifo: 'named pipe (FIFO)', other: 'special file', symlink: 'symlink' };

/** The highest layer whose whiteout (or opaque marker) covers `path`. */
function deletedBy(lists: FileEntry[][], path: string): number | undefined {
  for (let l = lists.length - 1; l >= 0; l--)
    for (const e of lists[l]) {
      if (e.whiteout === undefined || e.target === undefined) continue;
      if (e.whiteout === 'file' ? path === e.target || path.startsWith(`${e.target}/`) : e.target === '' || path.startsWith(`${e.target}/`)) return l;
    }
  return undefined;
}

function lastIndex(list: FileEntry[], path: string, whiteouts = false): number {
  for (let i = list.length - 1; i >= 0; i--) if (list[i].path === path && (whiteouts || !list[i].whiteout)) return i;
  return -1;
}

/** An entry the model placed elsewhere (under a same-layer symlink): the last one of that type and size. */
function lastPlaced(list: FileEntry[], n: { type: string; size: number; path: string }): number {
  const base = n.path.slice(n.path.lastIndexOf('/') + 1);
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i];
    if (e.type === n.type && e.size === n.size && e.path.endsWith(`/${base}`)) return i;
  }
  return -1;
}

/** The image type from magic bytes (PNG, JPEG, GIF, WebP), or undefined. */
export function sniffImage(b: Uint8Array): string | undefined {
  const at = (o: number, ...xs: number[]) => xs.every((x, i) => b[o + i] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x47, 0x49, 0x46, 0x38) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'image/gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  return undefined;
}

/**
 * Text, or undefined for binary. UTF-8 when valid (a multi-byte character cut by the end of a truncated read is
 * dropped); otherwise Latin-1 when the bytes hold no NUL and control characters (other than tab, newline, carriage
 * return, form feed, escape) are under 1 %.
 */
export function decodeText(b: Uint8Array, truncated = false): { encoding: 'utf-8' | 'latin-1'; text: string } | undefined {
  if (b.includes(0)) return undefined;
  let controls = 0;
  for (const x of b) if (x < 0x20 && x !== 9 && x !== 10 && x !== 13 && x !== 12 && x !== 27) controls++;
  if (controls > b.length / 100) return undefined;
  let end = b.length;
  if (truncated) {
    // Back up over an incomplete trailing sequence (at most 3 continuation bytes after its lead byte).
    let i = end - 1;
    while (i >= 0 && i > end - 4 && (b[i] & 0xc0) === 0x80) i--;
    if (i >= 0 && b[i] >= 0xc0) {
      const need = b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 : 2;
      if (end - i < need) end = i;
    }
  }
  try {
    return { encoding: 'utf-8', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(b.subarray(0, end)) };
  } catch {
    let text = '';
    for (let i = 0; i < b.length; i += 8192) text += String.fromCharCode(...b.subarray(i, i + 8192));
    return { encoding: 'latin-1', text };
  }
}

/** `00000010  48 65 6c 6c 6f 0a …  |Hello.|` lines, 16 bytes each. */
export function hexDump(b: Uint8Array, max = b.length): string[] {
  const out: string[] = [];
  const n = Math.min(max, b.length);
  for (let o = 0; o < n; o += 16) {
    const row = b.subarray(o, Math.min(o + 16, n));
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    out.push(`${o.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return out;
}
