// OCI image layout reader: index.json → (nested indexes, oci/walk.ts) → manifests → config + layers.

import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { FileTree } from './tree';
import { asConfig, asIndex, readJson } from './json';
import { makeLayer } from './layer';
import { walkIndex, pathAnnotations, type IndexGraph } from './walk';
import type { Image, SkippedManifest } from './model';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './types';
import {
  AnnotationDockerReferenceType,
  AnnotationRefName,
  MediaType,
  blobPath,
  isLayerMediaType,
} from './types';

const IMAGE_CONFIG_TYPES: string[] = [MediaType.OciConfig, MediaType.DockerConfig];

export interface LayoutRead {
  index: ImageIndex;
  images: Image[];
  skipped: SkippedManifest[];
  warnings: string[];
  /** The walk of index.json (oci/walk.ts): what write, rechain and gc reuse instead of walking again. */
  graph: IndexGraph;
}

/**
 * Walks index.json (oci/walk.ts) and opens every image manifest it reaches, in stored order. A manifest that
 * cannot be opened is skipped (and listed) as long as another image opens: a partial multi-platform save
 * (Docker >= 25 keeps the whole index but only the host's platform blobs) is still useful. When no image opens,
 * the first failure is thrown.
 */
export async function readLayout(tree: FileTree, opts: OpOptions): Promise<LayoutRead> {
  const index = asIndex((await readJson(tree.get('index.json')!, 'index.json')).value, 'index.json');
  const graph = await walkIndex(index, (d) => tree.get(blobPath(d)), { signal: opts.signal });
  const out: LayoutRead = { index, images: [], skipped: [], warnings: [], graph };
  const errors: LwError[] = [];
  const tags = pathAnnotations(graph, [AnnotationRefName]);
  let artifacts = 0;
  for (const i of graph.issues) {
    const err = new LwError('corrupt', `The index ${i.descriptor.digest} is not followed: ${i.reason}.`, { blob: i.descriptor.digest });
    errors.push(err);
    out.skipped.push({ descriptor: i.descriptor, parents: i.parents, code: 'corrupt', reason: err.message });
  }
  for (const node of graph.nodes.values()) {
    throwIfAborted(opts.signal);
    const d = node.descriptor;
    const skip = (code: SkippedManifest['code'], reason: string) => out.skipped.push({ descriptor: d, parents: node.parents, code, reason });
    if (node.kind === 'other') {
      if (d.annotations?.[AnnotationDockerReferenceType] === 'attestation-manifest') skip('unsupported-media-type', 'a build attestation, not an image');
      else skip('unsupported-media-type', `media type ${d.mediaType} is neither an image index nor an image manifest`);
      continue;
    }
    if (node.error) {
      errors.push(node.error);
      skip(node.error.code, node.error.message);
      continue;
    }
    if (!node.manifest) continue;
    if (isArtifact(node.manifest, d)) {
      const what = node.manifest.artifactType ?? d.artifactType ?? node.manifest.config.mediaType;
      artifacts++;
      skip('unsupported-media-type', `an artifact (${what}), not a container image`);
      continue;
    }
    try {
      out.images.push(await readImage(tree, d, node.manifest, node.blob!, tags.get(d.digest) ?? []));
    } catch (e) {
      const err = asLwError(e);
      if (err.code === 'cancelled') throw err;
      errors.push(err);
      skip(err.code, err.message);
    }
  }
  if (out.images.length === 0) {
    if (errors.length) throw errors[0];
    // A layout of artifacts only (a signature or SBOM store) opens: its blobs can still be verified and copied.
    if (!artifacts) throw new LwError('not-an-image', 'index.json lists no container image.');
    out.warnings.push(`index.json lists ${artifacts} artifact${artifacts > 1 ? 's' : ''} and no container image.`);
  }
  for (const s of out.skipped) {
    if (graph.nodes.get(s.descriptor.digest)?.error?.code === 'missing-blob') {
      s.absent = true;
      s.reason = `not present in this archive (an export of some of the index's images; the image layout allows it)`;
      out.warnings.push(`Not present: ${s.descriptor.digest}${platformNote(s.descriptor.platform)}, listed by the index but not exported.`);
    } else out.warnings.push(`Skipped ${s.descriptor.digest}${platformNote(s.descriptor.platform)}: ${s.reason}`);
  }
  return out;
}

/**
 * An OCI artifact rather than a container image (image-spec "Guidelines for Artifact Usage"): a manifest with an
 * `artifactType`, a config that is not an image config (the empty config, cosign, Helm), or one whose layers are
 * all non-layer blobs (cosign signatures use an image config with simplesigning layers). A manifest with some tar
 * layers and some of another type stays an image, for diagnose to report the odd media type.
 */
export function isArtifact(manifest: ImageManifest, d?: Descriptor): boolean {
  if (manifest.artifactType || d?.artifactType) return true;
  const cmt = manifest.config.mediaType;
  if (cmt && !IMAGE_CONFIG_TYPES.includes(cmt)) return true;
  return manifest.layers.length > 0 && manifest.layers.every((l) => !!l.mediaType && !isLayerMediaType(l.mediaType));
}

function platformNote(p?: Platform): string {
  return p ? ` (${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''})` : '';
}

async function readImage(
  tree: FileTree,
  d: Descriptor,
  manifest: ImageManifest,
  manifestBlob: Blob,
  tags: string[],
): Promise<Image> {
  const configBlob = tree.get(blobPath(manifest.config.digest));
  if (!configBlob)
    throw new LwError('missing-blob', `The config ${manifest.config.digest} of manifest ${d.digest} is not in the archive.`, {
      blob: manifest.config.digest,
    });
  const config = asConfig((await readJson(configBlob, manifest.config.digest)).value, manifest.config.digest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const platform: Platform | undefined =
    d.platform ?? (config.os || config.architecture ? stripUndefined({ os: config.os, architecture: config.architecture, variant: config.variant }) : undefined);
  return {
    tags: [...tags],
    platform,
    manifestDescriptor: { ...d, mediaType: d.mediaType || manifest.mediaType || MediaType.OciManifest },
    manifest,
    config,
    configBlob,
    manifestBlob,
    layers: manifest.layers.map((l, index) =>
      makeLayer({ index, descriptor: l, diffId: diffIds[index], blob: tree.get(blobPath(l.digest)), path: blobPath(l.digest) }),
    ),
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
