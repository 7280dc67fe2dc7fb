// Builds public/sample/sample-image.tar, the image the start screen offers with one click, with the project's
// own engine (tar writer, deterministic gzip, sha256, OCI archive writer): no third-party binaries.
//
// The image is tiny but real: a classic-layout base layer (bin/, etc/, ...), a config layer, and an app layer
// made the way the seed's umoci flow makes it — merged-usr `bin -> usr/bin` plus whiteouts *under* that
// symlink (`bin/.wh.ls`, ...). That is the defect issue 3 diagnoses, so the sample shows a Problem to fix.
// Everything is fixed (mtimes, owners, order, gzip header), so the output is byte-identical on every run.
//
// Usage: tsx scripts/make-sample.ts [OUT.tar]

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarBlob, type TarHeaderInput } from '../src/engine/tar/writer';
import { gzipStream } from '../src/engine/compress/gzip';
import { digestBlob, sha256Bytes } from '../src/engine/digest/index';
import { writeOciArchive } from '../src/engine/oci/write';
import { AnnotationCreated, AnnotationRefName, MediaType } from '../src/engine/oci/types';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../src/engine/oci/types';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? `${root}/public/sample/sample-image.tar`);

const MTIME = 1704067200; // 2024-01-01T00:00:00Z
const CREATED = '2024-01-01T00:00:00Z';
const enc = new TextEncoder();

type Node = { path: string; type: 'dir' | 'file' | 'symlink'; body?: string; mode?: number; linkpath?: string };

function layerTar(nodes: Node[]): Blob {
  return tarBlob(
    nodes.map((n) => {
      const body = n.body !== undefined ? enc.encode(n.body) : undefined;
      const header: TarHeaderInput = {
        path: n.path,
        type: n.type,
        size: body?.byteLength ?? 0,
        mode: n.mode ?? (n.type === 'dir' ? 0o755 : n.type === 'symlink' ? 0o777 : 0o644),
        uid: 0,
        gid: 0,
        mtime: MTIME,
        linkpath: n.linkpath,
      };
      return { header, body };
    }),
  );
}

const sh = '#!/bin/sh\n# a stand-in shell for the sample image\necho "layerwright sample: $*"\n';

// Layer 1: a classic (not merged-usr) base: real bin/, sbin/, lib/ directories.
const base: Node[] = [
  { path: 'bin/', type: 'dir' },
  { path: 'bin/cat', type: 'file', body: sh, mode: 0o755 },
  { path: 'bin/ls', type: 'file', body: sh, mode: 0o755 },
  { path: 'bin/sh', type: 'file', body: sh, mode: 0o755 },
  { path: 'etc/', type: 'dir' },
  { path: 'etc/group', type: 'file', body: 'root:x:0:\n' },
  { path: 'etc/hostname', type: 'file', body: 'sample\n' },
  { path: 'etc/os-release', type: 'file', body: 'NAME="Sample Linux"\nID=sample\nVERSION_ID=1.0\n' },
  { path: 'etc/passwd', type: 'file', body: 'root:x:0:0:root:/root:/bin/sh\n' },
  { path: 'lib/', type: 'dir' },
  { path: 'lib/ld-sample.so', type: 'file', body: 'not really a loader\n', mode: 0o755 },
  { path: 'root/', type: 'dir', mode: 0o700 },
  { path: 'tmp/', type: 'dir', mode: 0o1777 },
  { path: 'usr/', type: 'dir' },
  { path: 'usr/bin/', type: 'dir' },
  { path: 'usr/bin/env', type: 'file', body: sh, mode: 0o755 },
  { path: 'var/', type: 'dir' },
  { path: 'var/log/', type: 'dir' },
  { path: 'var/log/boot.log', type: 'file', body: 'booted\n' },
];

// Layer 2: configuration.
const conf: Node[] = [
  { path: 'etc/', type: 'dir' },
  { path: 'etc/motd', type: 'file', body: 'Welcome to the layerwright sample image.\n' },
  { path: 'etc/sample.conf', type: 'file', body: 'mode = demo\ncolor = true\n' },
];

// Layer 3: a merged-usr app as umoci repacks it after the seed deleted base bin/ (the defect): the symlink
// `bin -> usr/bin`, then whiteouts for the base's bin/* *inside* the symlink. Docker refuses this layer;
// containerd follows the symlink and deletes usr/bin/<name> from the base.
const app: Node[] = [
  { path: 'bin', type: 'symlink', linkpath: 'usr/bin' },
  { path: 'bin/.wh.cat', type: 'file', body: '' },
  { path: 'bin/.wh.ls', type: 'file', body: '' },
  { path: 'bin/.wh.sh', type: 'file', body: '' },
  { path: 'opt/', type: 'dir' },
  { path: 'opt/app/', type: 'dir' },
  { path: 'opt/app/README', type: 'file', body: 'The sample app. It only says hello.\n' },
  { path: 'usr/', type: 'dir' },
  { path: 'usr/bin/', type: 'dir' },
  { path: 'usr/bin/cat', type: 'file', body: sh, mode: 0o755 },
  { path: 'usr/bin/hello', type: 'file', body: '#!/bin/sh\necho "Hello from the layerwright sample"\n', mode: 0o755 },
  { path: 'usr/bin/ls', type: 'file', body: sh, mode: 0o755 },
  { path: 'usr/bin/sh', type: 'file', body: sh, mode: 0o755 },
];

async function gzip(blob: Blob): Promise<Blob> {
  return new Response(blob.stream().pipeThrough(gzipStream({ level: 9 }))).blob();
}

async function main() {
  const blobs = new Map<string, Blob>();
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const nodes of [base, conf, app]) {
    const tar = layerTar(nodes);
    diffIds.push(await digestBlob(tar));
    const gz = await gzip(tar);
    const digest = await digestBlob(gz);
    blobs.set(digest, gz);
    layers.push({ mediaType: MediaType.OciLayerGzip, digest, size: gz.size });
  }

  const config: ImageConfig = {
    created: CREATED,
    author: 'layerwright make-sample',
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_MODE=demo'],
      Cmd: ['/bin/sh'],
      WorkingDir: '/opt/app',
      Labels: {
        'org.opencontainers.image.title': 'layerwright sample',
        'org.opencontainers.image.description': 'A tiny merged-usr app on a classic base, with the seed whiteout defect',
        'org.opencontainers.image.version': '1.0',
        [AnnotationCreated]: CREATED,
      },
      StopSignal: 'SIGTERM',
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      { created: CREATED, created_by: 'make-sample: classic base rootfs (bin/, etc/, lib/, usr/, var/)' },
      { created: CREATED, created_by: 'make-sample: ENV APP_MODE=demo', empty_layer: true },
      { created: CREATED, created_by: 'make-sample: /etc configuration' },
      { created: CREATED, created_by: 'umoci repack (merged-usr app: bin -> usr/bin, with whiteouts under bin/)' },
    ],
  };
  const configBytes = enc.encode(JSON.stringify(config));
  const configDesc: Descriptor = { mediaType: MediaType.OciConfig, digest: await sha256Bytes(configBytes), size: configBytes.byteLength };
  blobs.set(configDesc.digest, new Blob([configBytes]));

  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: configDesc, layers };
  const manifestBytes = enc.encode(JSON.stringify(manifest));
  const manifestDigest = await sha256Bytes(manifestBytes);
  blobs.set(manifestDigest, new Blob([manifestBytes]));

  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      {
        mediaType: MediaType.OciManifest,
        digest: manifestDigest,
        size: manifestBytes.byteLength,
        annotations: { [AnnotationRefName]: 'latest' },
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  };

  const archive = writeOciArchive({ blobs, index });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, new Uint8Array(await archive.arrayBuffer()));
  console.log(`sample image: ${out} (${archive.size} bytes, manifest ${manifestDigest})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
