// openImage: what kind of image archive the input is, and its images as values (index → manifests → config +
// layers). Nothing large is read: layers stay Blobs (slices of the input or scratch files) until an op streams them.

import { LwError, asLwError } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { openTree, type FileTree } from './tree';
import { readJson } from './json';
import { readLayout } from './layout';
import { readDockerArchive, parseDockerManifest, configDigestFromPath, dockerIndex } from './docker';
import { walkIndex, reachableDigests, type IndexGraph } from './walk';
import type { Image, ImageArchive, SkippedManifest } from './model';
import type { Descriptor, DockerManifestEntry, ImageIndex } from './types';

export type { Image, ImageArchive, SkippedManifest } from './model';
export type { Layer, LayerReadOptions } from './layer';
export { makeLayer, storedBlob } from './layer';
import { ANY_DIGEST_RE, blobPath } from './types';

export interface OpenImageOptions extends OpOptions {
  /** Files up to this size stay in memory when a compressed tar is unpacked. */
  inMemoryLimit?: number;
}

/**
 * Opens an OCI layout (tar, compressed tar or folder) or a `docker save` archive (legacy or Docker >= 25).
 * With both `index.json` and `manifest.json` (Docker >= 25), the OCI index wins and manifest.json contributes
 * RepoTags; when the index cannot be read but manifest.json can, the archive opens as docker-archive with a warning.
 */
export async function openImage(
  input: Blob | Map<string, Blob>,
  env: { scratch: Scratch },
  opts: OpenImageOptions = {},
): Promise<ImageArchive> {
  let tree = await openTree(input, env, opts);
  tree = rootOf(tree);
  const warnings: string[] = [];
  const hasIndex = !!tree.get('index.json');
  const manifestJson = tree.get('manifest.json');

  let dockerManifest: DockerManifestEntry[] | undefined;
  let dockerError: LwError | undefined;
  if (manifestJson) {
    try {
      dockerManifest = parseDockerManifest((await readJson(manifestJson, 'manifest.json')).value);
    } catch (e) {
      dockerError = asLwError(e);
      if (!hasIndex) throw dockerError;
      warnings.push(`manifest.json is ignored: ${dockerError.message}`);
    }
  }

  if (hasIndex) {
    try {
      const layout = await readLayout(tree, opts);
      if (dockerManifest) mergeRepoTags(layout.images, dockerManifest);
      return finish('oci-layout', tree, layout.images, new Map(), [...warnings, ...layout.warnings], layout.skipped, layout.index, dockerManifest, layout.graph);
    } catch (e) {
      if (!dockerManifest) throw e;
      warnings.push(`index.json could not be used (${asLwError(e).message}); opened through manifest.json instead.`);
    }
  }
  if (dockerManifest) {
    const d = await readDockerArchive(tree, dockerManifest, opts);
    const top = dockerIndex(d.images);
    const graph = await walkIndex(top, (dg) => d.blobs.get(dg), { signal: opts.signal });
    return finish('docker-archive', tree, d.images, d.blobs, [...warnings, ...d.warnings], [], undefined, dockerManifest, graph);
  }
  throw new LwError('not-an-image', describeNonImage(tree));
}

function finish(
  format: ImageArchive['format'],
  tree: FileTree,
  images: Image[],
  byDigest: Map<string, Blob>,
  warnings: string[],
  skipped: SkippedManifest[],
  index: ImageIndex | undefined,
  dockerManifest: DockerManifestEntry[] | undefined,
  graph: IndexGraph,
): ImageArchive {
  for (const img of images)
    if (img.manifestBlob && !byDigest.has(img.manifestDescriptor.digest)) byDigest.set(img.manifestDescriptor.digest, img.manifestBlob);
  return {
    format,
    tree,
    index,
    dockerManifest,
    images,
    skipped,
    warnings,
    graph,
    blob: (digest) => byDigest.get(digest) ?? (ANY_DIGEST_RE.test(digest) ? tree.get(blobPath(digest)) : undefined),
  };
}

/**
 * Every digest the archive's top index reaches (indexes, manifests, configs, layers, other listed blobs): what
 * `gc` keeps and what is not an `unreferenced-blob`.
 */
export function reachable(archive: ImageArchive): Set<string> {
  return reachableDigests(archive.graph);
}

/**
 * The indexes from the top index down to (excluding) the image's manifest, on the first path that reaches it:
 * what a rewrite of the image re-addresses above it.
 */
export function indexesAbove(archive: ImageArchive, image: Image): Descriptor[] {
  return archive.graph.nodes.get(image.manifestDescriptor.digest)?.parents ?? [];
}

/** The index document a digest names, if the top index reaches one. */
export function indexDescriptor(archive: ImageArchive, digest: string): Descriptor | undefined {
  const n = archive.graph.nodes.get(digest);
  return n?.kind === 'index' ? n.descriptor : undefined;
}

/** Docker >= 25 writes both: RepoTags (full `name:tag`) join the ref.name tags of the image with that config. */
function mergeRepoTags(images: Image[], entries: DockerManifestEntry[]): void {
  for (const entry of entries) {
    const digest = configDigestFromPath(entry.Config);
    for (const img of images) {
      if (img.manifest.config.digest !== digest) continue;
      for (const t of entry.RepoTags ?? []) if (!img.tags.includes(t)) img.tags.push(t);
    }
  }
}

/**
 * `tar -cf x.tar layoutdir` (or picking the folder above a layout) puts everything under one directory:
 * look through it when the root itself has neither index.json nor manifest.json.
 */
function rootOf(tree: FileTree): FileTree {
  if (tree.get('index.json') || tree.get('manifest.json')) return tree;
  const paths = tree.paths();
  const tops = new Set(paths.map((p) => p.split('/')[0]));
  if (tops.size !== 1 || !paths.every((p) => p.includes('/'))) return tree;
  const prefix = `${[...tops][0]}/`;
  if (!tree.get(`${prefix}index.json`) && !tree.get(`${prefix}manifest.json`)) return tree;
  return {
    kind: tree.kind,
    compression: tree.compression,
    paths: () => paths.map((p) => p.slice(prefix.length)),
    get: (p) => tree.get(prefix + p),
  };
}

const ROOTFS_DIRS = ['bin', 'etc', 'usr', 'lib', 'sbin', 'var', 'opt', 'root', 'home'];

/** Says in plain words what the input looks like when it is not an image. */
export function describeNonImage(tree: FileTree): string {
  const paths = tree.paths();
  const where = tree.kind === 'dir' ? 'folder' : 'archive';
  if (paths.length === 0) return `The ${where} holds no files: it is not an image.`;
  const tops = [...new Set(paths.map((p) => p.split('/')[0]))];
  if (tops.filter((t) => ROOTFS_DIRS.includes(t)).length >= 2)
    return `This looks like a plain rootfs tarball (it has ${tops.filter((t) => ROOTFS_DIRS.includes(t)).slice(0, 4).join('/, ')}/), not an image: there is no index.json (OCI layout) or manifest.json (docker save). Use it as the app rootfs of a build instead.`;
  if (tree.get('oci-layout') || tops.includes('blobs'))
    return `This looks like an OCI layout without its index.json, so no image can be found in it.`;
  if (tree.get('repositories'))
    return `This looks like a docker save archive from Docker older than 1.10 (a "repositories" file but no manifest.json), which is not supported.`;
  const shown = tops.slice(0, 5).join(', ') + (tops.length > 5 ? `, … (${tops.length} in all)` : '');
  return `No index.json (OCI layout) or manifest.json (docker save) in this ${where}; it holds: ${shown}.`;
}
