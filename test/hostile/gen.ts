// Generators for the hostile corpus: inputs that are small on disk but were built to cost time or memory.
// An independent raw tar/OCI/zstd encoder (not the engine's writer), writing into a temp dir. Everything is
// deterministic (no randomness needed: the hostility is in the structure).

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { gzipSync, constants as zc } from 'node:zlib';

const enc = new TextEncoder();
export const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
export const gz = (b: Uint8Array, level = 6) => new Uint8Array(gzipSync(b, { level, strategy: level === 1 ? zc.Z_RLE : zc.Z_DEFAULT_STRATEGY }));

function octal(h: Uint8Array, off: number, len: number, v: number): void {
  const s = v.toString(8).padStart(len - 1, '0');
  h.set(enc.encode(s.length > len - 1 ? s.slice(-len + 1) : s), off);
}

/** One ustar header block. Names longer than the field are cut (callers add PAX/GNU headers for the full name). */
export function header(name: string, type: string, size = 0, linkname = ''): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(name).subarray(0, 100), 0);
  octal(h, 100, 8, type === '5' ? 0o755 : 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (size < 8 ** 11) octal(h, 124, 12, size);
  else {
    h[124] = 0x80; // GNU base-256
    let v = size;
    for (let i = 135; i > 124; i--) (h[i] = v % 256), (v = Math.floor(v / 256));
  }
  octal(h, 136, 12, 1_700_000_000);
  h[156] = type.charCodeAt(0);
  h.set(enc.encode(linkname).subarray(0, 100), 157);
  h.set(enc.encode('ustar\0'), 257);
  h.set(enc.encode('00'), 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

const pad = (n: number) => new Uint8Array((512 - (n % 512)) % 512);

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

/** A PAX 'x' or 'g' header with its records. */
export function pax(records: [string, string][], type: 'x' | 'g' = 'x'): Uint8Array {
  const recs: Uint8Array[] = [];
  for (const [k, v] of records) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    recs.push(enc.encode(`${len}${body}`));
  }
  const data = concat(recs);
  return concat([header(type === 'g' ? 'pax_global_header' : 'PaxHeader', type, data.length), data, pad(data.length)]);
}

/** A GNU 'L' long-name header followed by the entry's own header. */
export function gnuLong(name: string, type = '0'): Uint8Array {
  const data = enc.encode(name + '\0');
  return concat([header('././@LongLink', 'L', data.length), data, pad(data.length), header(name.slice(0, 99), type)]);
}

export function file(name: string, content: Uint8Array | string = ''): Uint8Array {
  const c = typeof content === 'string' ? enc.encode(content) : content;
  return concat([header(name, '0', c.length), c, pad(c.length)]);
}

export const END = new Uint8Array(1024);

export interface Blob_ {
  digest: string;
  bytes: Uint8Array;
}

export function blob(bytes: Uint8Array | string): Blob_ {
  const b = typeof bytes === 'string' ? enc.encode(bytes) : bytes;
  return { digest: `sha256:${sha(b)}`, bytes: b };
}

export const GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const ZST = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const TAR = 'application/vnd.oci.image.layer.v1.tar';

export interface LayerSpec {
  /** The stored layer bytes, or a digest/size of a blob the archive will carry some other way. */
  stored: Uint8Array;
  mediaType: string;
  diffId: string;
}

/** Manifest + config for these layers; returns the blobs (config, manifest) and the manifest descriptor. */
export function image(layers: { digest: string; size: number; mediaType: string; diffId: string }[]): { blobs: Blob_[]; manifest: Blob_ } {
  const config = blob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }),
  );
  return { blobs: [config, manifest], manifest };
}

export function indexJson(manifests: { digest: string; size: number; mediaType?: string }[]): Uint8Array {
  return enc.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: manifests.map((m) => ({ mediaType: m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size })),
    }),
  );
}

/** The files of an OCI layout as tar entries (no end blocks): oci-layout, index.json, blobs. */
export function layoutEntries(index: Uint8Array, blobs: Blob_[]): Uint8Array[] {
  const out = [file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), file('index.json', index)];
  const seen = new Set<string>();
  for (const b of blobs) {
    if (seen.has(b.digest)) continue;
    seen.add(b.digest);
    out.push(file(`blobs/sha256/${b.digest.slice(7)}`, b.bytes));
  }
  return out;
}

/** A one-image OCI layout tar (in memory) whose layers are these tars, stored as given. */
export function simpleImage(layers: LayerSpec[], opts: { before?: Uint8Array[]; after?: Uint8Array[] } = {}): Uint8Array {
  const lb = layers.map((l) => ({ ...blob(l.stored), mediaType: l.mediaType, diffId: l.diffId }));
  const { blobs, manifest } = image(lb.map((l) => ({ digest: l.digest, size: l.bytes.length, mediaType: l.mediaType, diffId: l.diffId })));
  const idx = indexJson([{ digest: manifest.digest, size: manifest.bytes.length }]);
  return concat([...(opts.before ?? []), ...layoutEntries(idx, [...blobs, ...lb]), ...(opts.after ?? []), END]);
}

/** A gzip layer of this tar (diff_id computed). */
export function gzLayer(tar: Uint8Array, level = 6): LayerSpec {
  return { stored: gz(tar, level), mediaType: GZ, diffId: `sha256:${sha(tar)}` };
}

// ---- zstd, written by hand: raw blocks for headers, RLE blocks for runs of one byte ------------------------

const ZSTD_BLOCK = 128 * 1024;

/** A zstd frame: `raw` as raw blocks, then `runBytes` copies of `runByte` as RLE blocks. No content size. */
export function zstdFrame(raw: Uint8Array, runBytes: number, runByte = 0): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, (17 - 10) << 3])]; // window 128 KiB
  const blocks: [number, number, Uint8Array][] = []; // type, size, body
  for (let i = 0; i < raw.length; i += ZSTD_BLOCK) {
    const b = raw.subarray(i, i + ZSTD_BLOCK);
    blocks.push([0, b.length, b]);
  }
  const full = Math.floor(runBytes / ZSTD_BLOCK);
  const rle = new Uint8Array([runByte]);
  const out: Uint8Array[] = [];
  const push = (type: number, size: number, body: Uint8Array, last: boolean) => {
    const v = (last ? 1 : 0) | (type << 1) | (size << 3);
    out.push(new Uint8Array([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]), body);
  };
  const rest = runBytes - full * ZSTD_BLOCK;
  const total = blocks.length + full + (rest ? 1 : 0);
  let k = 0;
  for (const [t, s, b] of blocks) push(t, s, b, ++k === total);
  for (let i = 0; i < full; i++) push(1, ZSTD_BLOCK, rle, ++k === total);
  if (rest) push(1, rest, rle, ++k === total);
  return concat([...parts, ...out]);
}

/** Writes chunks to a file (for the few inputs too large to build in memory). */
export async function writeChunks(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const ws = createWriteStream(path);
  for (const c of chunks) if (!ws.write(c)) await new Promise<void>((r) => ws.once('drain', () => r()));
  await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
}
