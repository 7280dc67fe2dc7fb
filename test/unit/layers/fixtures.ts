// Test images built from scratch: layers as tars made by our TarWriter's header encoder (tarBlob), compressed
// with fflate directly (not the code under test), wrapped in an OCI layout tar and opened with openImage.

import { gzipSync } from 'fflate';
import { tarBlob } from '../../../src/engine/tar/writer';
import type { TarHeaderInput } from '../../../src/engine/tar/types';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { memoryScratch } from '../../../src/engine/env';
import { openImage, type ImageArchive } from '../../../src/engine/oci/archive';
import { AnnotationRefName, MediaType, type Descriptor } from '../../../src/engine/oci/types';

export interface E {
  path: string;
  type?: TarHeaderInput['type'];
  link?: string;
  body?: string;
  mode?: number;
}

export const dir = (path: string): E => ({ path, type: 'dir' });
export const file = (path: string, body = path): E => ({ path, type: 'file', body });
export const sym = (path: string, link: string): E => ({ path, type: 'symlink', link });
export const hard = (path: string, link: string): E => ({ path, type: 'hardlink', link });
export const wh = (path: string): E => ({ path, type: 'file', body: '' });

const enc = new TextEncoder();

export async function tarBytes(entries: E[]): Promise<Uint8Array> {
  const blob = tarBlob(
    entries.map((e) => {
      const body = e.body !== undefined ? enc.encode(e.body) : undefined;
      return {
        header: { path: e.path, type: e.type ?? 'file', linkpath: e.link, mode: e.mode, mtime: 1700000000, size: body?.length },
        body,
      };
    }),
  );
  return new Uint8Array(await blob.arrayBuffer());
}

export interface BuiltLayer {
  bytes: Uint8Array;
  descriptor: Descriptor;
  diffId: string;
}

export async function layer(entries: E[], compress: 'gzip' | 'none' = 'gzip'): Promise<BuiltLayer> {
  const tar = await tarBytes(entries);
  const bytes = compress === 'gzip' ? gzipSync(tar, { level: 1, mtime: 0 }) : tar;
  const mediaType = compress === 'gzip' ? MediaType.OciLayerGzip : MediaType.OciLayer;
  return { bytes, diffId: await sha256Bytes(tar), descriptor: { mediaType, digest: await sha256Bytes(bytes), size: bytes.length } };
}

export interface LayoutSpec {
  layers: BuiltLayer[];
  tag?: string;
  /** Extra files in the layout tar (e.g. unreferenced blobs), path -> bytes. */
  extra?: Map<string, Uint8Array>;
  /** Tweak the config / manifest objects before they are serialized. */
  config?: (c: Record<string, unknown>) => void;
  manifest?: (m: Record<string, unknown>) => void;
  /** Put the manifest under a nested index (multi-platform style). */
  nested?: boolean;
}

export interface Built {
  blob: Blob;
  files: Map<string, Uint8Array>;
  manifestDigest: string;
  configDigest: string;
}

/** Files of an OCI layout for one image (path -> bytes). */
export async function layoutFiles(spec: LayoutSpec): Promise<Built> {
  const files = new Map<string, Uint8Array>();
  const put = async (bytes: Uint8Array) => {
    const d = await sha256Bytes(bytes);
    files.set(`blobs/sha256/${d.slice(7)}`, bytes);
    return d;
  };
  for (const l of spec.layers) await put(l.bytes);
  const config: Record<string, unknown> = {
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Labels: { 'x.unknown': 'kept' } },
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map((_, i) => ({ created_by: `layer ${i}` })),
    'x-unknown-field': { keep: true },
  };
  spec.config?.(config);
  const cfgBytes = enc.encode(JSON.stringify(config));
  const configDigest = await put(cfgBytes);
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest, size: cfgBytes.length },
    layers: spec.layers.map((l) => l.descriptor),
    annotations: { 'x.manifest': 'kept' },
  };
  spec.manifest?.(manifest);
  const mBytes = enc.encode(JSON.stringify(manifest));
  const manifestDigest = await put(mBytes);
  let top: Descriptor = {
    mediaType: MediaType.OciManifest,
    digest: manifestDigest,
    size: mBytes.length,
    platform: { architecture: 'amd64', os: 'linux' },
  };
  if (spec.nested) {
    const nested = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [top] }));
    top = { mediaType: MediaType.OciIndex, digest: await put(nested), size: nested.length };
  }
  top = { ...top, annotations: { [AnnotationRefName]: spec.tag ?? 'latest' } };
  files.set('oci-layout', enc.encode('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [top] })));
  for (const [p, b] of spec.extra ?? []) files.set(p, b);
  const blob = tarBlob(
    [...files].map(([path, body]) => ({ header: { path, type: 'file' as const, size: body.length, mtime: 0 }, body })),
  );
  return { blob, files, manifestDigest, configDigest };
}

export async function openBuilt(spec: LayoutSpec): Promise<{ archive: ImageArchive; built: Built }> {
  const built = await layoutFiles(spec);
  const archive = await openImage(built.blob, { scratch: memoryScratch() });
  return { archive, built };
}

export async function bytesOf(b: Blob): Promise<Uint8Array> {
  return new Uint8Array(await b.arrayBuffer());
}
