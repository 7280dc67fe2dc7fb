// Small archives the build tests make: rootfs tarballs from a list of entries, and reading a built layer back.
import { gzipSync } from 'fflate';
import { tarBlob } from '../../../src/engine/tar/writer';
import { readTar } from '../../../src/engine/tar/reader';
import { decompressBlob } from '../../../src/engine/compress/decompress';
import type { TarEntryType, TarHeaderInput } from '../../../src/engine/tar/types';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { build, type BuildInputs } from '../../../src/engine/ops/build';

export type Spec =
  | string // "path/" dir, "path" empty file
  | [path: string, content: string] // file
  | [path: string, '->', target: string] // symlink
  | [path: string, '=>', target: string] // hardlink
  | { h: TarHeaderInput; body?: string };

const enc = new TextEncoder();

export function rootfsTar(specs: Spec[], opts: { prefix?: string; mtime?: number } = {}): Blob {
  const pre = opts.prefix ?? './';
  const files = specs.map((s) => {
    let h: TarHeaderInput;
    let body: Uint8Array | undefined;
    const base = { mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: opts.mtime ?? 1_700_000_000 };
    if (typeof s === 'string') {
      const dir = s.endsWith('/');
      h = { ...base, path: pre + s, type: (dir ? 'dir' : 'file') as TarEntryType, size: 0, mode: dir ? 0o755 : 0o644 };
    } else if (Array.isArray(s) && s.length === 2) {
      body = enc.encode(s[1]);
      h = { ...base, path: pre + s[0], type: 'file', size: body.length };
    } else if (Array.isArray(s)) {
      h = { ...base, path: pre + s[0], type: s[1] === '->' ? 'symlink' : 'hardlink', linkpath: s[1] === '->' ? s[2] : pre + s[2], mode: 0o777 };
    } else {
      h = s.h;
      body = s.body === undefined ? undefined : enc.encode(s.body);
    }
    return { header: h, body };
  });
  return tarBlob(files);
}

export async function gz(b: Blob): Promise<Blob> {
  return new Blob([gzipSync(new Uint8Array(await b.arrayBuffer())) as BlobPart]);
}

export interface ReadEntry {
  path: string;
  type: TarEntryType;
  linkpath: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  mtime: number;
  text?: string;
}

export async function readLayer(blob: Blob): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  for await (const item of readTar(decompressBlob(blob))) {
    const e = item.entry;
    const r: ReadEntry = { path: e.path, type: e.type, linkpath: e.linkpath, mode: e.mode, uid: e.uid, gid: e.gid, uname: e.uname, mtime: e.mtime };
    if (e.type === 'file') {
      const parts: Uint8Array[] = [];
      for await (const c of item.data()) parts.push(c.slice());
      r.text = await new Blob(parts as BlobPart[]).text();
    }
    out.push(r);
  }
  return out;
}

export const env = { scratch: memoryScratch() };

/** Builds and re-opens the OCI archive, so tests check what a reader of the output sees. */
export async function buildAndOpen(inputs: BuildInputs) {
  const res = await build(inputs, env);
  const archive = await openImage(writeOciArchive(res.out), env);
  return { res, archive, image: archive.images[0] };
}

export async function layersOf(image: { layers: { blob?: Blob }[] }): Promise<ReadEntry[][]> {
  return Promise.all(image.layers.map((l) => readLayer(l.blob!)));
}

export const paths = (es: ReadEntry[]) => es.map((e) => e.path);
