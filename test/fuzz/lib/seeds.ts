// Valid seed archives the fuzzer mutates, built in memory by the test (no fixtures on disk):
// an OCI layout tar with gzip layers, the same layout as tar.gz, a legacy docker-archive, a Docker >= 25
// archive (OCI layout + manifest.json), and a layer tar with PAX and GNU long names.
// `ociFiles`/`dockerFiles` take hooks so mutators can corrupt JSON or descriptors and still re-chain digests
// (a mutation that is re-chained reaches deeper code than one a digest check stops at the door).

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildTar, type BEntry, type TarLayout } from './tarbuild';

const enc = new TextEncoder();
export const hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
export const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 6 }));

/** Deterministic filler: compressible text mixed with pseudo-random bytes. */
function filler(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = i % 64 < 40 ? 97 + (i % 26) : x & 0xff;
  }
  return out;
}

const LONG_DIR = 'usr/share/very/' + 'deeply-nested-directory-name/'.repeat(5);

/** Layer A: every tar feature the reader must handle — PAX (path, linkpath, xattrs, fractional mtime),
 * GNU L/K long names, a global PAX header, base-256 numbers, hardlink, symlink, devices, fifo, whiteouts. */
export function layerAEntries(): BEntry[] {
  return [
    { path: 'etc/', type: '5' },
    { path: 'etc/hostname', data: enc.encode('fuzz\n') },
    { path: 'etc/passwd', data: filler(3000, 7), uname: 'root', gname: 'root' },
    { path: 'etc/empty', data: new Uint8Array(0) },
    { path: LONG_DIR + 'pax-long-file.txt', data: filler(700, 3) },
    { path: LONG_DIR + 'gnu-long-file.txt', data: filler(100, 5), gnu: true },
    { path: 'usr/lib/link-pax', type: '2', linkpath: LONG_DIR + 'pax-long-file.txt' },
    { path: 'usr/lib/link-gnu', type: '2', linkpath: LONG_DIR + 'gnu-long-file.txt', gnu: true },
    { path: 'usr/lib/hard', type: '1', linkpath: 'etc/passwd' },
    { path: 'usr/lib/sym', type: '2', linkpath: '../../etc/hostname' },
    { path: 'dev/null', type: '3', devmajor: 1, devminor: 3, mode: 0o666 },
    { path: 'dev/sda', type: '4', devmajor: 8, devminor: 0 },
    { path: 'run/fifo', type: '6' },
    { path: 'data/xattr', data: enc.encode('x'), pax: { 'SCHILY.xattr.user.note': 'hello', mtime: '1700000000.123456789' } },
    { path: 'data/b256', data: enc.encode('big uid'), uid: 0o7777777 + 5, gid: 3, base256: true },
    { path: 'data/ünïcode-名前.txt', data: enc.encode('utf8'), pax: { path: 'data/ünïcode-名前.txt' } },
    { path: 'data/.wh.gone', data: new Uint8Array(0) },
    { path: 'data/sub/.wh..wh..opq', data: new Uint8Array(0) },
  ];
}

/** Layer B: the seed's defect, `bin -> usr/bin` followed by whiteouts under it. */
export function layerBEntries(): BEntry[] {
  return [
    { path: 'bin', type: '2', linkpath: 'usr/bin' },
    { path: 'bin/.wh.bash', data: new Uint8Array(0) },
    { path: 'bin/.wh.cat', data: new Uint8Array(0) },
    { path: 'usr/', type: '5' },
    { path: 'usr/bin/', type: '5' },
    { path: 'usr/bin/bash', data: filler(2000, 11), mode: 0o755 },
    { path: 'usr/bin/cat', data: filler(500, 13), mode: 0o755 },
  ];
}

export function layerA(): { bytes: Uint8Array; layout: TarLayout } {
  return buildTar(layerAEntries(), { globalPax: { comment: 'layerwright fuzz seed' } });
}
export function layerB(): { bytes: Uint8Array; layout: TarLayout } {
  return buildTar(layerBEntries());
}

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface OciHooks {
  /** Layer blobs as stored; default gzip of `layerTars`. */
  layerBlobs?: Uint8Array[];
  layerTars?: Uint8Array[];
  mediaTypes?: string[];
  diffIds?: string[];
  config?: (c: Json) => Json;
  manifest?: (m: Json) => Json;
  index?: (i: Json) => Json;
  /** Raw text replacing the serialized JSON (after the hooks), still re-chained by digest. */
  configText?: string;
  manifestText?: string;
  indexText?: string;
  /** Change files after everything is named (no re-chaining): delete with `undefined`. */
  files?: (f: Map<string, Uint8Array>) => void;
}

export interface BuiltImage {
  files: Map<string, Uint8Array>;
  layerDigests: string[];
  configDigest: string;
  manifestDigest: string;
}

export function defaultLayers(): { tars: Uint8Array[] } {
  return { tars: [layerA().bytes, layerB().bytes] };
}

/** An OCI image layout as a file map. */
export function ociFiles(h: OciHooks = {}): BuiltImage {
  const tars = h.layerTars ?? defaultLayers().tars;
  const blobs = h.layerBlobs ?? tars.map(gz);
  const mts = h.mediaTypes ?? blobs.map(() => 'application/vnd.oci.image.layer.v1.tar+gzip');
  const diffIds = h.diffIds ?? tars.map((t) => 'sha256:' + hex(t));
  let config: Json = {
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/bin:/bin'], Labels: { a: 'b' } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: blobs.map((_, i) => ({ created_by: `layer ${i}` })),
  };
  if (h.config) config = h.config(config);
  const configText = h.configText ?? JSON.stringify(config);
  const configDigest = hex(configText);
  const layerDigests = blobs.map((b) => hex(b));
  let manifest: Json = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + configDigest, size: enc.encode(configText).length },
    layers: blobs.map((b, i) => ({ mediaType: mts[i], digest: 'sha256:' + layerDigests[i], size: b.length })),
  };
  if (h.manifest) manifest = h.manifest(manifest);
  const manifestText = h.manifestText ?? JSON.stringify(manifest);
  const manifestDigest = hex(manifestText);
  let index: Json = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:' + manifestDigest,
        size: enc.encode(manifestText).length,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'org.opencontainers.image.ref.name': 'latest' },
      },
    ],
  };
  if (h.index) index = h.index(index);
  const indexText = h.indexText ?? JSON.stringify(index);
  const files = new Map<string, Uint8Array>();
  files.set('oci-layout', enc.encode('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', enc.encode(indexText));
  files.set('blobs/sha256/' + configDigest, enc.encode(configText));
  files.set('blobs/sha256/' + manifestDigest, enc.encode(manifestText));
  blobs.forEach((b, i) => files.set('blobs/sha256/' + layerDigests[i], b));
  h.files?.(files);
  return { files, layerDigests, configDigest, manifestDigest };
}

export interface DockerHooks {
  layerTars?: Uint8Array[];
  diffIds?: string[];
  config?: (c: Json) => Json;
  manifest?: (m: Json) => Json;
  configText?: string;
  manifestText?: string;
  files?: (f: Map<string, Uint8Array>) => void;
}

/** A legacy `docker save` archive: manifest.json, <id>/layer.tar, <config>.json, repositories. */
export function dockerFiles(h: DockerHooks = {}): BuiltImage {
  const tars = h.layerTars ?? defaultLayers().tars;
  const diffIds = h.diffIds ?? tars.map((t) => 'sha256:' + hex(t));
  let config: Json = {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: tars.map((_, i) => ({ created_by: `layer ${i}` })),
  };
  if (h.config) config = h.config(config);
  const configText = h.configText ?? JSON.stringify(config);
  const configDigest = hex(configText);
  const ids = tars.map((t, i) => hex(`${i}:${hex(t)}`));
  let manifest: Json = [{ Config: configDigest + '.json', RepoTags: ['fuzz:latest'], Layers: ids.map((id) => id + '/layer.tar') }];
  if (h.manifest) manifest = h.manifest(manifest);
  const files = new Map<string, Uint8Array>();
  files.set(configDigest + '.json', enc.encode(configText));
  tars.forEach((t, i) => {
    files.set(ids[i] + '/VERSION', enc.encode('1.0'));
    files.set(ids[i] + '/json', enc.encode(JSON.stringify({ id: ids[i] })));
    files.set(ids[i] + '/layer.tar', t);
  });
  files.set('manifest.json', enc.encode(h.manifestText ?? JSON.stringify(manifest)));
  files.set('repositories', enc.encode(JSON.stringify({ fuzz: { latest: ids[ids.length - 1] } })));
  h.files?.(files);
  return { files, layerDigests: tars.map((t) => hex(t)), configDigest, manifestDigest: '' };
}

/** A Docker >= 25 `docker save`: OCI layout plus manifest.json pointing into blobs/. */
export function docker25Files(h: OciHooks = {}): BuiltImage {
  const img = ociFiles(h);
  const m = [
    {
      Config: 'blobs/sha256/' + img.configDigest,
      RepoTags: ['fuzz:latest'],
      Layers: img.layerDigests.map((d) => 'blobs/sha256/' + d),
    },
  ];
  if (!img.files.has('manifest.json')) img.files.set('manifest.json', enc.encode(JSON.stringify(m)));
  return img;
}

/** Packs a file map into a tar (sorted, with directory entries), as a layout archive is shipped. */
export function packFiles(files: Map<string, Uint8Array>): { bytes: Uint8Array; layout: TarLayout } {
  const dirs = new Set<string>();
  for (const p of files.keys()) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  const entries: BEntry[] = [...dirs].sort().map((d) => ({ path: d, type: '5' }));
  for (const p of [...files.keys()].sort()) entries.push({ path: p, data: files.get(p)! });
  return buildTar(entries);
}
