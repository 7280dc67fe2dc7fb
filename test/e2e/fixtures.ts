// Images the end-to-end tests open, made once per run under .tmp/e2e/ from the build's sample image and the
// engine's own writers (nothing downloaded, no third-party tools except GNU tar to unpack a folder).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, createWriteStream, existsSync, ftruncateSync, mkdirSync, openAsBlob, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { scanTar } from '../../src/engine/tar/reader';
import { tarBlob } from '../../src/engine/tar/writer';
import { sha256Bytes } from '../../src/engine/digest/index';
import { writeOciArchive } from '../../src/engine/oci/write';
import { AnnotationRefName, MediaType, type ImageConfig, type ImageManifest } from '../../src/engine/oci/types';
import { ROOT } from './harness';

export const FIXTURES = join(ROOT, '.tmp/e2e');

export interface Fixtures {
  sample: string;
  /** The sample with one byte of a gzip layer header changed: that blob no longer matches its digest. */
  corrupted: string;
  corruptedBlob: string;
  /** The sample unpacked into a folder (an OCI layout directory). */
  folder: string;
  /** An image with one big uncompressed layer, so Verify runs long enough to watch and cancel. */
  big: string;
  bigSize: number;
  /** `big` gzip-compressed: opening it spools the layer into scratch files (OPFS in the browser). */
  bigGz: string;
  /** Two platforms (linux/amd64, linux/arm64/v8) of one tag in one index. */
  multi: string;
  /** A 1 GiB layer (a sparse file on disk): Verify takes long enough to be cancelled on any machine. */
  huge: string;
  hugeSize: number;
}

export async function makeFixtures(): Promise<Fixtures> {
  mkdirSync(FIXTURES, { recursive: true });
  const sample = join(FIXTURES, 'sample-image.tar');
  copyFileSync(join(ROOT, 'dist/sample/sample-image.tar'), sample);

  const corrupted = join(FIXTURES, 'corrupted.tar');
  copyFileSync(sample, corrupted);
  const corruptedBlob = await corruptFirstGzipBlob(corrupted);

  const folder = join(FIXTURES, 'sample-folder');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  const r = spawnSync('tar', ['-xf', sample, '-C', folder]);
  if (r.status !== 0) throw new Error(`tar -xf failed: ${r.stderr}`);

  const bigSize = 192 * 1024 * 1024;
  const big = join(FIXTURES, `big-${bigSize}.tar`);
  if (!existsSync(big)) await makeBig(big, bigSize);
  const hugeSize = 1024 * 1024 * 1024;
  const huge = join(FIXTURES, `huge-${hugeSize}.tar`);
  if (!existsSync(huge)) await makeBig(huge, hugeSize);
  const bigGz = `${big}.gz`;
  if (!existsSync(bigGz)) {
    const z = spawnSync('sh', ['-c', `gzip -1 -n -c "${big}" > "${bigGz}.part" && mv "${bigGz}.part" "${bigGz}"`]);
    if (z.status !== 0) throw new Error(`gzip failed: ${z.stderr}`);
  }
  const multi = join(FIXTURES, 'multi-platform.tar');
  await makeMulti(multi);
  return { sample, corrupted, corruptedBlob, folder, big, bigSize, bigGz, multi, huge, hugeSize };
}

/** Changes the gzip header's MTIME byte: the layer still decompresses, but its digest no longer matches. */
async function corruptFirstGzipBlob(path: string): Promise<string> {
  const entries = await scanTar(await openAsBlob(path));
  const fd = openSync(path, 'r+');
  try {
    for (const e of entries) {
      const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(e.path);
      if (!m || e.size < 10) continue;
      const head = Buffer.alloc(2);
      readSync(fd, head, 0, 2, e.dataOffset);
      if (head[0] !== 0x1f || head[1] !== 0x8b) continue;
      writeSync(fd, Buffer.from([0x2a]), 0, 1, e.dataOffset + 4);
      return `sha256:${m[1]}`;
    }
  } finally {
    closeSync(fd);
  }
  throw new Error('the sample has no gzip layer to corrupt');
}

async function makeMulti(path: string): Promise<void> {
  const enc = new TextEncoder();
  const blobs = new Map<string, Blob>();
  const put = async (bytes: Uint8Array) => {
    const d = await sha256Bytes(bytes);
    blobs.set(d, new Blob([bytes as Uint8Array<ArrayBuffer>]));
    return d;
  };
  const layer = new Uint8Array(await tarBlob([{ header: { path: 'hello', type: 'file', size: 3, mtime: 0 }, body: enc.encode('hi\n') }]).arrayBuffer());
  const layerDigest = await put(layer);
  const manifests = [];
  for (const [architecture, variant] of [['amd64', undefined], ['arm64', 'v8']] as const) {
    const config: ImageConfig = {
      architecture,
      os: 'linux',
      ...(variant ? { variant } : {}),
      config: { Cmd: [`/bin/hello-${architecture}`] },
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    };
    const configBytes = enc.encode(JSON.stringify(config));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: await put(configBytes), size: configBytes.byteLength },
      layers: [{ mediaType: MediaType.OciLayer, digest: layerDigest, size: layer.byteLength }],
    };
    const manifestBytes = enc.encode(JSON.stringify(manifest));
    manifests.push({
      mediaType: MediaType.OciManifest,
      digest: await put(manifestBytes),
      size: manifestBytes.byteLength,
      platform: { architecture, os: 'linux', ...(variant ? { variant } : {}) },
    });
  }
  const nestedBytes = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  const nested = { mediaType: MediaType.OciIndex, digest: await put(nestedBytes), size: nestedBytes.byteLength, annotations: { [AnnotationRefName]: 'multi' } };
  const archive = writeOciArchive({ blobs, index: { schemaVersion: 2, manifests: [nested] } });
  await pipeline(Readable.fromWeb(archive.stream() as import('node:stream/web').ReadableStream), createWriteStream(path));
}

/** sha256 with Node's native hash: fixtures of a GiB should not wait for the engine's JS hash. */
async function nodeDigest(blob: Blob): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) h.update(chunk);
  return `sha256:${h.digest('hex')}`;
}

/** Writes a Blob to disk, seeking over all-zero chunks so the file stays sparse (no GiB of zeros on disk). */
async function writeSparse(blob: Blob, path: string): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    let pos = 0;
    let zeros = Buffer.alloc(0);
    for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) {
      if (zeros.length < chunk.length) zeros = Buffer.alloc(chunk.length);
      const isZero = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).equals(zeros.subarray(0, chunk.length));
      if (!isZero) writeSync(fd, chunk, 0, chunk.length, pos);
      pos += chunk.length;
    }
    ftruncateSync(fd, pos);
  } finally {
    closeSync(fd);
  }
}

async function makeBig(path: string, size: number): Promise<void> {
  const enc = new TextEncoder();
  // One file of zeros in an uncompressed layer: its digest is also its diff_id. The zeros are a sparse file.
  const zerosPath = `${path}.zeros`;
  const fd = openSync(zerosPath, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  const layer = tarBlob([
    { header: { path: 'data/', type: 'dir', mode: 0o755, mtime: 0 } },
    { header: { path: 'data/zeros.bin', type: 'file', size, mode: 0o644, mtime: 0 }, body: await openAsBlob(zerosPath) },
  ]);
  const layerDigest = await nodeDigest(layer);
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
    history: [{ created_by: 'e2e fixture: one big layer' }],
  };
  const configBytes = enc.encode(JSON.stringify(config));
  const configDigest = await sha256Bytes(configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configBytes.byteLength },
    layers: [{ mediaType: MediaType.OciLayer, digest: layerDigest, size: layer.size }],
  };
  const manifestBytes = enc.encode(JSON.stringify(manifest));
  const manifestDigest = await sha256Bytes(manifestBytes);
  const archive = writeOciArchive({
    blobs: new Map([
      [layerDigest, layer],
      [configDigest, new Blob([configBytes])],
      [manifestDigest, new Blob([manifestBytes])],
    ]),
    index: {
      schemaVersion: 2,
      manifests: [
        { mediaType: MediaType.OciManifest, digest: manifestDigest, size: manifestBytes.byteLength, annotations: { [AnnotationRefName]: 'big' } },
      ],
    },
  });
  const tmp = `${path}.part`;
  await writeSparse(archive, tmp);
  renameSync(tmp, path);
  rmSync(zerosPath);
}

/**
 * An image the automatic diagnosis needs seconds for, with the whiteout defect: a small classic base (`bin/sh`),
 * then an uncompressed app layer with `bin -> usr/bin` + `bin/.wh.sh`, `files` small files and one `zeros` byte
 * file (sparse on disk). Listing the merged files parses headers and seeks past the big body; the diagnosis
 * hashes every byte (digest, diff_id), so it runs long enough to overlap the user's requests.
 */
export async function makeBusy(path: string, files = 20_000, zeros = 256 * 1024 * 1024): Promise<void> {
  if (existsSync(path)) return;
  const enc = new TextEncoder();
  const h = { mode: 0o644, mtime: 1_700_000_000, uid: 0, gid: 0 };
  const base = tarBlob([
    { header: { ...h, path: 'bin/', type: 'dir', mode: 0o755 } },
    { header: { ...h, path: 'bin/sh', type: 'file', size: 4 }, body: enc.encode('#sh\n') },
    { header: { ...h, path: 'usr/', type: 'dir', mode: 0o755 } },
    { header: { ...h, path: 'usr/bin/', type: 'dir', mode: 0o755 } },
  ]);
  const zerosPath = `${path}.zeros`;
  const fd = openSync(zerosPath, 'w');
  ftruncateSync(fd, zeros);
  closeSync(fd);
  const entries: Parameters<typeof tarBlob>[0] = [
    { header: { ...h, path: 'bin', type: 'symlink', linkpath: 'usr/bin', mode: 0o777 } },
    { header: { ...h, path: 'bin/.wh.sh', type: 'file', size: 0 } },
    { header: { ...h, path: 'usr/bin/sh', type: 'file', size: 5 }, body: enc.encode('#sh2\n') },
    { header: { ...h, path: 'data/', type: 'dir', mode: 0o755 } },
  ];
  for (let i = 0; i < files; i++) {
    if (i % 500 === 0) entries.push({ header: { ...h, path: `data/d${i / 500}/`, type: 'dir', mode: 0o755 } });
    const body = enc.encode(`file ${i}\n`);
    entries.push({ header: { ...h, path: `data/d${Math.floor(i / 500)}/f${i}.txt`, type: 'file', size: body.length }, body });
  }
  entries.push({ header: { ...h, path: 'data/zeros.bin', type: 'file', size: zeros }, body: await openAsBlob(zerosPath) });
  const app = tarBlob(entries);
  const layers = [base, app];
  const diffIds = await Promise.all(layers.map(nodeDigest));
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [{ created_by: 'e2e fixture: base' }, { created_by: 'e2e fixture: busy app layer' }],
  };
  const configBytes = enc.encode(JSON.stringify(config));
  const configDigest = await sha256Bytes(configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configBytes.byteLength },
    layers: layers.map((l, i) => ({ mediaType: MediaType.OciLayer, digest: diffIds[i], size: l.size })),
  };
  const manifestBytes = enc.encode(JSON.stringify(manifest));
  const manifestDigest = await sha256Bytes(manifestBytes);
  const archive = writeOciArchive({
    blobs: new Map([
      [diffIds[0], base],
      [diffIds[1], app],
      [configDigest, new Blob([configBytes])],
      [manifestDigest, new Blob([manifestBytes])],
    ]),
    index: {
      schemaVersion: 2,
      manifests: [{ mediaType: MediaType.OciManifest, digest: manifestDigest, size: manifestBytes.byteLength, annotations: { [AnnotationRefName]: 'busy' } }],
    },
  });
  const tmp = `${path}.part`;
  await writeSparse(archive, tmp);
  renameSync(tmp, path);
  rmSync(zerosPath);
}
