// `docker save` archives read through manifest.json: the legacy form (`<id>/layer.tar`, `<hex>.json` config,
// `repositories`) and, when index.json is unusable, Docker >= 25's form (paths `blobs/sha256/<hex>`).
// There is no stored manifest: one is synthesized (Docker schema 2) so the rest of the engine sees one model.

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { FileTree } from './tree';
import { safeJoin } from './tree';
import { asConfig, asManifest, decodeDoc, readJson, sniffKind } from './json';
import type { Image } from './model';
import { makeLayer, type Layer } from './layer';
import type { Descriptor, DockerManifestEntry, ImageManifest, Platform } from './types';
import { AnnotationRefName, DIGEST_RE, MediaType } from './types';
import type { ImageIndex } from './types';
import { sha256Bytes, digestBlob } from '../digest';
import { sniffBlob } from '../compress/detect';

function corrupt(what: string): LwError {
  return new LwError('corrupt', `manifest.json: ${what}`, { entry: 'manifest.json' });
}

/**
 * Validates manifest.json's shape: an array of {Config, RepoTags, Layers}, read as moby's tarexport reads it
 * (Go's encoding/json: keys match case-insensitively, so jib's lowercase `config`/`repoTags`/`layers` are the
 * same fields; the last spelling wins). Ambiguous spellings are reported by diagnose/verify, not here.
 */
export function parseDockerManifest(v: unknown): DockerManifestEntry[] {
  if (!Array.isArray(v)) throw corrupt('must be a JSON array of images.');
  v.forEach((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw corrupt(`entry ${i} is not an object.`);
  });
  let entries: Record<string, unknown>[];
  try {
    entries = decodeDoc(v, 'docker-manifest', 'manifest.json').value as Record<string, unknown>[];
  } catch (e) {
    throw corrupt((e as Error).message.replace(/^manifest\.json: /, ''));
  }
  return entries.map((e, i) => {
    const { Config, RepoTags, Layers } = e;
    if (typeof Config !== 'string') throw corrupt(`entry ${i} has no "Config" path.`);
    if (!Array.isArray(Layers) || Layers.some((l) => typeof l !== 'string')) throw corrupt(`entry ${i} has no "Layers" list of paths.`);
    if (RepoTags != null && (!Array.isArray(RepoTags) || RepoTags.some((t) => typeof t !== 'string')))
      throw corrupt(`entry ${i} has a malformed "RepoTags".`);
    return e as unknown as DockerManifestEntry;
  });
}

const HEX64 = /^([a-f0-9]{64})/;

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Config files are named by their digest: legacy `<hex>.json`, Docker >= 25 `blobs/sha256/<hex>`. */
export function configDigestFromPath(path: string): string | undefined {
  const m = /^([a-f0-9]{64})(\.json)?$/.exec(baseName(path));
  return m ? `sha256:${m[1]}` : undefined;
}

/** Layer files named by a digest: `blobs/sha256/<hex>` or skopeo's `<hex>.tar`. Legacy `<id>/layer.tar` is not. */
function layerDigestFromPath(path: string): string | undefined {
  const clean = safeJoin(path);
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(clean) ?? /^([a-f0-9]{64})\.tar$/.exec(baseName(clean));
  return m ? `sha256:${m[1]}` : undefined;
}

export interface DockerRead {
  images: Image[];
  /** Digest → file, for ImageArchive.blob(): configs, layers and the synthesized manifests. */
  blobs: Map<string, Blob>;
  warnings: string[];
}

/**
 * A layer's descriptor digest names the bytes as stored. A legacy layer.tar is uncompressed, so its digest is
 * its diff_id: taken from the config (not computed, verify checks it). Only a layer that is compressed or has
 * no diff_id and no digest-named path is hashed here, at open time (rare: Docker itself never writes those).
 */
export async function readDockerArchive(tree: FileTree, entries: DockerManifestEntry[], opts: OpOptions): Promise<DockerRead> {
  const out: DockerRead = { images: [], blobs: new Map(), warnings: [] };
  const repositories = await readRepositories(tree, out.warnings);
  for (const entry of entries) {
    throwIfAborted(opts.signal);
    const configBlob = tree.get(entry.Config);
    if (!configBlob)
      throw new LwError('missing-blob', `The config ${entry.Config} named by manifest.json is not in the archive.`, { entry: entry.Config });
    const { value, bytes } = await readJson(configBlob, entry.Config);
    const config = asConfig(value, entry.Config);
    // Named by its digest, as Docker writes it; but what counts is what the bytes hash to (moby's loader hashes the
    // content too), so a config under another name is still the image's config, under its real address.
    const configDigest = await sha256Bytes(bytes);
    if (configDigestFromPath(entry.Config) && configDigestFromPath(entry.Config) !== configDigest)
      out.warnings.push(`The config ${entry.Config} is not named by its digest; it hashes to ${configDigest} (Docker loads it by its content).`);
    out.blobs.set(configDigest, configBlob);
    const diffIds = config.rootfs?.diff_ids ?? [];

    const layers: Layer[] = [];
    for (const [index, path] of entry.Layers.entries()) {
      const blob = tree.get(path);
      const diffId = diffIds[index];
      const descriptor = await layerDescriptor(path, blob, diffId, entry, opts);
      if (blob) out.blobs.set(descriptor.digest, blob);
      const digestFromDiffId = descriptor.digest === diffId;
      layers.push(makeLayer({ index, descriptor, diffId, blob, path, ...(digestFromDiffId ? { digestFromDiffId } : {}) }));
    }

    // Docker >= 25 stores the manifest too, even when its index.json lists none (`"manifests": null` after
    // `docker save <id>`): use that one, under its own digest, rather than make one up.
    const stored = await storedManifest(tree, entry, configDigest, layers.map((l) => l.descriptor.digest));
    const manifest: ImageManifest = stored?.manifest ?? {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, size: configBlob.size, digest: configDigest },
      layers: layers.map((l) => l.descriptor),
    };
    if (stored) layers.forEach((l, i) => (l.descriptor = manifest.layers[i]));
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
    const manifestBlob = stored?.blob ?? new Blob([manifestBytes]);
    const manifestDescriptor: Descriptor = stored?.descriptor ?? {
      mediaType: MediaType.DockerManifest,
      digest: await sha256Bytes(manifestBytes),
      size: manifestBytes.length,
    };
    out.blobs.set(manifestDescriptor.digest, manifestBlob);
    const platform: Platform | undefined = config.os || config.architecture
      ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
      : undefined;
    let tags = entry.RepoTags ?? [];
    if (tags.length === 0 && layers.length) tags = repositories.get(topLayerId(entry)) ?? [];
    out.images.push({
      tags: [...new Set(tags)],
      platform,
      manifestDescriptor,
      manifest,
      config,
      configBlob,
      configPath: entry.Config,
      layers,
      ...(stored ? { manifestBlob: stored.blob } : {}),
    });
  }
  return out;
}

async function layerDescriptor(
  path: string,
  blob: Blob | undefined,
  diffId: string | undefined,
  entry: DockerManifestEntry,
  opts: OpOptions,
): Promise<Descriptor> {
  if (!blob) {
    // Foreign (non-distributable) layers are not in the archive; LayerSources says what they are.
    const foreign = diffId ? entry.LayerSources?.[diffId] : undefined;
    if (foreign) return foreign;
    const digest = layerDigestFromPath(path) ?? diffId;
    if (!digest || !DIGEST_RE.test(digest))
      throw new LwError('missing-blob', `The layer ${path} is not in the archive and the config names no diff_id for it.`, { entry: path });
    return { mediaType: MediaType.DockerLayer, digest, size: 0 };
  }
  const compression = await sniffBlob(blob);
  const mediaType =
    compression === 'none' ? MediaType.DockerLayer
    : compression === 'gzip' ? MediaType.DockerLayerGzip
    : compression === 'zstd' ? MediaType.OciLayerZstd
    : `application/x-${compression}`; // bzip2/xz: kept visible; verify reports it as unsupported
  let digest = layerDigestFromPath(path);
  if (!digest && compression === 'none' && diffId && DIGEST_RE.test(diffId)) digest = diffId;
  digest ??= await digestBlob(blob, opts);
  return { mediaType, digest, size: blob.size };
}

/** Manifests are small; layers and other blobs are skipped by size before anything is read. */
const MAX_MANIFEST_PROBE = 1024 * 1024;
const MAX_PROBES = 256;

/**
 * The stored manifest of a Docker >= 25 entry (paths `blobs/sha256/<hex>`): a blob that parses as a manifest
 * naming this config and exactly these layers, by digest. Bounded: at most MAX_PROBES small blobs are read.
 */
async function storedManifest(
  tree: FileTree,
  entry: DockerManifestEntry,
  configDigest: string,
  layerDigests: string[],
): Promise<{ manifest: ImageManifest; blob: Blob; descriptor: Descriptor } | undefined> {
  if (!/^blobs\/sha256\/[a-f0-9]{64}$/.test(safeJoin(entry.Config))) return undefined;
  const skip = new Set([safeJoin(entry.Config), ...entry.Layers.map((p) => safeJoin(p))]);
  let probes = 0;
  for (const path of tree.paths()) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
    const blob = m && !skip.has(path) ? tree.get(path) : undefined;
    if (!blob || blob.size > MAX_MANIFEST_PROBE) continue;
    if (++probes > MAX_PROBES) return undefined;
    try {
      const { value, bytes } = await readJson(blob, path);
      if (sniffKind(value) !== 'manifest') continue;
      const manifest = asManifest(value, path);
      if (manifest.config.digest !== configDigest) continue;
      if (manifest.layers.length !== layerDigests.length || manifest.layers.some((l, i) => l.digest !== layerDigests[i])) continue;
      const digest = `sha256:${m![1]}`;
      if ((await sha256Bytes(bytes)) !== digest) continue; // a copy under another name is not the stored manifest
      return { manifest, blob, descriptor: { mediaType: manifest.mediaType || MediaType.OciManifest, digest, size: blob.size } };
    } catch {
      /* not JSON, or not a manifest: keep looking */
    }
  }
  return undefined;
}

/** `repositories`: {"name": {"tag": "<top layer id>"}} — the tags of archives whose RepoTags are empty. */
async function readRepositories(tree: FileTree, warnings: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  const blob = tree.get('repositories');
  if (!blob) return map;
  try {
    const v = (await readJson(blob, 'repositories')).value as Record<string, Record<string, string>>;
    for (const [repo, tags] of Object.entries(v ?? {}))
      for (const [tag, id] of Object.entries(tags ?? {})) {
        if (typeof id !== 'string') continue;
        map.set(id, [...(map.get(id) ?? []), `${repo}:${tag}`]);
      }
  } catch (e) {
    warnings.push(`The "repositories" file is ignored: ${(e as Error).message}`);
  }
  return map;
}

/** Legacy layer paths are `<id>/layer.tar`: the id of the last one is what `repositories` points at. */
function topLayerId(entry: DockerManifestEntry): string {
  const last = safeJoin(entry.Layers[entry.Layers.length - 1]);
  const m = HEX64.exec(last);
  return m ? m[1] : last.split('/')[0];
}

/**
 * The index a docker-archive would have as an OCI layout: one entry per image (its synthesized manifest), one per
 * RepoTag as a ref.name (kept whole, `name:tag`), none for a tagless image.
 */
export function dockerIndex(images: Image[]): ImageIndex {
  const manifests: Descriptor[] = [];
  for (const img of images) {
    const d: Descriptor = { mediaType: img.manifestDescriptor.mediaType, digest: img.manifestDescriptor.digest, size: img.manifestDescriptor.size };
    if (img.platform) d.platform = img.platform;
    if (img.tags.length === 0) manifests.push(d);
    for (const t of img.tags) manifests.push({ ...d, annotations: { [AnnotationRefName]: t } });
  }
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}
